#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "relay/media_frame.h"

namespace rtsedge::codec {

// The capture-time stamp a publisher puts into a frame for end-to-end latency: an
// H.264/H.265 SEI user_data_unregistered message (payload type 5) whose 16-byte UUID
// is kCaptureTimeUuid, followed by 8 bytes: microseconds since the Unix epoch, big-endian.
inline constexpr std::array<uint8_t, 16> kCaptureTimeUuid{0x72, 0x74, 0x73, 0x65, 0x64, 0x67, 0x65, 0x2d,
                                                          0x63, 0x61, 0x70, 0x74, 0x75, 0x72, 0x65, 0x01};

// The stamp in a frame of length-prefixed NAL units, looked for in the SEI units
// before the first slice; nullopt if there is none or the frame is malformed.
std::optional<int64_t> findCaptureTime(std::span<const uint8_t> frame, Codec codec, uint8_t nalLengthSize);

// The SEI NAL unit (without length prefix) carrying a stamp, with emulation
// prevention applied: what a publisher inserts before a frame's slices.
std::vector<uint8_t> captureTimeSei(Codec codec, int64_t unixMicros);

}  // namespace rtsedge::codec
