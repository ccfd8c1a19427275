#include "protocols/mpegts/ts_publisher.h"

#include <spdlog/spdlog.h>

#include "protocols/codec/aac.h"
#include "protocols/codec/adts.h"
#include "protocols/codec/annexb.h"
#include "protocols/codec/avc.h"
#include "protocols/codec/hevc.h"
#include "protocols/codec/opus.h"
#include "protocols/codec/sei.h"

namespace rtsedge::mpegts {

namespace {

constexpr int64_t kTimestampWrap = int64_t{1} << 33;
constexpr uint8_t kNalLengthSize = 4;

int64_t ticksToUs(int64_t ticks) {
  return ticks * 100 / 9;
}

enum class NalRole { kSlice, kKeySlice, kVps, kSps, kPps, kDelimiter, kOther };

NalRole roleOf(Codec codec, std::span<const uint8_t> unit) {
  if (codec == Codec::kH264) {
    switch (unit[0] & 0x1f) {
      case 1: return NalRole::kSlice;
      case 5: return NalRole::kKeySlice;
      case 7: return NalRole::kSps;
      case 8: return NalRole::kPps;
      case 9: return NalRole::kDelimiter;
      default: return NalRole::kOther;
    }
  }
  if (unit.size() < 2) {
    return NalRole::kOther;
  }
  uint8_t type = (unit[0] >> 1) & 0x3f;
  if (type <= 9) {
    return NalRole::kSlice;
  }
  if (type >= 16 && type <= 21) {
    return NalRole::kKeySlice;  // IRAP pictures: BLA, IDR, CRA
  }
  switch (type) {
    case 32: return NalRole::kVps;
    case 33: return NalRole::kSps;
    case 34: return NalRole::kPps;
    case 35: return NalRole::kDelimiter;
    default: return NalRole::kOther;
  }
}

// The parameter sets in one comparable byte string: length-prefixed, in order.
std::vector<uint8_t> flatten(std::initializer_list<const std::vector<std::span<const uint8_t>>*> lists) {
  std::vector<uint8_t> out;
  for (const auto* list : lists) {
    for (auto unit : *list) {
      uint32_t size = static_cast<uint32_t>(unit.size());
      out.insert(out.end(), {static_cast<uint8_t>(size >> 24), static_cast<uint8_t>(size >> 16),
                             static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)});
      out.insert(out.end(), unit.begin(), unit.end());
    }
    out.push_back(0xff);  // list separator
  }
  return out;
}

// The track configuration an access unit's parameter sets describe.
Result<TrackConfig> videoConfigFrom(Codec codec, std::span<const std::span<const uint8_t>> vps,
                                    std::span<const std::span<const uint8_t>> sps,
                                    std::span<const std::span<const uint8_t>> pps) {
  bool h264 = codec == Codec::kH264;
  auto record = h264 ? codec::buildAvcDecoderConfigurationRecord(sps, pps)
                     : codec::buildHevcDecoderConfigurationRecord(vps, sps, pps);
  if (!record) {
    return record.error();
  }
  TrackConfig config;
  config.kind = TrackKind::kVideo;
  config.codec = codec;
  config.nalLengthSize = kNalLengthSize;
  config.record = std::move(*record);
  if (h264) {
    auto info = codec::parseH264Sps(sps.front());
    if (!info) {
      return info.error();
    }
    config.width = info->width;
    config.height = info->height;
    config.frameRate = info->frameRate;
  } else {
    auto info = codec::parseH265Sps(sps.front());
    if (!info) {
      return info.error();
    }
    config.width = info->width;
    config.height = info->height;
  }
  return config;
}

}  // namespace

TsPublisher::TsPublisher(const Clock& clock, metrics::Counter& framesReceived, StreamSource::Listener& listener)
    : StreamSource(listener), clock_(clock), framesReceived_(framesReceived), demuxer_(*this, TsDemuxer::Limits{}) {}

void TsPublisher::feed(std::span<const uint8_t> data) {
  demuxer_.feed(data);
}

void TsPublisher::onProgram(const std::vector<ElementaryStream>& streams) {
  std::optional<ElementaryStream> video;
  std::optional<ElementaryStream> audio;
  for (const ElementaryStream& stream : streams) {
    bool isVideo = stream.streamType == kH264 || stream.streamType == kH265;
    bool isAudio = stream.streamType == kAdtsAac || stream.opus;
    if (isVideo && !video) {
      video = stream;
    } else if (isAudio && !audio) {
      audio = stream;
    }
  }
  if (video != videoPid_) {
    videoConfig_.reset();
    parameterSets_.clear();
    awaitingKeyframe_ = true;
  }
  if (audio != audioPid_) {
    audioConfig_.reset();
  }
  videoPid_ = video;
  audioPid_ = audio;
  spdlog::debug("mpegts: program: video {}, audio {}", video ? video->streamType : 0, audio ? audio->streamType : 0);
}

