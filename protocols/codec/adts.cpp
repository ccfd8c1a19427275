#include "protocols/codec/adts.h"

#include <algorithm>
#include <string>

#include "protocols/codec/aac.h"
#include "protocols/codec/bit_reader.h"

namespace rtsedge::codec {
namespace {

constexpr uint32_t kSyncword = 0xFFF;
constexpr size_t kCrcSize = 2;
constexpr uint8_t kMaxAdtsObjectType = 4;  // profile (2 bits) + 1
constexpr uint8_t kMaxAdtsChannelConfiguration = 7;
constexpr uint32_t kVariableBitrateFullness = 0x7FF;

// Where the next 0xFF 0xFn (a syncword) at or after `from` begins, or data.size().
size_t nextSyncword(std::span<const uint8_t> data, size_t from) {
  for (size_t at = from; at + 1 < data.size(); ++at) {
    if (data[at] == 0xFF && (data[at + 1] & 0xF0) == 0xF0) {
      return at;
    }
  }
  return data.size();
}

// After garbage, a syncword may be a byte pattern of the garbage: a frame found there is
// taken when it ends the data or another header follows it.
bool followedByFrame(std::span<const uint8_t> data, size_t end) {
  return end == data.size() || parseAdtsHeader(data.subspan(end)).isOk();
}

}  // namespace

Result<AdtsFrame> parseAdtsHeader(std::span<const uint8_t> data) {
  if (data.size() < kAdtsHeaderSize) {
    return Error("ADTS: " + std::to_string(data.size()) + " bytes, header needs 7");
  }
  BitReader reader(data.first(kAdtsHeaderSize));
  if (reader.readBits(12) != kSyncword) {
    return Error("ADTS: no syncword");
  }
  reader.skipBits(1);  // ID: MPEG-4 or MPEG-2, the same layout
  if (reader.readBits(2) != 0) {
    return Error("ADTS: layer not 0");
  }
  const bool protectionAbsent = reader.readFlag();
  AdtsFrame frame;
  frame.objectType = static_cast<uint8_t>(reader.readBits(2) + 1);
  frame.sampleRateIndex = static_cast<uint8_t>(reader.readBits(4));
  frame.sampleRate = aacSampleRate(frame.sampleRateIndex);
  if (frame.sampleRate == 0) {
    return Error("ADTS: sampling frequency index " + std::to_string(frame.sampleRateIndex));
  }
  reader.skipBits(1);  // private_bit
  frame.channelConfiguration = static_cast<uint8_t>(reader.readBits(3));
  reader.skipBits(4);  // original_copy, home, copyright_identification_bit and _start
  frame.frameSize = reader.readBits(13);
  reader.skipBits(11);  // adts_buffer_fullness
  frame.rawBlocks = static_cast<uint8_t>(reader.readBits(2) + 1);
  // With CRC: a position for each raw data block after the first, then the CRC.
  frame.headerSize = kAdtsHeaderSize + (protectionAbsent ? 0 : kCrcSize * frame.rawBlocks);
  if (frame.frameSize < frame.headerSize) {
    return Error("ADTS: frame length " + std::to_string(frame.frameSize) + " shorter than its " +
                 std::to_string(frame.headerSize) + "-byte header");
  }
  return frame;
}

Bytes audioSpecificConfigFromAdts(const AdtsFrame& frame) {
  // objectType (5 bits), samplingFrequencyIndex (4), channelConfiguration (4), then
  // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder, extensionFlag, all 0.
  const std::array<uint8_t, 2> asc = {
      static_cast<uint8_t>((frame.objectType << 3) | (frame.sampleRateIndex >> 1)),
      static_cast<uint8_t>(((frame.sampleRateIndex & 0x01) << 7) | ((frame.channelConfiguration & 0x0F) << 3))};
  return Bytes::copyOf(asc);
}

Result<std::array<uint8_t, kAdtsHeaderSize>> adtsHeaderFor(std::span<const uint8_t> audioSpecificConfig,
                                                           size_t rawFrameSize) {
  auto config = parseAudioSpecificConfig(audioSpecificConfig);
  if (!config) {
    return config.error().wrap("ADTS");
  }
  if (config->coreObjectType > kMaxAdtsObjectType) {
    return Error("ADTS: object type " + std::to_string(config->coreObjectType) + " has no ADTS profile");
  }
  const auto rateIndex = aacSampleRateIndex(config->coreSampleRate);
  if (!rateIndex) {
    return Error("ADTS: no sampling frequency index for " + std::to_string(config->coreSampleRate) + " Hz");
  }
  const uint8_t channels = config->channelConfiguration;
  if (channels == 0 || channels > kMaxAdtsChannelConfiguration) {
    return Error("ADTS: channel configuration " + std::to_string(channels));
  }
  if (rawFrameSize > kMaxAdtsFrameSize - kAdtsHeaderSize) {
    return Error("ADTS: raw frame of " + std::to_string(rawFrameSize) + " bytes");
  }
  const auto frameSize = static_cast<uint32_t>(rawFrameSize + kAdtsHeaderSize);
  const auto profile = static_cast<uint32_t>(config->coreObjectType - 1);
  // ID 0 (MPEG-4), layer 0, protection_absent 1, private/original/home/copyright bits 0,
  // one raw data block.
  return std::array<uint8_t, kAdtsHeaderSize>{
      0xFF,
      0xF1,
      static_cast<uint8_t>((profile << 6) | (uint32_t{*rateIndex} << 2) | (channels >> 2)),
      static_cast<uint8_t>(((channels & 0x03) << 6) | (frameSize >> 11)),
      static_cast<uint8_t>(frameSize >> 3),
      static_cast<uint8_t>(((frameSize & 0x07) << 5) | (kVariableBitrateFullness >> 6)),
      static_cast<uint8_t>((kVariableBitrateFullness & 0x3F) << 2),
  };
}

AdtsSplit splitAdts(std::span<const uint8_t> data) {
  AdtsSplit split;
  size_t taken = 0;  // end of the last frame taken
  size_t at = 0;
  bool resyncing = false;
  while (at < data.size()) {
    auto frame = parseAdtsHeader(data.subspan(at));
    const bool fits = frame && frame->frameSize <= data.size() - at;
    if (fits && (!resyncing || followedByFrame(data, at + frame->frameSize))) {
      split.skippedBytes += at - taken;
      split.frames.emplace_back(*frame, data.subspan(at + frame->headerSize, frame->frameSize - frame->headerSize));
      at = taken = at + frame->frameSize;
      resyncing = false;
      continue;
    }
    if (frame && !fits && !resyncing) {
      break;  // the last frame, truncated
    }
    resyncing = true;
    at = nextSyncword(data, at + 1);
  }
  split.skippedBytes += data.size() - taken;
  return split;
}

}  // namespace rtsedge::codec
