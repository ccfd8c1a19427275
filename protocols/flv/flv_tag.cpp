#include "protocols/flv/flv_tag.h"

#include <algorithm>
#include <memory>
#include <string>

#include "protocols/codec/aac.h"
#include "protocols/codec/avc.h"
#include "protocols/codec/hevc.h"

namespace rtsedge::flv {
namespace {

constexpr uint8_t kFrameTypeKey = 1;
constexpr uint8_t kFrameTypeInter = 2;
constexpr uint8_t kFrameTypeCommand = 5;  // video info / command frame
constexpr uint8_t kCodecIdAvc = 7;
constexpr uint8_t kCodecIdLegacyHevc = 12;
constexpr uint8_t kExHeaderFlag = 0x80;
constexpr size_t kLegacyHeaderSize = 5;  // flags, AVCPacketType, SI24 composition time
constexpr size_t kExHeaderSize = 5;      // flags, FourCC
constexpr size_t kCompositionTimeSize = 3;
constexpr int64_t kMaxCompositionTimeMs = (1 << 23) - 1;
constexpr int64_t kMinCompositionTimeMs = -(1 << 23);

enum AvcPacketType : uint8_t { kAvcSequenceHeader = 0, kAvcNalu = 1, kAvcEndOfSequence = 2 };
enum ExPacketType : uint8_t {
  kSequenceStart = 0,
  kCodedFrames = 1,
  kSequenceEnd = 2,
  kCodedFramesX = 3,
  kMetadata = 4,
  kMpeg2TsSequenceStart = 5,
  kMultitrack = 6,
  kModEx = 7,
};

constexpr uint8_t kSoundFormatMp3 = 2;
constexpr uint8_t kSoundFormatExHeader = 9;
constexpr uint8_t kSoundFormatAac = 10;
constexpr uint8_t kSoundFormatReservedFirst = 12;
constexpr uint8_t kSoundFormatReservedLast = 13;
// The FLV spec fixes AAC's sound byte: 44 kHz, 16-bit, stereo; the real values are in the ASC.
constexpr uint8_t kAacSoundByte = 0xAF;
enum AacPacketType : uint8_t { kAacSequenceHeader = 0, kAacRaw = 1 };

struct FourCc {
  std::array<uint8_t, 4> code;
  Codec codec;
};
constexpr std::array<FourCc, 4> kFourCcs = {{
    {{'a', 'v', 'c', '1'}, Codec::kH264},
    {{'h', 'v', 'c', '1'}, Codec::kH265},
    {{'a', 'v', '0', '1'}, Codec::kAv1},
    {{'v', 'p', '0', '9'}, Codec::kVp9},
}};

const FourCc* findFourCc(Codec codec) {
  auto it = std::find_if(kFourCcs.begin(), kFourCcs.end(), [&](const FourCc& f) { return f.codec == codec; });
  return it == kFourCcs.end() ? nullptr : &*it;
}

Codec codecOfFourCc(const uint8_t* p) {
  auto it = std::find_if(kFourCcs.begin(), kFourCcs.end(),
                         [&](const FourCc& f) { return std::equal(f.code.begin(), f.code.end(), p); });
  return it == kFourCcs.end() ? Codec::kUnknown : it->codec;
}

std::string printableFourCc(const uint8_t* p) {
  std::string text;
  for (size_t i = 0; i < 4; ++i) {
    text += (p[i] >= 0x20 && p[i] < 0x7F) ? static_cast<char>(p[i]) : '?';
  }
  return text;
}

int32_t loadSi24(const uint8_t* p) {
  const auto value = static_cast<int32_t>(loadU24(p));
  return (value & 0x800000) != 0 ? value - 0x1000000 : value;
}

template <class Tag>
Tag ignored(std::string reason) {
  Tag tag;
  tag.ignoredReason = std::move(reason);
  return tag;
}

// Fills in what the record tells about the picture. A record or SPS we cannot read is
// still relayed as it came: players may well decode it.
void deriveVideoInfo(TrackConfig& config) {
  if (config.codec == Codec::kH264) {
    auto avc = codec::parseAvcDecoderConfigurationRecord(config.record.span());
    if (!avc) {
      return;
    }
    config.nalLengthSize = avc->nalLengthSize;
    if (avc->sps.empty()) {
      return;
    }
    if (auto sps = codec::parseH264Sps(avc->sps.front())) {
      config.width = sps->width;
      config.height = sps->height;
      config.frameRate = sps->frameRate;
    }
  } else if (config.codec == Codec::kH265) {
    auto hevc = codec::parseHevcDecoderConfigurationRecord(config.record.span());
    if (!hevc) {
      return;
    }
    config.nalLengthSize = hevc->nalLengthSize;
    config.frameRate = hevc->avgFrameRate / 256.0;
    if (auto sps = codec::parseH265Sps(hevc->firstNalUnit(codec::HevcNalType::kSps))) {
      config.width = sps->width;
      config.height = sps->height;
    }
  }
}

VideoTag configTag(VideoTag tag, Bytes record, bool legacyHevc) {
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kVideo;
  config->codec = tag.codec;
  config->record = std::move(record);
  config->flvLegacyHevc = legacyHevc;
  deriveVideoInfo(*config);
  tag.kind = VideoTag::Kind::kConfig;
  tag.config = std::move(config);
  return tag;
}

Result<VideoTag> parseLegacyVideo(const Bytes& body) {
  const uint8_t frameType = body[0] >> 4;
  const uint8_t codecId = body[0] & 0x0F;
  if (frameType == kFrameTypeCommand) {
    return ignored<VideoTag>("video info/command frame");
  }
  if (codecId != kCodecIdAvc && codecId != kCodecIdLegacyHevc) {
    return ignored<VideoTag>("unsupported video codec id " + std::to_string(codecId));
  }
  if (body.size() < kLegacyHeaderSize) {
    return Error("video tag: " + std::to_string(body.size()) + " bytes, the AVC header needs 5");
  }
  VideoTag tag;
  tag.codec = codecId == kCodecIdAvc ? Codec::kH264 : Codec::kH265;
  tag.keyframe = frameType == kFrameTypeKey;
  switch (body[1]) {
    case kAvcSequenceHeader:
      return configTag(std::move(tag), body.slice(kLegacyHeaderSize), codecId == kCodecIdLegacyHevc);
    case kAvcNalu:
      tag.kind = VideoTag::Kind::kFrame;
      tag.compositionTimeMs = loadSi24(body.data() + 2);
      tag.payload = body.slice(kLegacyHeaderSize);
      return tag;
    case kAvcEndOfSequence: tag.kind = VideoTag::Kind::kEndOfSequence; return tag;
    default: return ignored<VideoTag>("AVCPacketType " + std::to_string(body[1]));
  }
}

Result<VideoTag> parseExVideo(const Bytes& body) {
  const uint8_t frameType = (body[0] >> 4) & 0x07;
  const uint8_t packetType = body[0] & 0x0F;
  // Checked before the FourCC: these layouts do not start with one.
  if (frameType == kFrameTypeCommand && packetType != kMetadata) {
    return ignored<VideoTag>("video command frame");
  }
  if (packetType >= kMultitrack) {
    return ignored<VideoTag>("unsupported Enhanced RTMP packet type " + std::to_string(packetType));
  }
  if (body.size() < kExHeaderSize) {
    return Error("enhanced video tag: " + std::to_string(body.size()) + " bytes, the header needs 5");
  }
  VideoTag tag;
  tag.codec = codecOfFourCc(body.data() + 1);
  if (tag.codec == Codec::kUnknown) {
    return ignored<VideoTag>("unsupported video FourCC '" + printableFourCc(body.data() + 1) + "'");
  }
  tag.keyframe = frameType == kFrameTypeKey;
  const bool hasCompositionTime = tag.codec == Codec::kH264 || tag.codec == Codec::kH265;
  switch (packetType) {
    case kSequenceStart: return configTag(std::move(tag), body.slice(kExHeaderSize), false);
    case kCodedFrames:
      if (hasCompositionTime) {
        if (body.size() < kExHeaderSize + kCompositionTimeSize) {
          return Error("enhanced video tag: " + std::to_string(body.size()) + " bytes, CodedFrames needs 8");
        }
        tag.compositionTimeMs = loadSi24(body.data() + kExHeaderSize);
      }
      tag.kind = VideoTag::Kind::kFrame;
      tag.payload = body.slice(kExHeaderSize + (hasCompositionTime ? kCompositionTimeSize : 0));
      return tag;
    case kCodedFramesX:
      tag.kind = VideoTag::Kind::kFrame;
      tag.payload = body.slice(kExHeaderSize);
      return tag;
    case kSequenceEnd: tag.kind = VideoTag::Kind::kEndOfSequence; return tag;
    default:  // kMetadata, kMpeg2TsSequenceStart
      return ignored<VideoTag>("Enhanced RTMP packet type " + std::to_string(packetType) + " not relayed");
  }
}

void put(TagHeader& header, uint8_t byte) {
  header.bytes[header.size++] = byte;
}

void putSi24(TagHeader& header, int32_t value) {
  const auto bits = static_cast<uint32_t>(value);
  put(header, static_cast<uint8_t>(bits >> 16));
  put(header, static_cast<uint8_t>(bits >> 8));
  put(header, static_cast<uint8_t>(bits));
}

int32_t compositionTimeMs(const MediaFrame& frame) {
  const int64_t us = frame.ptsUs - frame.dtsUs;
  const int64_t ms = us >= 0 ? (us + 500) / 1000 : -((500 - us) / 1000);
  return static_cast<int32_t>(std::clamp(ms, kMinCompositionTimeMs, kMaxCompositionTimeMs));
}

enum class VideoPacket { kConfig, kFrame };

TagHeader videoHeader(Codec codec, bool legacyHevc, bool keyframe, VideoPacket packet, int32_t compositionTime) {
  TagHeader header;
  const uint8_t frameType = keyframe ? kFrameTypeKey : kFrameTypeInter;
  const bool isConfig = packet == VideoPacket::kConfig;
  if (codec == Codec::kH264 || (codec == Codec::kH265 && legacyHevc)) {
    put(header, static_cast<uint8_t>((frameType << 4) | (codec == Codec::kH264 ? kCodecIdAvc : kCodecIdLegacyHevc)));
    put(header, isConfig ? kAvcSequenceHeader : kAvcNalu);
    putSi24(header, isConfig ? 0 : compositionTime);
    return header;
  }
  const FourCc* fourCc = findFourCc(codec);
  if (fourCc == nullptr) {
    return header;
  }
  // Only hvc1 frames carry a composition time here; CodedFramesX saves it when it is 0.
  const bool withCompositionTime = !isConfig && codec == Codec::kH265 && compositionTime != 0;
  const uint8_t packetType = isConfig                ? kSequenceStart
                             : withCompositionTime   ? kCodedFrames
                             : codec == Codec::kH265 ? kCodedFramesX
                                                     : kCodedFrames;
  put(header, static_cast<uint8_t>(kExHeaderFlag | (frameType << 4) | packetType));
  for (uint8_t byte : fourCc->code) {
    put(header, byte);
  }
  if (withCompositionTime) {
    putSi24(header, compositionTime);
  }
  return header;
}

}  // namespace

Result<VideoTag> parseVideoTag(const Bytes& body) {
  if (body.empty()) {
    return ignored<VideoTag>("empty video tag");
  }
  return (body[0] & kExHeaderFlag) != 0 ? parseExVideo(body) : parseLegacyVideo(body);
}

Result<AudioTag> parseAudioTag(const Bytes& body) {
  if (body.empty()) {
    return ignored<AudioTag>("empty audio tag");
  }
  const uint8_t format = body[0] >> 4;
  if (format == kSoundFormatExHeader) {
    return ignored<AudioTag>("Enhanced RTMP audio (ExHeader) not supported");
  }
  if (format >= kSoundFormatReservedFirst && format <= kSoundFormatReservedLast) {
    return ignored<AudioTag>("reserved sound format " + std::to_string(format));
  }
  AudioTag tag;
  tag.soundByte = body[0];
  if (format != kSoundFormatAac) {
    tag.kind = AudioTag::Kind::kFrame;
    tag.codec = format == kSoundFormatMp3 ? Codec::kMp3 : Codec::kFlvLegacyAudio;
    tag.payload = body.slice(1);
    return tag;
  }
  if (body.size() < 2) {
    return Error("AAC audio tag: 1 byte, the header needs 2");
  }
  tag.codec = Codec::kAac;
  if (body[1] == kAacRaw) {
    tag.kind = AudioTag::Kind::kFrame;
    tag.payload = body.slice(2);
    return tag;
  }
  if (body[1] != kAacSequenceHeader) {
    return ignored<AudioTag>("AACPacketType " + std::to_string(body[1]));
  }
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kAudio;
  config->codec = Codec::kAac;
  config->record = body.slice(2);
  // An ASC we cannot read is relayed all the same, without rate and channels.
  if (auto asc = codec::parseAudioSpecificConfig(config->record.span())) {
    config->sampleRate = asc->sampleRate;
    config->channels = asc->channels;
  }
  tag.kind = AudioTag::Kind::kConfig;
  tag.config = std::move(config);
  return tag;
}

TrackConfigPtr implicitAudioConfig(Codec codec, uint8_t soundByte) {
  constexpr std::array<uint32_t, 4> kRates = {5512, 11025, 22050, 44100};
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kAudio;
  config->codec = codec;
  config->flvSoundByte = soundByte;
  config->channels = (soundByte & 0x01) != 0 ? 2 : 1;
  switch (soundByte >> 4) {
    case 4:   // Nellymoser 16 kHz mono
    case 11:  // Speex: always 16 kHz mono, whatever the byte says
      config->sampleRate = 16000;
      config->channels = 1;
      break;
    case 5:   // Nellymoser 8 kHz mono
    case 7:   // G.711 A-law
    case 8:   // G.711 mu-law
    case 14:  // MP3 8 kHz
      config->sampleRate = 8000;
      break;
    default: config->sampleRate = kRates[(soundByte >> 2) & 0x03];
  }
  return config;
}

bool isFlvMediaCodec(Codec codec) {
  switch (codec) {
    case Codec::kH264:
    case Codec::kH265:
    case Codec::kAv1:
    case Codec::kVp9:
    case Codec::kAac:
    case Codec::kMp3:
    case Codec::kFlvLegacyAudio: return true;
    default: return false;
  }
}

TagHeader videoFrameHeader(const MediaFrame& frame) {
  const bool legacyHevc = frame.config != nullptr && frame.config->flvLegacyHevc;
  return videoHeader(frame.codec, legacyHevc, frame.keyframe, VideoPacket::kFrame, compositionTimeMs(frame));
}

TagHeader audioFrameHeader(const MediaFrame& frame) {
  TagHeader header;
  const uint8_t soundByte = frame.config != nullptr ? frame.config->flvSoundByte : 0;
  switch (frame.codec) {
    case Codec::kAac:
      put(header, kAacSoundByte);
      put(header, kAacRaw);
      break;
    case Codec::kMp3: put(header, static_cast<uint8_t>((kSoundFormatMp3 << 4) | (soundByte & 0x0F))); break;
    case Codec::kFlvLegacyAudio: put(header, soundByte); break;
    default: break;
  }
  return header;
}

Bytes videoConfigBody(const TrackConfig& config) {
  const TagHeader header = videoHeader(config.codec, config.flvLegacyHevc, true, VideoPacket::kConfig, 0);
  if (header.size == 0) {
    return {};
  }
  BytesBuilder builder(header.size + config.record.size());
  builder.append(header.span());
  builder.append(config.record);
  return builder.freeze();
}

Bytes audioConfigBody(const TrackConfig& config) {
  if (config.codec != Codec::kAac) {
    return {};
  }
  BytesBuilder builder(2 + config.record.size());
  builder.appendByte(kAacSoundByte);
  builder.appendByte(kAacSequenceHeader);
  builder.append(config.record);
  return builder.freeze();
}

}  // namespace rtsedge::flv