int64_t TsPublisher::unwrap(int64_t ticks90k) {
  if (!lastTicks_) {
    lastTicks_ = ticks90k;
    return ticks90k;
  }
  // The candidate nearest the last timestamp: wraps forward and small steps back both work.
  int64_t base = *lastTicks_ - (((*lastTicks_ % kTimestampWrap) + kTimestampWrap) % kTimestampWrap);
  int64_t best = base + ticks90k;
  for (int64_t candidate : {best - kTimestampWrap, best + kTimestampWrap}) {
    if (std::llabs(candidate - *lastTicks_) < std::llabs(best - *lastTicks_)) {
      best = candidate;
    }
  }
  lastTicks_ = best;
  return best;
}

void TsPublisher::onPes(PesPacket&& pes) {
  if (stream() == nullptr || !pes.pts90k) {
    ++stats_.framesDropped;
    return;
  }
  int64_t ptsTicks = *pes.pts90k;
  int64_t dtsTicks = pes.dts90k.value_or(ptsTicks);
  int64_t dts = unwrap(dtsTicks);
  // PTS is at or after DTS, within the wrap.
  int64_t pts = dts + ((ptsTicks - dtsTicks) % kTimestampWrap + kTimestampWrap) % kTimestampWrap;
  if (videoPid_ && pes.pid == videoPid_->pid) {
    onVideo(pes, ticksToUs(dts), ticksToUs(pts));
  } else if (audioPid_ && pes.pid == audioPid_->pid) {
    if (audioPid_->opus) {
      onOpus(pes, ticksToUs(pts));
    } else {
      onAac(pes, ticksToUs(pts));
    }
  }
}

void TsPublisher::onVideo(const PesPacket& pes, int64_t dtsUs, int64_t ptsUs) {
  Codec codec = videoPid_->streamType == kH264 ? Codec::kH264 : Codec::kH265;
  if (pes.dataLost) {
    awaitingKeyframe_ = true;  // what follows may reference the lost pictures
  }
  std::vector<std::span<const uint8_t>> units = codec::splitAnnexB(pes.payload.span());
  std::vector<std::span<const uint8_t>> vps;
  std::vector<std::span<const uint8_t>> sps;
  std::vector<std::span<const uint8_t>> pps;
  std::vector<std::span<const uint8_t>> kept;
  bool keyframe = false;
  bool picture = false;
  for (auto unit : units) {
    switch (roleOf(codec, unit)) {
      case NalRole::kVps: vps.push_back(unit); break;
      case NalRole::kSps: sps.push_back(unit); break;
      case NalRole::kPps: pps.push_back(unit); break;
      case NalRole::kDelimiter: break;
      case NalRole::kKeySlice: keyframe = true; [[fallthrough]];
      case NalRole::kSlice: picture = true; [[fallthrough]];
      case NalRole::kOther: kept.push_back(unit); break;
    }
  }
  if (!sps.empty() && !pps.empty() && (codec == Codec::kH264 || !vps.empty())) {
    updateVideoConfig(codec, vps, sps, pps);
  }
  if (!picture || !videoConfig_ || (awaitingKeyframe_ && !keyframe)) {
    ++stats_.framesDropped;
    return;
  }
  auto payload = codec::toLengthPrefixed(kept, kNalLengthSize);
  if (!payload) {
    ++stats_.framesDropped;
    return;
  }
  awaitingKeyframe_ = false;
  auto frame = std::make_shared<MediaFrame>();
  frame->kind = TrackKind::kVideo;
  frame->codec = codec;
  frame->dtsUs = dtsUs;
  frame->ptsUs = ptsUs;
  frame->keyframe = keyframe;
  frame->payload = std::move(*payload);
  frame->config = videoConfig_;
  if (auto micros = codec::findCaptureTime(frame->payload.span(), codec, kNalLengthSize)) {
    frame->capture = WallTime(Micros(*micros));
  }
  publish(std::move(frame));
}

