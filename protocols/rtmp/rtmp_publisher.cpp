#include "protocols/rtmp/rtmp_publisher.h"

#include <spdlog/spdlog.h>

#include "protocols/codec/sei.h"
#include "protocols/flv/flv_mux.h"
#include "protocols/flv/flv_tag.h"

namespace rtsedge::rtmp {

int64_t RtmpPublisher::extendTimestamp(uint32_t timestamp) {
  if (timestamp < lastTimestamp_ && lastTimestamp_ - timestamp > 0x80000000u) {
    ++wraps_;
  }
  lastTimestamp_ = timestamp;
  return ((wraps_ << 32) + timestamp) * 1000;
}

Status RtmpPublisher::onMedia(const Message& message) {
  if (stream() == nullptr) {
    return Status::ok();
  }
  switch (static_cast<MessageType>(message.typeId)) {
    case MessageType::kVideo: return onVideo(message.payload, extendTimestamp(message.timestamp));
    case MessageType::kAudio: return onAudio(message.payload, extendTimestamp(message.timestamp));
    case MessageType::kAggregate: return onAggregate(message);
    default: return Status::ok();
  }
}

Status RtmpPublisher::onVideo(const Bytes& body, int64_t dtsUs) {
  if (body.empty()) {
    return Status::ok();  // some encoders send empty video messages as keep-alives
  }
  auto tag = flv::parseVideoTag(body);
  if (!tag) {
    return tag.error().wrap("video message");
  }
  switch (tag->kind) {
    case flv::VideoTag::Kind::kConfig:
      videoConfig_ = tag->config;
      stream()->publishConfig(videoConfig_);
      break;
    case flv::VideoTag::Kind::kFrame:
      publishFrame(TrackKind::kVideo, tag->codec, dtsUs, dtsUs + int64_t{tag->compositionTimeMs} * 1000, tag->keyframe,
                   tag->payload, videoConfig_);
      break;
    case flv::VideoTag::Kind::kEndOfSequence: break;
    case flv::VideoTag::Kind::kIgnored: spdlog::debug("rtmp: video message ignored: {}", tag->ignoredReason); break;
  }
  return Status::ok();
}

Status RtmpPublisher::onAudio(const Bytes& body, int64_t dtsUs) {
  if (body.empty()) {
    return Status::ok();
  }
  auto tag = flv::parseAudioTag(body);
  if (!tag) {
    return tag.error().wrap("audio message");
  }
  switch (tag->kind) {
    case flv::AudioTag::Kind::kConfig:
      audioConfig_ = tag->config;
      stream()->publishConfig(audioConfig_);
      break;
    case flv::AudioTag::Kind::kFrame:
      // Formats without a sequence header carry their configuration in every
      // tag's first byte: a change of it is a new configuration.
      if (tag->codec != Codec::kAac &&
          (!audioConfig_ || audioConfig_->codec != tag->codec || audioConfig_->flvSoundByte != tag->soundByte)) {
        audioConfig_ = flv::implicitAudioConfig(tag->codec, tag->soundByte);
        stream()->publishConfig(audioConfig_);
      }
      publishFrame(TrackKind::kAudio, tag->codec, dtsUs, dtsUs, false, tag->payload, audioConfig_);
      break;
    case flv::AudioTag::Kind::kIgnored: spdlog::debug("rtmp: audio message ignored: {}", tag->ignoredReason); break;
  }
  return Status::ok();
}

// An aggregate message is a run of FLV tags whose timestamps are relative to the
// first one; the message's own timestamp places the run.
Status RtmpPublisher::onAggregate(const Message& message) {
  const Bytes& body = message.payload;
  size_t offset = 0;
  bool first = true;
  uint32_t base = 0;
  while (offset < body.size()) {
    if (body.size() - offset < flv::kTagHeaderSize) {
      return Error("aggregate message: truncated tag header");
    }
    const uint8_t* header = body.data() + offset;
    uint8_t type = header[0] & 0x1f;
    uint32_t size = loadU24(header + 1);
    uint32_t timestamp = loadU24(header + 4) | (static_cast<uint32_t>(header[7]) << 24);
    if (body.size() - offset - flv::kTagHeaderSize < size + flv::kPreviousTagSize) {
      return Error("aggregate message: tag of " + std::to_string(size) + " bytes overruns the message");
    }
    if (first) {
      base = timestamp;
      first = false;
    }
    Bytes tag = body.slice(offset + flv::kTagHeaderSize, size);
    int64_t dtsUs = extendTimestamp(message.timestamp + (timestamp - base));
    Status status = type == flv::kVideoTag   ? onVideo(tag, dtsUs)
                    : type == flv::kAudioTag ? onAudio(tag, dtsUs)
                                             : Status::ok();
    if (!status) {
      return status.error().wrap("aggregate message");
    }
    offset += flv::kTagHeaderSize + size + flv::kPreviousTagSize;
  }
  return Status::ok();
}

Status RtmpPublisher::onData(const Message& message, const std::vector<amf0::Value>& values) {
  if (stream() == nullptr || values.empty()) {
    return Status::ok();
  }
  auto name = values[0].asString();
  Bytes body = message.payload;
  if (name && *name == "@setDataFrame") {
    // Strip the "@setDataFrame" string (marker, 16-bit length, text): what follows
    // is "onMetaData" and its object, exactly as viewers receive it.
    body = body.slice(3 + name->size());
    name = values.size() > 1 ? values[1].asString() : std::nullopt;
  }
  if (name && *name == "onMetaData") {
    stream()->publishMetadata(body);
    return Status::ok();
  }
  int64_t dtsUs = extendTimestamp(message.timestamp);
  publishFrame(TrackKind::kData, Codec::kAmf0, dtsUs, dtsUs, false, body, nullptr);
  return Status::ok();
}

void RtmpPublisher::publishFrame(TrackKind kind, Codec codec, int64_t dtsUs, int64_t ptsUs, bool keyframe,
                                 Bytes payload, TrackConfigPtr config) {
  framesReceived_.inc();
  auto frame = std::make_shared<MediaFrame>();
  frame->kind = kind;
  frame->codec = codec;
  frame->dtsUs = dtsUs;
  frame->ptsUs = ptsUs;
  frame->keyframe = keyframe;
  frame->payload = std::move(payload);
  frame->config = std::move(config);
  frame->arrival = clock_.now();
  if (kind == TrackKind::kVideo && frame->config) {
    if (auto micros = codec::findCaptureTime(frame->payload.span(), codec, frame->config->nalLengthSize)) {
      frame->capture = WallTime(Micros(*micros));
    }
  }
  stream()->publishFrame(std::move(frame));
}

}  // namespace rtsedge::rtmp
