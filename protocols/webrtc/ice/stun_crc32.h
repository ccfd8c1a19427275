#pragma once

#include <cstdint>
#include <span>

namespace rtsedge::webrtc {

// The CRC-32 of ISO 3309 / ITU-T V.42 (zlib's crc32(), "CRC-32/ISO-HDLC"): polynomial
// 0x04C11DB7 reflected (0xEDB88320), initial value and final xor 0xffffffff. Not the
// MPEG-2 CRC of protocols/mpegts/crc32.h, which is unreflected and has no final xor.
uint32_t crc32Ieee(std::span<const uint8_t> data);

}  // namespace rtsedge::webrtc
