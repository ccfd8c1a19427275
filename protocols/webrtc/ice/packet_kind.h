#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rtsedge::webrtc {

// What arrived on a WebRTC media port, which carries STUN, DTLS, RTP and RTCP at once.
enum class PacketKind : uint8_t { kUnknown, kStun, kDtls, kRtp, kRtcp };

// RFC 7983 5 (demultiplexing by the first byte): 0..3 STUN, 20..63 DTLS, 128..191 RTP
// or RTCP, the rest (ZRTP, TURN channels, QUIC) unknown here. RTCP and RTP are told
// apart as RFC 5761 4 does: a second byte of 192..223 is an RTCP packet type (SR 200,
// RR 201, SDES, BYE, APP, RTPFB 205, PSFB 206, XR 207), never an RTP marker and payload
// type in use. No length is checked beyond the bytes read here: the parser of each
// kind does that.
constexpr PacketKind classifyPacket(std::span<const uint8_t> datagram) {
  if (datagram.empty()) {
    return PacketKind::kUnknown;
  }
  uint8_t first = datagram[0];
  if (first <= 3) {
    return PacketKind::kStun;
  }
  if (first >= 20 && first <= 63) {
    return PacketKind::kDtls;
  }
  if (first >= 128 && first <= 191) {
    if (datagram.size() < 2) {
      return PacketKind::kUnknown;
    }
    return datagram[1] >= 192 && datagram[1] <= 223 ? PacketKind::kRtcp : PacketKind::kRtp;
  }
  return PacketKind::kUnknown;
}

constexpr std::string_view packetKindName(PacketKind kind) {
  switch (kind) {
    case PacketKind::kStun:
      return "stun";
    case PacketKind::kDtls:
      return "dtls";
    case PacketKind::kRtp:
      return "rtp";
    case PacketKind::kRtcp:
      return "rtcp";
    case PacketKind::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace rtsedge::webrtc
