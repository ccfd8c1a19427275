#pragma once

#include <cstdint>
#include <span>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::codec {

// Opus always decodes at 48 kHz (RFC 7587).
inline constexpr uint32_t kOpusSampleRate = 48000;

// The duration of one Opus packet in 48 kHz samples, from its TOC byte and frame
// count (RFC 6716 3.1); an error for an empty or malformed packet.
Result<uint32_t> opusPacketSamples(std::span<const uint8_t> packet);

// An OpusHead (RFC 7845 5.1) for mono or stereo: channel mapping family 0.
Bytes opusHead(uint8_t channels, uint16_t preSkip = 0);

}  // namespace rtsedge::codec
