#include "bench/rtsbench/flv_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "protocols/flv/flv_mux.h"
#include "protocols/flv/flv_tag.h"
#include "protocols/rtmp/amf0.h"

namespace rtsedge::bench {

namespace {

constexpr size_t kFileHeaderSize = 9;
using flv::kAudioTag;
using flv::kPreviousTagSize;
using flv::kScriptTag;
using flv::kTagHeaderSize;
using flv::kVideoTag;

using Frames = std::vector<std::shared_ptr<MediaFrame>>;

Result<Bytes> readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(std::strerror(errno));
  }
  std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    return Error("read failed");
  }
  return Bytes::copyOf(std::string_view(data));
}

void addFrame(Frames& frames, TrackKind kind, Codec codec, int64_t dtsUs, int64_t ptsUs, bool keyframe, Bytes payload,
              TrackConfigPtr config) {
  auto frame = std::make_shared<MediaFrame>();
  frame->kind = kind;
  frame->codec = codec;
  frame->dtsUs = dtsUs;
  frame->ptsUs = ptsUs;
  frame->keyframe = keyframe;
  frame->payload = std::move(payload);
  frame->config = std::move(config);
  frames.push_back(std::move(frame));
}

Status addVideo(const Bytes& body, int64_t dtsUs, TrackConfigPtr& config, Frames& frames) {
  auto tag = flv::parseVideoTag(body);
  if (!tag) {
    return tag.error();
  }
  if (tag->kind == flv::VideoTag::Kind::kConfig) {
    if (tag->codec != Codec::kH264 && tag->codec != Codec::kH265) {
      return Error(fmt::format("{} video: only H.264 and H.265 can carry the capture-time SEI", codecName(tag->codec)));
    }
    config = tag->config;
  } else if (tag->kind == flv::VideoTag::Kind::kFrame) {
    if (!config) {
      return Error("a video frame before the video sequence header");
    }
    addFrame(frames, TrackKind::kVideo, tag->codec, dtsUs, dtsUs + int64_t{tag->compositionTimeMs} * 1000,
             tag->keyframe, tag->payload, config);
  } else if (tag->kind == flv::VideoTag::Kind::kIgnored && !config) {
    // Before any sequence header it is a codec we cannot publish: not to be dropped silently.
    return Error(fmt::format("video: {}", tag->ignoredReason));
  }
  return Status::ok();
}

Status addAudio(const Bytes& body, int64_t dtsUs, TrackConfigPtr& config, Frames& frames) {
  auto tag = flv::parseAudioTag(body);
  if (!tag) {
    return tag.error();
  }
  if (tag->kind == flv::AudioTag::Kind::kConfig) {
    config = tag->config;
  } else if (tag->kind == flv::AudioTag::Kind::kFrame) {
    if (tag->codec != Codec::kAac) {
      return Error(fmt::format("{} audio: only AAC is supported", codecName(tag->codec)));
    }
    if (!config) {
      return Error("an audio frame before the AAC sequence header");
    }
    addFrame(frames, TrackKind::kAudio, tag->codec, dtsUs, dtsUs, false, tag->payload, config);
  } else if (tag->kind == flv::AudioTag::Kind::kIgnored && !config) {
    return Error(fmt::format("audio: {}", tag->ignoredReason));
  }
  return Status::ok();
}

bool isOnMetaData(const Bytes& body) {
  auto values = amf0::decodeAll(body.span());
  return values && !values->empty() && values->front().asString() == "onMetaData";
}

// Moves the frames to start at 0 and works out the loop offset from the track that
// paces the stream (video, or audio without it).
Result<FlvFile> finish(Frames frames, Bytes metadata) {
  if (frames.empty()) {
    return Error("no audio or video frames");
  }
  int64_t firstUs = (*std::ranges::min_element(frames, {}, [](const auto& f) { return f->dtsUs; }))->dtsUs;
  FlvFile file;
  file.metadata = std::move(metadata);
  file.hasVideo = std::ranges::any_of(frames, [](const auto& f) { return f->kind == TrackKind::kVideo; });
  TrackKind paced = file.hasVideo ? TrackKind::kVideo : TrackKind::kAudio;
  int64_t lastUs = 0;
  std::vector<int64_t> pacedUs;
  for (auto& frame : frames) {
    frame->dtsUs -= firstUs;
    frame->ptsUs -= firstUs;
    lastUs = std::max(lastUs, frame->dtsUs);
    if (frame->kind == paced) {
      pacedUs.push_back(frame->dtsUs);
    }
    file.frames.push_back(std::move(frame));
  }
  if (pacedUs.size() < 2 || pacedUs.back() <= pacedUs.front()) {
    return Error("too short to loop: the timestamps do not advance");
  }
  int64_t intervalUs = (pacedUs.back() - pacedUs.front()) / static_cast<int64_t>(pacedUs.size() - 1);
  file.loopUs = lastUs + intervalUs;
  return file;
}

}  // namespace

Result<FlvFile> readFlvFile(const std::string& path) {
  auto data = readWhole(path);
  if (!data) {
    return data.error();
  }
  const Bytes& file = *data;
  if (file.size() < kFileHeaderSize || file[0] != 'F' || file[1] != 'L' || file[2] != 'V') {
    return Error("not an FLV file");
  }
  Frames frames;
  Bytes metadata;
  TrackConfigPtr video;
  TrackConfigPtr audio;
  size_t offset = loadU32(file.data() + 5) + kPreviousTagSize;
  while (offset + kTagHeaderSize <= file.size()) {
    const uint8_t* header = file.data() + offset;
    uint32_t size = loadU24(header + 1);
    if (file.size() - offset - kTagHeaderSize < size) {
      break;
    }
    int64_t dtsUs = int64_t{loadU24(header + 4) | (uint32_t{header[7]} << 24)} * 1000;
    Bytes body = file.slice(offset + kTagHeaderSize, size);
    Status added = Status::ok();
    if (!body.empty()) {
      switch (header[0] & 0x1f) {
        case kVideoTag: added = addVideo(body, dtsUs, video, frames); break;
        case kAudioTag: added = addAudio(body, dtsUs, audio, frames); break;
        case kScriptTag:
          if (metadata.empty() && isOnMetaData(body)) {
            metadata = body;
          }
          break;
        default: break;
      }
    }
    if (!added) {
      return added.error().wrap(fmt::format("tag at byte {}", offset));
    }
    offset += kTagHeaderSize + size + kPreviousTagSize;
  }
  return finish(std::move(frames), std::move(metadata));
}

}  // namespace rtsedge::bench
