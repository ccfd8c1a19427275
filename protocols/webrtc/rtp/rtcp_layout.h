#pragma once

#include <cstddef>
#include <cstdint>

// The fixed sizes of RTCP's wire format (RFC 3550, 4585, 5104, REMB), shared by the
// parser (rtcp_packet.cpp) and the builders (rtcp_build.cpp).
namespace rtsedge::webrtc::rtp::layout {

inline constexpr size_t kSsrcSize = 4;
inline constexpr size_t kSenderInfoSize = 20;
inline constexpr size_t kReportBlockSize = 24;
inline constexpr size_t kFeedbackHeaderSize = 12;  // header, sender SSRC, media SSRC
inline constexpr size_t kNackEntrySize = 4;        // PID and BLP
inline constexpr size_t kFirEntrySize = 8;
inline constexpr size_t kRembFixedSize = 8;  // "REMB", SSRC count, exponent and mantissa

}  // namespace rtsedge::webrtc::rtp::layout
