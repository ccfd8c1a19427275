#pragma once

#include <cstddef>
#include <cstdint>

#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/media_frame.h"
#include "relay/status.h"

namespace rtsedge::webrtc::rtp {

// H.264 NAL unit types the RTP payload format (RFC 6184) deals with.
namespace h264 {
inline constexpr uint8_t kNonIdrSlice = 1;
inline constexpr uint8_t kIdrSlice = 5;
inline constexpr uint8_t kSps = 7;
inline constexpr uint8_t kPps = 8;
inline constexpr uint8_t kAud = 9;
inline constexpr uint8_t kFiller = 12;
inline constexpr uint8_t kStapA = 24;
inline constexpr uint8_t kFuA = 28;
inline constexpr uint8_t kTypeMask = 0x1F;
inline uint8_t nalType(uint8_t header) {
  return header & kTypeMask;
}
}  // namespace h264

struct H264PacketizerOptions {
  size_t maxPayloadSize = kDefaultRtpPayloadSize;  // RTP payload bytes per packet, kMinRtpPayloadSize or more
  bool aggregate = true;                           // runs of small NAL units share a STAP-A
  uint32_t timestampBase = 0;                      // added to the 90 kHz pts
};

// One H.264 access unit (MediaFrame payload: NAL units prefixed by config->nalLengthSize
// bytes, 4 without a config) -> RTP payloads, packetization-mode 1 (RFC 6184):
// - a keyframe that does not carry both SPS and PPS is preceded by a STAP-A of those in
//   config->record (AVCDecoderConfigurationRecord);
// - units up to maxPayloadSize go alone (single NAL unit packets) or, with aggregate,
//   consecutive ones that fit together in one STAP-A; larger ones as FU-A fragments of
//   near-equal size;
// - access unit delimiters (9), filler data (12) and types with no meaning in a
//   bitstream (0, 24..31) are dropped;
// - the marker bit is set on the last payload. No payload at all for a frame without units.
// Built once per frame and shared: single NAL unit payloads are slices of the frame's
// own payload, the rest slices of one block. Fails on a codec other than H.264, a
// malformed length-prefixed payload or record, or a budget under kMinRtpPayloadSize.
Result<PacketizedFrame> packetizeH264(const MediaFrame& frame, const H264PacketizerOptions& options = {});

}  // namespace rtsedge::webrtc::rtp
