#pragma once

#include <cstdint>
#include <span>

namespace rtsedge::mpegts {

// The CRC-32 of PSI sections (ISO/IEC 13818-1 Annex A): polynomial 0x04C11DB7,
// initial value 0xffffffff, no reflection, no final xor. Over a whole section
// including its CRC_32 field the result is 0.
uint32_t crc32(std::span<const uint8_t> data);

}  // namespace rtsedge::mpegts
