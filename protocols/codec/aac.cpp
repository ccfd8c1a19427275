#include "protocols/codec/aac.h"

#include <algorithm>
#include <array>
#include <string>

#include "protocols/codec/bit_reader.h"

namespace rtsedge::codec {
namespace {

constexpr uint32_t kObjectTypeEscape = 31;
constexpr uint32_t kExplicitFrequencyIndex = 0xF;
constexpr std::array<uint32_t, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                   22050, 16000, 12000, 11025, 8000,  7350};
// Output channels per channelConfiguration (ISO/IEC 14496-3 table 1.19); 0 = reserved.
constexpr std::array<uint8_t, 15> kChannelCounts = {0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8};

uint8_t readObjectType(BitReader& reader) {
  const uint32_t type = reader.readBits(5);
  return static_cast<uint8_t>(type == kObjectTypeEscape ? 32 + reader.readBits(6) : type);
}

Result<uint32_t> readSampleRate(BitReader& reader) {
  const uint32_t index = reader.readBits(4);
  if (index == kExplicitFrequencyIndex) {
    const uint32_t rate = reader.readBits(24);
    if (!reader.ok() || rate == 0) {
      return Error("AAC config: bad explicit sampling frequency");
    }
    return rate;
  }
  if (!reader.ok() || index >= kSampleRates.size()) {
    return Error("AAC config: sampling frequency index " + std::to_string(index));
  }
  return kSampleRates[index];
}

}  // namespace

Result<AacConfig> parseAudioSpecificConfig(std::span<const uint8_t> asc) {
  BitReader reader(asc);
  AacConfig config;
  config.objectType = readObjectType(reader);
  auto coreRate = readSampleRate(reader);
  if (!coreRate) {
    return coreRate.error();
  }
  config.coreSampleRate = *coreRate;
  config.sampleRate = *coreRate;
  config.channelConfiguration = static_cast<uint8_t>(reader.readBits(4));
  if (!reader.ok() || config.objectType == 0) {
    return Error("AAC config: truncated or object type 0");
  }
  const bool channelsKnown = config.channelConfiguration == 0 || (config.channelConfiguration < kChannelCounts.size() &&
                                                                  kChannelCounts[config.channelConfiguration] != 0);
  if (!channelsKnown) {
    return Error("AAC config: reserved channel configuration " + std::to_string(config.channelConfiguration));
  }
  config.channels = kChannelCounts[config.channelConfiguration];
  config.coreObjectType = config.objectType;
  if (config.objectType == kAacSbr || config.objectType == kAacPs) {
    config.sbr = true;
    config.ps = config.objectType == kAacPs;
    auto extensionRate = readSampleRate(reader);
    if (!extensionRate) {
      return extensionRate.error();
    }
    config.sampleRate = *extensionRate;
    config.coreObjectType = readObjectType(reader);
    if (!reader.ok()) {
      return Error("AAC config: truncated SBR extension");
    }
  }
  // Parametric stereo decodes a mono core into two channels.
  if (config.ps && config.channelConfiguration == 1) {
    config.channels = 2;
  }
  return config;
}

uint32_t aacSampleRate(uint8_t index) {
  return index < kSampleRates.size() ? kSampleRates[index] : 0;
}

std::optional<uint8_t> aacSampleRateIndex(uint32_t sampleRate) {
  const auto* found = std::find(kSampleRates.begin(), kSampleRates.end(), sampleRate);
  if (found == kSampleRates.end()) {
    return std::nullopt;
  }
  return static_cast<uint8_t>(found - kSampleRates.begin());
}

}  // namespace rtsedge::codec
