#include "protocols/webrtc/rtp/rtcp_receiver_stats.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

namespace rtsedge::webrtc::rtp {
namespace {

constexpr uint32_t kTicksPerPacket = 3000;  // 90 kHz video at 30 fps

// Packets sent on a steady clock: timestamp follows the sequence number, arrival
// adds a transit of `transit` ticks.
struct Source {
  ReceiverStats stats{0xABCD};

  bool send(uint16_t seq, uint32_t transit = 500, uint32_t index = UINT32_MAX) {
    uint32_t timestamp = (index == UINT32_MAX ? seq : index) * kTicksPerPacket;
    return stats.onPacket(seq, timestamp, timestamp + transit);
  }
};

TEST_SUITE("rtcp") {
  TEST_CASE("receiver stats: in order, nothing lost") {
    Source source;
    for (uint16_t seq = 1000; seq < 1100; ++seq) {
      CHECK(source.send(seq));
    }
    auto block = source.stats.makeReportBlock(0);
    CHECK(block.ssrc == 0xABCD);
    CHECK(block.extendedHighestSeq == 1099);
    CHECK(block.fractionLost == 0);
    CHECK(block.cumulativeLost == 0);
    CHECK(block.jitter == 0);
    CHECK(block.lastSr == 0);
    CHECK(block.delaySinceLastSr == 0);
    CHECK(source.stats.received() == 100);
    CHECK(source.stats.expected() == 100);
  }

  TEST_CASE("receiver stats: loss, fraction since the last report, cumulative") {
    Source source;
    for (uint16_t seq = 0; seq < 100; ++seq) {
      if (seq % 10 != 3) {
        source.send(seq);
      }
    }
    auto first = source.stats.makeReportBlock(0);
    CHECK(first.cumulativeLost == 10);
    CHECK(first.fractionLost == 10 * 256 / 100);
    for (uint16_t seq = 100; seq < 200; ++seq) {
      source.send(seq);
    }
    auto second = source.stats.makeReportBlock(0);
    CHECK(second.fractionLost == 0);
    CHECK(second.cumulativeLost == 10);
    // 201 expected, 2 received.
    source.send(300);
    source.send(400);
    CHECK(source.stats.makeReportBlock(0).fractionLost == 199 * 256 / 201);
    auto empty = source.stats.makeReportBlock(0);
    CHECK(empty.fractionLost == 0);  // no packet expected since
  }

  TEST_CASE("receiver stats: reordering and duplicates") {
    Source source;
    for (uint16_t seq : {0, 1, 3, 2, 4, 4, 5, 2}) {
      CHECK(source.send(seq));
    }
    CHECK(source.stats.extendedHighestSeq() == 5);
    CHECK(source.stats.received() == 8);
    CHECK(source.stats.expected() == 6);
    auto block = source.stats.makeReportBlock(0);
    CHECK(block.cumulativeLost == -2);  // duplicates count, as RFC 3550 A.3 says
    CHECK(block.fractionLost == 0);
  }

  TEST_CASE("receiver stats: the extended sequence number wraps") {
    Source source;
    for (uint32_t i = 0; i < 70000; ++i) {
      source.send(static_cast<uint16_t>(65000 + i), 500, i);
    }
    CHECK(source.stats.extendedHighestSeq() == 65000u + 69999u);
    CHECK(source.stats.expected() == 70000);
    CHECK(source.stats.cumulativeLost() == 0);
    // A late packet from before the wrap does not count a cycle.
    Source late;
    for (uint16_t seq : {65534, 65535, 0, 1, 65533, 2}) {
      late.send(seq);
    }
    CHECK(late.stats.extendedHighestSeq() == 0x10002);
    CHECK(late.stats.expected() == 5);
    CHECK(late.stats.received() == 6);
  }

  TEST_CASE("receiver stats: a jump counts once a second packet confirms it") {
    Source source;
    for (uint16_t seq = 0; seq < 10; ++seq) {
      source.send(seq);
    }
    CHECK(source.send(2000));  // within maxDropout: loss
    CHECK(source.stats.cumulativeLost() == 1990);
    CHECK_FALSE(source.send(40000));  // a jump: not counted yet
    CHECK(source.stats.received() == 11);
    CHECK(source.send(40001));  // confirmed: the source restarted there
    CHECK(source.stats.received() == 1);
    CHECK(source.stats.expected() == 1);
    CHECK(source.stats.extendedHighestSeq() == 40001);
    CHECK(source.send(40002));
    CHECK(source.stats.cumulativeLost() == 0);
  }

  TEST_CASE("receiver stats: probation for a new source") {
    ReceiverStats stats(1, {.minSequential = 2});
    CHECK_FALSE(stats.onPacket(10, 0, 0));
    CHECK_FALSE(stats.onPacket(12, 0, 0));  // out of sequence: probation starts over
    CHECK_FALSE(stats.hasPackets());
    CHECK(stats.onPacket(13, 0, 0));
    CHECK(stats.hasPackets());
    CHECK(stats.received() == 1);
    CHECK(stats.expected() == 1);
  }

  TEST_CASE("receiver stats: interarrival jitter, RFC 3550 A.8") {
    Source source;
    double expected = 0;
    uint32_t previous = 0;
    for (uint16_t seq = 0; seq < 300; ++seq) {
      uint32_t transit = (seq % 2 == 0) ? 500 : 660;  // alternating delay: |D| = 160
      source.send(seq, transit);
      if (seq > 0) {
        expected += (std::abs(static_cast<double>(transit) - previous) - expected) / 16;
      }
      previous = transit;
    }
    CHECK(std::abs(static_cast<double>(source.stats.jitter()) - expected) <= 1.0);
    CHECK(source.stats.jitter() >= 155);
    CHECK(source.stats.jitter() <= 160);
  }

  TEST_CASE("receiver stats: jitter ignores late packets and survives timestamp wrap") {
    Source source;
    for (uint16_t seq = 0; seq < 50; ++seq) {
      source.send(seq);
    }
    source.send(20, 90000);  // a retransmission, one second late
    CHECK(source.stats.jitter() == 0);
    ReceiverStats wrap(2);
    for (uint32_t i = 0; i < 20; ++i) {
      uint32_t timestamp = 0xFFFFFFFFu - 30000 + i * kTicksPerPacket;  // wraps half-way
      wrap.onPacket(static_cast<uint16_t>(i), timestamp, timestamp + 700);
    }
    CHECK(wrap.jitter() == 0);
  }

  TEST_CASE("receiver stats: LSR and DLSR from the last sender report") {
    Source source;
    source.send(1);
    source.stats.onSenderReport(0xE91F2A10'40000000ull, 5'000'000);
    auto block = source.stats.makeReportBlock(6'500'000);
    CHECK(block.lastSr == 0x2A104000);
    CHECK(block.delaySinceLastSr == 98304);  // 1.5 s in 1/65536 s
    source.stats.onSenderReport(0xE91F2A11'00000000ull, 7'000'000);
    CHECK(source.stats.makeReportBlock(7'000'000).delaySinceLastSr == 0);
  }

  TEST_CASE("receiver stats: cumulative lost saturates at 24 bits") {
    Source source;
    uint16_t seq = 0;
    source.send(seq);
    for (int i = 0; i < 3000; ++i) {
      seq = static_cast<uint16_t>(seq + 2999);
      source.send(seq);
    }
    CHECK(source.stats.cumulativeLost() == 2998 * 3000);
    CHECK(source.stats.makeReportBlock(0).cumulativeLost == 0x7FFFFF);
  }

  TEST_CASE("NACK: gaps become missing, asked again after the retry interval, then given up") {
    NackGenerator nack({.window = 512, .maxRetries = 3});
    CHECK(nack.onPacket(0, 0) == NackGenerator::Arrival::kNew);
    CHECK(nack.onPacket(1, 0) == NackGenerator::Arrival::kNew);
    CHECK(nack.onPacket(4, 0) == NackGenerator::Arrival::kNew);
    CHECK(nack.missing() == std::vector<uint16_t>{2, 3});
    CHECK(nack.due(1000, 50'000) == std::vector<uint16_t>{2, 3});
    CHECK(nack.due(20'000, 50'000).empty());  // within one RTT of the last ask
    CHECK(nack.due(51'000, 50'000) == std::vector<uint16_t>{2, 3});
    CHECK(nack.onPacket(2, 60'000) == NackGenerator::Arrival::kRecovered);
    CHECK(nack.due(101'000, 50'000) == std::vector<uint16_t>{3});
    CHECK(nack.due(151'000, 50'000).empty());  // asked three times: given up
    CHECK(nack.missingCount() == 0);
    CHECK(nack.givenUp() == 1);
    CHECK(nack.onPacket(3, 160'000) == NackGenerator::Arrival::kOld);
    CHECK(nack.onPacket(4, 160'000) == NackGenerator::Arrival::kOld);  // duplicate
  }

  TEST_CASE("NACK: across the wrap") {
    NackGenerator nack;
    nack.onPacket(65533, 0);
    nack.onPacket(65534, 0);
    CHECK(nack.onPacket(2, 0) == NackGenerator::Arrival::kNew);
    CHECK(nack.missing() == std::vector<uint16_t>{65535, 0, 1});
    CHECK(nack.onPacket(0, 0) == NackGenerator::Arrival::kRecovered);
    CHECK(nack.due(0, 1000) == std::vector<uint16_t>{65535, 1});
  }

  TEST_CASE("NACK: the window bounds what is asked for") {
    NackGenerator nack({.window = 100});
    nack.onPacket(0, 0);
    nack.onPacket(50, 0);  // 1..49 missing
    CHECK(nack.missingCount() == 49);
    nack.onPacket(120, 0);  // 51..119 missing; only numbers after 20 stay
    CHECK(nack.missing().front() == 21);
    CHECK(nack.missingCount() == 99 - 1);  // 21..119 but 50
    CHECK(nack.givenUp() == 20);
    CHECK(nack.onPacket(10, 0) == NackGenerator::Arrival::kOld);
  }

  TEST_CASE("NACK: a jump past the window clears the list and asks for a keyframe") {
    NackGenerator nack({.window = 100});
    nack.onPacket(0, 0);
    nack.onPacket(5, 0);
    CHECK(nack.onPacket(5000, 0) == NackGenerator::Arrival::kJumped);
    CHECK(nack.missingCount() == 0);
    CHECK(nack.onPacket(5002, 0) == NackGenerator::Arrival::kNew);
    CHECK(nack.missing() == std::vector<uint16_t>{5001});
    // Far behind, once: old; twice in sequence: the sender restarted there.
    CHECK(nack.onPacket(1000, 0) == NackGenerator::Arrival::kOld);
    CHECK(nack.onPacket(1001, 0) == NackGenerator::Arrival::kJumped);
    CHECK(nack.onPacket(1003, 0) == NackGenerator::Arrival::kNew);
    CHECK(nack.missing() == std::vector<uint16_t>{1002});
  }

  TEST_CASE("NACK: the reorder delay holds back the first ask") {
    NackGenerator nack({.reorderDelayUs = 10'000});
    nack.onPacket(0, 0);
    nack.onPacket(2, 1000);
    CHECK(nack.due(5000, 20'000).empty());
    CHECK(nack.due(11'000, 20'000) == std::vector<uint16_t>{1});
  }

  TEST_CASE("NACK: a keyframe clears what is missing before it") {
    NackGenerator nack;
    nack.onPacket(10, 0);
    nack.onPacket(20, 0);
    nack.onPacket(30, 0);
    nack.clearBefore(20);
    CHECK(nack.missing().front() == 21);
    CHECK(nack.missingCount() == 9);
    CHECK(nack.givenUp() == 0);
  }
}

}  // namespace
}  // namespace rtsedge::webrtc::rtp
