#include "protocols/webrtc/ice/packet_kind.h"

#include <doctest/doctest.h>

#include <array>

namespace rtsedge::webrtc {
namespace {

constexpr std::array<uint8_t, 2> kRtcpSenderReport = {0x80, 200};
static_assert(classifyPacket(kRtcpSenderReport) == PacketKind::kRtcp);
static_assert(classifyPacket({}) == PacketKind::kUnknown);

// RFC 7983 section 7's table, written out range by range.
PacketKind expectedFor(unsigned first, unsigned second) {
  if (first <= 3) {
    return PacketKind::kStun;
  }
  if (first <= 19) {
    return PacketKind::kUnknown;  // 16..19 ZRTP
  }
  if (first <= 63) {
    return PacketKind::kDtls;
  }
  if (first <= 127) {
    return PacketKind::kUnknown;  // 64..79 TURN channels
  }
  if (first <= 191) {
    return second >= 192 && second <= 223 ? PacketKind::kRtcp : PacketKind::kRtp;
  }
  return PacketKind::kUnknown;
}

TEST_SUITE("stun") {
  TEST_CASE("packet kind: every first byte, with an RTP and an RTCP second byte") {
    for (unsigned first = 0; first < 256; ++first) {
      for (unsigned second : {0u, 96u, 111u, 127u, 128u, 191u, 192u, 200u, 201u, 205u, 206u, 207u, 223u, 224u, 255u}) {
        const std::array<uint8_t, 12> packet = {static_cast<uint8_t>(first), static_cast<uint8_t>(second)};
        CAPTURE(first);
        CAPTURE(second);
        CHECK(classifyPacket(packet) == expectedFor(first, second));
      }
    }
  }

  TEST_CASE("packet kind: a first byte alone") {
    for (unsigned first = 0; first < 256; ++first) {
      const std::array<uint8_t, 1> packet = {static_cast<uint8_t>(first)};
      PacketKind expected = expectedFor(first, 0);
      if (expected == PacketKind::kRtp) {
        expected = PacketKind::kUnknown;  // RTP or RTCP: needs the second byte
      }
      CHECK(classifyPacket(packet) == expected);
    }
  }

  TEST_CASE("packet kind: names") {
    CHECK(packetKindName(PacketKind::kStun) == "stun");
    CHECK(packetKindName(PacketKind::kDtls) == "dtls");
    CHECK(packetKindName(PacketKind::kRtp) == "rtp");
    CHECK(packetKindName(PacketKind::kRtcp) == "rtcp");
    CHECK(packetKindName(PacketKind::kUnknown) == "unknown");
  }
}

}  // namespace
}  // namespace rtsedge::webrtc
