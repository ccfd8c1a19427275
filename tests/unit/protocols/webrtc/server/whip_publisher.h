#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "protocols/webrtc/rtp/h264_packetizer.h"
#include "protocols/webrtc/rtp/opus_rtp.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtcp_twcc.h"
#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/bytes.h"
#include "relay/media_frame.h"

// The WHIP side of the ingest tests: what a browser sends (RTP built from frames) and
// how the RTCP the ingest answers with reads.
namespace rtsedge::webrtc::whip_test {

inline constexpr uint8_t kVideoPt = 102;
inline constexpr uint8_t kAudioPt = 111;
inline constexpr uint32_t kVideoSsrc = 0xA1B2C3D4;
inline constexpr uint32_t kAudioSsrc = 0x0BADCAFE;

// A browser's RTP sender: H.264 and Opus frames -> RTP packets on the wire, with
// the transport-wide sequence number extension when asked.
struct Publisher {
  uint32_t videoBase = 90000 * 11;
  uint32_t audioBase = 48000 * 5;
  uint16_t videoSeq = 20000;
  uint16_t audioSeq = 4000;
  uint16_t transportSeq = 1;
  std::optional<uint8_t> twccId;

  Bytes packet(uint8_t payloadType, uint32_t ssrc, uint16_t sequence, uint32_t timestamp, bool marker,
               std::span<const uint8_t> payload) {
    rtp::RtpHeader header;
    header.marker = marker;
    header.payloadType = payloadType;
    header.sequence = sequence;
    header.timestamp = timestamp;
    header.ssrc = ssrc;
    uint8_t value[2] = {static_cast<uint8_t>(transportSeq >> 8), static_cast<uint8_t>(transportSeq)};
    rtp::RtpExtension extension;
    if (twccId) {
      extension.id = *twccId;
      extension.value = value;
      header.extensions = std::span<const rtp::RtpExtension>(&extension, 1);
      ++transportSeq;
    }
    auto built = rtp::buildRtpPacket(header, payload);
    REQUIRE(built);
    return *built;
  }

  std::vector<Bytes> video(const MediaFrame& frame) {
    rtp::H264PacketizerOptions options;
    options.maxPayloadSize = rtp::kDefaultRtpPayloadSize;
    options.timestampBase = videoBase;
    auto packets = rtp::packetizeH264(frame, options);
    REQUIRE(packets);
    std::vector<Bytes> out;
    for (const auto& payload : packets->payloads) {
      out.push_back(packet(kVideoPt, kVideoSsrc, videoSeq++, packets->timestamp, payload.marker, payload.data.span()));
    }
    return out;
  }

  Bytes audio(const MediaFrame& frame) {
    rtp::OpusPacketizerOptions options;
    options.timestampBase = audioBase;
    auto packets = rtp::packetizeOpus(frame, options);
    REQUIRE(packets);
    REQUIRE(packets->payloads.size() == 1);
    const auto& payload = packets->payloads[0];
    return packet(kAudioPt, kAudioSsrc, audioSeq++, packets->timestamp, payload.marker, payload.data.span());
  }
};

// What one feedback() compound holds.
struct Feedback {
  size_t items = 0;
  std::vector<rtp::ReceiverReport> reports;
  std::vector<rtp::Nack> nacks;
  std::vector<rtp::Pli> plis;
  std::vector<rtp::TransportFeedback> twcc;
};

inline Feedback parseFeedback(const Bytes& bytes) {
  Feedback out;
  if (bytes.empty()) {
    return out;
  }
  auto items = rtp::parseRtcp(bytes.span());
  REQUIRE_MESSAGE(items, items.error().message());
  out.items = items->size();
  for (const rtp::RtcpItem& item : *items) {
    if (const auto* rr = std::get_if<rtp::ReceiverReport>(&item.body)) {
      out.reports.push_back(*rr);
    } else if (const auto* nack = std::get_if<rtp::Nack>(&item.body)) {
      out.nacks.push_back(*nack);
    } else if (const auto* pli = std::get_if<rtp::Pli>(&item.body)) {
      out.plis.push_back(*pli);
    } else if (const auto* cc = std::get_if<rtp::TransportCcItem>(&item.body)) {
      auto feedback = rtp::parseTransportFeedback(*cc);
      REQUIRE_MESSAGE(feedback, feedback.error().message());
      out.twcc.push_back(*feedback);
    } else {
      FAIL("unexpected RTCP packet type " << static_cast<int>(item.type));
    }
  }
  // A compound starts with a report (RFC 3550 6.1).
  CHECK(std::holds_alternative<rtp::ReceiverReport>(items->front().body));
  return out;
}

}  // namespace rtsedge::webrtc::whip_test
