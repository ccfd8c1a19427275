#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::codec {

// NAL unit framing, H.264 and H.265 alike: Annex B byte streams (MPEG-TS carries these)
// against the length-prefixed samples of ISO/IEC 14496-15 (FLV and MP4 carry these).

// The NAL units of an Annex B byte stream, without their 00 00 01 / 00 00 00 01 start
// codes; they point into data. Bytes before the first start code belong to no unit, nor
// do the zero bytes that end a unit (trailing_zero_8bits, a 4-byte start code's first
// byte: B.2 forbids a NAL unit to end in 00). Empty units are skipped.
std::vector<std::span<const uint8_t>> splitAnnexB(std::span<const uint8_t> data);

// Writes 00 00 00 01 and the unit.
void appendAnnexB(BytesBuilder& out, std::span<const uint8_t> nalUnit);

// Writes each unit after its big-endian length in nalLengthSize (1, 2 or 4) bytes. Empty
// units are skipped. Fails, having written nothing, on another prefix size or on a unit
// too long for its prefix.
Status appendLengthPrefixed(BytesBuilder& out, std::span<const std::span<const uint8_t>> nalUnits,
                            uint8_t nalLengthSize);
// The same into a new block of exactly the right size.
Result<Bytes> toLengthPrefixed(std::span<const std::span<const uint8_t>> nalUnits, uint8_t nalLengthSize);

// The NAL units of a length-prefixed frame; they point into frame. Zero-length units are
// skipped. Fails on a prefix size other than 1, 2 or 4, a truncated prefix, or a unit
// running past the frame's end.
Result<std::vector<std::span<const uint8_t>>> splitLengthPrefixed(std::span<const uint8_t> frame,
                                                                  uint8_t nalLengthSize);

}  // namespace rtsedge::codec
