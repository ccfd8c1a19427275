#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "relay/status.h"

namespace rtsedge::codec {

enum AacObjectType : uint8_t { kAacMain = 1, kAacLc = 2, kAacSbr = 5, kAacPs = 29 };

// AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1), up to the channel configuration and,
// for explicitly signalled HE-AAC (v2), the SBR extension.
struct AacConfig {
  uint8_t objectType = 0;      // as signalled first: 5 or 29 for explicit HE-AAC (v2)
  uint8_t coreObjectType = 0;  // the codec beneath SBR/PS; equals objectType without them
  uint32_t coreSampleRate = 0;
  uint8_t channelConfiguration = 0;  // 0: defined by a program config element
  bool sbr = false;
  bool ps = false;
  uint32_t sampleRate = 0;  // output rate: the SBR extension rate when present
  uint8_t channels = 0;     // output channels; 0 when channelConfiguration is 0
};
Result<AacConfig> parseAudioSpecificConfig(std::span<const uint8_t> asc);

// sampling_frequency_index (ISO/IEC 14496-3 table 1.18) to Hz: 0 for the reserved indices
// 13 and 14 and the escape 15. And back: nullopt for a rate the table lacks.
uint32_t aacSampleRate(uint8_t index);
std::optional<uint8_t> aacSampleRateIndex(uint32_t sampleRate);

}  // namespace rtsedge::codec
