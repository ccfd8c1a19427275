#include "protocols/webrtc/server/rtp_track_sender.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "protocols/webrtc/rtp/rtp_packet.h"

namespace rtsedge::webrtc {
namespace {

using ByteVector = std::vector<uint8_t>;

constexpr uint32_t kSsrc = 0x11223344;
constexpr uint8_t kPayloadType = 102;
constexpr int64_t kHistoryUs = 1'000'000;

RtpTrackSenderSettings settings() {
  RtpTrackSenderSettings settings;
  settings.ssrc = kSsrc;
  settings.payloadType = kPayloadType;
  settings.clockRate = 90000;
  settings.historyUs = kHistoryUs;
  return settings;
}

rtp::RtpPayload payload(size_t size, uint8_t seed, bool marker = false) {
  ByteVector bytes(size);
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<uint8_t>(seed + i * 3);
  }
  return rtp::RtpPayload{Bytes::copyOf(bytes), marker};
}

// The view points into `packet`: use it before the sender writes its next packet.
rtp::RtpPacketView parse(std::span<const uint8_t> packet) {
  auto view = rtp::parseRtpPacket(packet);
  REQUIRE_MESSAGE(view, view.error().message());
  return *view;
}

TEST_SUITE_BEGIN("webrtc-server");

TEST_CASE("RTP track sender: packets carry its SSRC, payload type, the timestamp, marker and payload") {
  RtpTrackSender sender(settings());
  CHECK_FALSE(sender.started());
  CHECK(sender.ssrc() == kSsrc);
  CHECK(sender.clockRate() == 90000);
  std::optional<uint16_t> previous;
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    const auto sent = payload(100 + static_cast<size_t>(i), static_cast<uint8_t>(i), i % 3 == 2);
    const auto timestamp = static_cast<uint32_t>(3600 * (i / 3));
    const Bytes packet = Bytes::copyOf(sender.packet(sent, timestamp, 40'000 * (i / 3), 1000 + i));
    const auto view = parse(packet.span());
    CHECK(view.ssrc == kSsrc);
    CHECK(view.payloadType == kPayloadType);
    CHECK(view.timestamp == timestamp);
    CHECK(view.marker == sent.marker);
    CHECK(ByteVector(view.payload.begin(), view.payload.end()) ==
          ByteVector(sent.data.span().begin(), sent.data.span().end()));
    CHECK(view.csrcCount() == 0);
    CHECK_FALSE(view.hasExtension);
    CHECK(view.paddingSize == 0);
    CHECK(packet.size() == rtp::kRtpFixedHeaderSize + sent.data.size());
    if (previous) {
      CHECK(view.sequence == static_cast<uint16_t>(*previous + 1));
    }
    previous = view.sequence;
    CHECK(sender.lastMediaUs() == 40'000 * (i / 3));
    CHECK(sender.lastSentUs() == 1000 + i);
  }
  CHECK(sender.started());
  CHECK(sender.packets() == 6);
}

TEST_CASE("RTP track sender: sequence numbers start at random and run on across 65535 -> 0") {
  // Four senders with one start between them: 2^-48.
  std::set<uint16_t> starts;
  for (int i = 0; i < 4; ++i) {
    RtpTrackSender sender(settings());
    starts.insert(parse(sender.packet(payload(10, 1), 0, 0, 0)).sequence);
  }
  CHECK(starts.size() > 1);

  RtpTrackSender sender(settings());
  const auto one = payload(4, 9);
  uint16_t previous = parse(sender.packet(one, 0, 0, 0)).sequence;
  int wraps = 0;
  // 65536 more packets cross the wrap exactly once, wherever the random start is.
  for (int64_t i = 1; i <= 65536; ++i) {
    const uint16_t sequence = parse(sender.packet(one, 0, 0, i)).sequence;
    if (sequence != static_cast<uint16_t>(previous + 1)) {
      FAIL("sequence " << sequence << " after " << previous);
    }
    if (sequence == 0) {
      CHECK(previous == 65535);
      ++wraps;
    }
    previous = sequence;
  }
  CHECK(wraps == 1);
  CHECK(sender.packets() == 65537);
  CHECK(sender.bytes() == 65537u * 4);
}

TEST_CASE("RTP track sender: across the wrap, resends find the packets on both sides") {
  RtpTrackSender sender(settings());
  const auto one = payload(4, 9);
  // Run the sequence up to 65533, wherever it starts: at most 65536 packets.
  uint16_t sequence = parse(sender.packet(one, 0, 0, 0)).sequence;
  for (int guard = 0; sequence != 65533 && guard < 70000; ++guard) {
    sequence = parse(sender.packet(one, 0, 0, 0)).sequence;
  }
  REQUIRE(sequence == 65533);
  std::vector<Bytes> sent;
  for (int i = 0; i < 5; ++i) {
    sent.push_back(Bytes::copyOf(sender.packet(payload(20, static_cast<uint8_t>(i)), 0, 0, 100)));
  }
  const uint16_t expected[] = {65534, 65535, 0, 1, 2};
  for (size_t i = 0; i < sent.size(); ++i) {
    CAPTURE(i);
    CHECK(parse(sent[i].span()).sequence == expected[i]);
    auto again = sender.resend(expected[i], 200, 10'000);
    REQUIRE(again);
    CHECK(Bytes::copyOf(*again) == sent[i]);
  }
}

TEST_CASE("RTP track sender: a resend is the same packet, within the history's age, once per interval") {
  RtpTrackSender sender(settings());
  const int64_t sentAt = 5'000'000;
  std::vector<Bytes> sent;
  for (int i = 0; i < 4; ++i) {
    sent.push_back(Bytes::copyOf(sender.packet(payload(200, static_cast<uint8_t>(i), i == 3), 90000, 1'000'000, sentAt)));
  }
  const uint16_t first = parse(sent[0].span()).sequence;
  const auto second = static_cast<uint16_t>(first + 1);

  auto resent = sender.resend(second, sentAt + 10'000, 20'000);
  REQUIRE(resent);
  CHECK(Bytes::copyOf(*resent) == sent[1]);  // written again from the kept payload and header
  // Asked again within the interval: refused; after it: sent again.
  CHECK_FALSE(sender.resend(second, sentAt + 10'000, 20'000));
  CHECK_FALSE(sender.resend(second, sentAt + 29'999, 20'000));
  CHECK(sender.resend(second, sentAt + 30'000, 20'000));
  // Another packet has its own interval.
  CHECK(sender.resend(first, sentAt + 30'000, 20'000));
  // Never sent: the next number, and one far behind.
  CHECK_FALSE(sender.resend(static_cast<uint16_t>(first + 4), sentAt + 10, 0));
  CHECK_FALSE(sender.resend(static_cast<uint16_t>(first - 100), sentAt + 10, 0));
  // Age: up to the history's age it is there, one microsecond past it it is not.
  const auto third = static_cast<uint16_t>(first + 2);
  CHECK(sender.resend(third, sentAt + kHistoryUs, 0));
  CHECK_FALSE(sender.resend(static_cast<uint16_t>(first + 3), sentAt + kHistoryUs + 1, 0));
  // Resends count for nothing in the SR.
  CHECK(sender.packets() == 4);
  CHECK(sender.bytes() == 800);
  // expire() lets go of them.
  sender.expire(sentAt + kHistoryUs + 1);
  CHECK_FALSE(sender.resend(first, sentAt + kHistoryUs + 1, 0));
}

TEST_CASE("RTP track sender: the history's age comes from its settings") {
  RtpTrackSenderSettings shortHistory = settings();
  shortHistory.historyUs = 100'000;
  RtpTrackSender sender(shortHistory);
  const uint16_t sequence = parse(sender.packet(payload(50, 1), 0, 0, 0)).sequence;
  CHECK(sender.resend(sequence, 100'000, 0));
  CHECK_FALSE(sender.resend(sequence, 100'001, 0));
}

TEST_CASE("RTP track sender: sender reports, nothing before the first packet, payload bytes only") {
  RtpTrackSender sender(settings());
  CHECK_FALSE(sender.senderReport(0x1234567890abcdefULL, 777));
  CHECK(sender.packets() == 0);
  CHECK(sender.bytes() == 0);
  sender.packet(payload(100, 1), 3600, 40'000, 10);
  sender.packet(payload(1200, 2), 7200, 80'000, 20);
  sender.packet(payload(1, 3, true), 7200, 80'000, 30);
  const uint64_t ntp = (uint64_t{3'900'000'000} << 32) | 0x80000000u;
  auto report = sender.senderReport(ntp, 123'456);
  REQUIRE(report);
  CHECK(report->ssrc == kSsrc);
  CHECK(report->info.ntpTimestamp == ntp);
  CHECK(report->info.rtpTimestamp == 123'456);
  CHECK(report->info.packetCount == 3);
  CHECK(report->info.octetCount == 1301);  // RTP headers not counted (RFC 3550 6.4.1)
  CHECK(report->reports.empty());
  CHECK(sender.packets() == 3);
  CHECK(sender.bytes() == 1301);
  // It reports what it is told, each time.
  auto later = sender.senderReport(ntp + 1, 0xffffffffu);
  REQUIRE(later);
  CHECK(later->info.ntpTimestamp == ntp + 1);
  CHECK(later->info.rtpTimestamp == 0xffffffffu);
  CHECK(later->info.packetCount == 3);
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc
