#include "protocols/mpegts/ts_program_writer.h"

#include <spdlog/spdlog.h>

#include "protocols/codec/adts.h"
#include "protocols/codec/annexb.h"
#include "protocols/codec/avc.h"
#include "protocols/codec/hevc.h"
#include "protocols/mpegts/ts_writer.h"

namespace rtsedge::mpegts {

namespace {

// TS timestamps start this far above the stream timeline, so the PCR (which runs
// kPcrLeadUs behind the DTS: the decoder buffering it signals) is never negative.
constexpr int64_t kTimestampOffsetUs = 1'000'000;
constexpr int64_t kPcrLeadUs = 100'000;
// In a program without video PSI goes in front of the first audio frame this long
// after the last PSI: with audio frames of up to 100 ms the gap stays within the
// 500 ms that ETSI TR 101 290 (1.3, 1.5) allows between PATs and between PMTs.
constexpr int64_t kAudioOnlyPsiIntervalUs = 400'000;
constexpr int64_t kTimestampWrap = int64_t{1} << 33;

constexpr uint8_t kVideoStreamId = 0xe0;
constexpr uint8_t kAudioStreamId = 0xc0;
constexpr uint8_t kPrivateStreamId = 0xbd;  // Opus travels as private data

// Access unit delimiters: H.264 in TS wants one in front of every access unit.
constexpr uint8_t kH264Aud[] = {0x09, 0xf0};
constexpr uint8_t kH265Aud[] = {0x46, 0x01, 0x50};

int64_t floorMod(int64_t value, int64_t modulus) {
  int64_t rest = value % modulus;
  return rest < 0 ? rest + modulus : rest;
}

int64_t to90kHz(int64_t us) {
  return floorMod((us + kTimestampOffsetUs) * 9 / 100, kTimestampWrap);
}

int64_t pcr27MHz(int64_t dtsUs) {
  return floorMod((dtsUs + kTimestampOffsetUs - kPcrLeadUs) * 27, kTimestampWrap * 300);
}

std::optional<uint8_t> streamTypeOf(Codec codec, uint32_t sampleRate) {
  switch (codec) {
    case Codec::kH264: return kH264;
    case Codec::kH265: return kH265;
    case Codec::kAac: return kAdtsAac;
    case Codec::kOpus: return kPrivateData;
    case Codec::kMp3: return sampleRate != 0 && sampleRate < 32000 ? kMpeg2Audio : kMpeg1Audio;
    default: return std::nullopt;
  }
}

// Opus in TS (ETSI TS 102 366 annex / the "Opus in MPEG-TS" spec): each packet gets
// a control header: 0x7fe0 prefix, then its size as a run of 0xff bytes and a remainder.
Bytes opusAccessUnit(std::span<const uint8_t> packet) {
  BytesBuilder out(2 + packet.size() / 255 + 1 + packet.size());
  out.appendU16(0x7fe0);
  size_t size = packet.size();
  while (size >= 255) {
    out.appendByte(0xff);
    size -= 255;
  }
  out.appendByte(static_cast<uint8_t>(size));
  out.append(packet);
  return out.freeze();
}

}  // namespace

bool tsCarries(Codec codec) {
  return streamTypeOf(codec, 0).has_value();
}

TsProgramWriter& TsProgramWriter::of(Stream& stream) {
  std::unique_ptr<EgressState>& state = stream.egressState(EgressFormat::kMpegTs);
  if (!state) {
    state = std::make_unique<TsProgramWriter>();
  }
  return static_cast<TsProgramWriter&>(*state);
}

void TsProgramWriter::onTrackConfig(const TrackConfig& config) {
  if (config.kind != TrackKind::kData) {
    setTrack(config.kind, config.codec, config.channels, config.sampleRate);
  }
}

void TsProgramWriter::setTrack(TrackKind kind, Codec codec, uint8_t channels, uint32_t sampleRate) {
  std::optional<ElementaryStream>& track = kind == TrackKind::kVideo ? video_ : audio_;
  auto type = streamTypeOf(codec, sampleRate);
  if (!type) {
    return;
  }
  ElementaryStream stream{.pid = kind == TrackKind::kVideo ? kVideoPid : kAudioPid,
                          .streamType = *type,
                          .opus = codec == Codec::kOpus,
                          .opusChannels = codec == Codec::kOpus ? channels : uint8_t{0}};
  if (!track || track->streamType != stream.streamType || track->opus != stream.opus ||
      track->opusChannels != stream.opusChannels) {
    track = stream;
    ++pmtVersion_;
  }
}

void TsProgramWriter::appendPsi(BytesBuilder& out) {
  std::array<ElementaryStream, 2> streams;
  size_t count = 0;
  if (video_) {
    streams[count++] = *video_;
  }
  if (audio_) {
    streams[count++] = *audio_;
  }
  writePat(out, kPmtPid, patContinuity_);
  writePmt(out, kPmtPid, video_ ? kVideoPid : kAudioPid, pmtVersion_ & 0x1f, std::span(streams.data(), count),
           pmtContinuity_);
}

const Bytes& TsProgramWriter::parameterSets(const TrackConfigPtr& config) {
  if (config == parameterSetsConfig_) {
    return parameterSets_;
  }
  BytesBuilder out;
  if (config->codec == Codec::kH264) {
    if (auto avc = codec::parseAvcDecoderConfigurationRecord(config->record.span())) {
      for (const auto& units : {avc->sps, avc->pps}) {
        for (auto unit : units) {
          codec::appendAnnexB(out, unit);
        }
      }
    }
  } else if (auto hevc = codec::parseHevcDecoderConfigurationRecord(config->record.span())) {
    for (auto type : {codec::HevcNalType::kVps, codec::HevcNalType::kSps, codec::HevcNalType::kPps}) {
      for (const auto& array : hevc->arrays) {
        if (array.nalType == static_cast<uint8_t>(type)) {
          for (auto unit : array.units) {
            codec::appendAnnexB(out, unit);
          }
        }
      }
    }
  }
  parameterSetsConfig_ = config;
  parameterSets_ = out.freeze();
  return parameterSets_;
}

std::optional<Bytes> TsProgramWriter::videoElementaryStream(const MediaFrame& frame) {
  auto units = codec::splitLengthPrefixed(frame.payload.span(), frame.config->nalLengthSize);
  if (!units) {
    return std::nullopt;
  }
  bool h264 = frame.codec == Codec::kH264;
  const Bytes& prefix = frame.keyframe ? parameterSets(frame.config) : Bytes();
  size_t size = 4 + sizeof(kH265Aud) + prefix.size();
  for (auto unit : *units) {
    size += 4 + unit.size();
  }
  BytesBuilder out(size);
  codec::appendAnnexB(out, h264 ? std::span<const uint8_t>(kH264Aud) : std::span<const uint8_t>(kH265Aud));
  out.append(prefix);
  for (auto unit : *units) {
    if (unit.empty()) {
      continue;
    }
    uint8_t type = h264 ? unit[0] & 0x1f : (unit[0] >> 1) & 0x3f;
    if ((h264 && type == 9) || (!h264 && type == 35)) {
      continue;  // the frame's own delimiter: ours is in front already
    }
    codec::appendAnnexB(out, unit);
  }
  return out.freeze();
}

std::optional<Bytes> TsProgramWriter::audioElementaryStream(const MediaFrame& frame) {
  switch (frame.codec) {
    case Codec::kAac: {
      auto header = codec::adtsHeaderFor(frame.config->record.span(), frame.payload.size());
      if (!header) {
        return std::nullopt;
      }
      BytesBuilder out(header->size() + frame.payload.size());
      out.append(*header);
      out.append(frame.payload);
      return out.freeze();
    }
    case Codec::kOpus: return opusAccessUnit(frame.payload.span());
    default: return frame.payload;  // MPEG audio frames go as they are
  }
}

Bytes TsProgramWriter::serialize(const MediaFrame& frame) {
  if (frame.kind == TrackKind::kData || !tsCarries(frame.codec) || !frame.config) {
    return {};
  }
  bool video = frame.kind == TrackKind::kVideo;
  setTrack(frame.kind, frame.codec, frame.config->channels, frame.config->sampleRate);
  auto elementary = video ? videoElementaryStream(frame) : audioElementaryStream(frame);
  if (!elementary) {
    spdlog::debug("mpegts: a {} frame at {} us could not be written", codecName(frame.codec), frame.dtsUs);
    return {};
  }
  BytesBuilder out(elementary->size() + elementary->size() / 150 * 4 + 4 * kPacketSize);
  bool psiDue =
      video ? frame.keyframe : !video_ && (!lastPsiDtsUs_ || frame.dtsUs - *lastPsiDtsUs_ >= kAudioOnlyPsiIntervalUs);
  if (psiDue) {
    appendPsi(out);
    lastPsiDtsUs_ = frame.dtsUs;
  }
  PesTiming timing{.pts90k = to90kHz(frame.ptsUs),
                   .dts90k = to90kHz(frame.dtsUs),
                   .pcr27m = pcr27MHz(frame.dtsUs),
                   .randomAccess = video ? frame.keyframe : true};
  uint8_t streamId = video ? kVideoStreamId : frame.codec == Codec::kOpus ? kPrivateStreamId : kAudioStreamId;
  writePes(out, video ? kVideoPid : kAudioPid, streamId, timing, elementary->span(),
           video ? videoContinuity_ : audioContinuity_);
  return out.freeze();
}

}  // namespace rtsedge::mpegts