void TsPublisher::updateVideoConfig(Codec codec, const std::vector<std::span<const uint8_t>>& vps,
                                    const std::vector<std::span<const uint8_t>>& sps,
                                    const std::vector<std::span<const uint8_t>>& pps) {
  std::vector<uint8_t> sets = flatten({&vps, &sps, &pps});
  if (videoConfig_ && sets == parameterSets_) {
    return;
  }
  auto config = videoConfigFrom(codec, vps, sps, pps);
  if (!config) {
    spdlog::debug("mpegts: {} parameter sets refused: {}", codecName(codec), config.error().message());
    return;
  }
  parameterSets_ = std::move(sets);
  videoConfig_ = std::make_shared<TrackConfig>(std::move(*config));
  awaitingKeyframe_ = true;  // frames decode with the new sets from the next keyframe on
  stream()->publishConfig(videoConfig_);
}

void TsPublisher::onAac(const PesPacket& pes, int64_t ptsUs) {
  codec::AdtsSplit split = codec::splitAdts(pes.payload.span());
  stats_.adtsSkippedBytes += split.skippedBytes;
  int64_t offsetUs = 0;
  for (const auto& [header, raw] : split.frames) {
    Bytes asc = codec::audioSpecificConfigFromAdts(header);
    if (!audioConfig_ || audioConfig_->record != asc) {
      auto parsed = codec::parseAudioSpecificConfig(asc.span());
      if (!parsed) {
        ++stats_.framesDropped;
        continue;
      }
      auto config = std::make_shared<TrackConfig>();
      config->kind = TrackKind::kAudio;
      config->codec = Codec::kAac;
      config->record = asc;
      config->sampleRate = parsed->sampleRate;
      config->channels = parsed->channels;
      audioConfig_ = config;
      stream()->publishConfig(audioConfig_);
    }
    size_t offset = static_cast<size_t>(raw.data() - pes.payload.data());
    publishAudio(pes.payload.slice(offset, raw.size()), ptsUs + offsetUs);
    // One ADTS frame holds 1024 samples per raw data block, at the header's rate.
    offsetUs += int64_t{1024} * header.rawBlocks * 1'000'000 / header.sampleRate;
  }
}

void TsPublisher::onOpus(const PesPacket& pes, int64_t ptsUs) {
  if (!audioConfig_) {
    auto config = std::make_shared<TrackConfig>();
    config->kind = TrackKind::kAudio;
    config->codec = Codec::kOpus;
    config->channels = audioPid_->opusChannels == 0 ? 2 : audioPid_->opusChannels;
    config->sampleRate = codec::kOpusSampleRate;
    config->record = codec::opusHead(config->channels);
    audioConfig_ = config;
    stream()->publishConfig(audioConfig_);
  }
  // Access units: a 0x7fe0 control header (trim and extension flags in the low bits),
  // the size as a run of 0xff bytes plus a remainder, the optional fields, the packet.
  std::span<const uint8_t> rest = pes.payload.span();
  int64_t offsetUs = 0;
  while (rest.size() >= 2 && (loadU16(rest.data()) & 0xffe0) == 0x7fe0) {
    uint8_t flags = rest[1];
    size_t at = 2;
    size_t size = 0;
    while (at < rest.size() && rest[at] == 0xff) {
      size += 255;
      ++at;
    }
    if (at >= rest.size()) {
      break;
    }
    size += rest[at++];
    at += (flags & 0x10 ? 2 : 0) + (flags & 0x08 ? 2 : 0);
    if ((flags & 0x04) != 0) {
      at += at < rest.size() ? 1 + rest[at] : 1;
    }
    if (at > rest.size() || rest.size() - at < size) {
      break;
    }
    auto samples = codec::opusPacketSamples(rest.subspan(at, size));
    if (!samples) {
      ++stats_.framesDropped;
      break;
    }
    size_t offset = static_cast<size_t>(rest.data() + at - pes.payload.data());
    publishAudio(pes.payload.slice(offset, size), ptsUs + offsetUs);
    offsetUs += int64_t{*samples} * 1'000'000 / codec::kOpusSampleRate;
    rest = rest.subspan(at + size);
  }
  if (!rest.empty()) {
    ++stats_.framesDropped;  // a malformed tail: what came before it is published
  }
}

void TsPublisher::publishAudio(Bytes payload, int64_t ptsUs) {
  auto frame = std::make_shared<MediaFrame>();
  frame->kind = TrackKind::kAudio;
  frame->codec = audioConfig_->codec;
  frame->dtsUs = ptsUs;
  frame->ptsUs = ptsUs;
  frame->payload = std::move(payload);
  frame->config = audioConfig_;
  publish(std::move(frame));
}

void TsPublisher::publish(std::shared_ptr<MediaFrame> frame) {
  frame->arrival = clock_.now();
  framesReceived_.inc();
  ++stats_.framesPublished;
  stream()->publishFrame(std::move(frame));
}

}  // namespace rtsedge::mpegts
