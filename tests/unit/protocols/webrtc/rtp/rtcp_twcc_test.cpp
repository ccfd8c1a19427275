#include "protocols/webrtc/rtp/rtcp_twcc.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace rtsedge::webrtc::rtp {
namespace {

// The feedback in a standalone RTCP packet, through parseRtcp as a receiver reads it.
Result<TransportFeedback> parsePacket(std::span<const uint8_t> wire) {
  auto items = parseRtcp(wire);
  if (!items) {
    return items.error();
  }
  REQUIRE(items->size() == 1);
  REQUIRE(std::holds_alternative<TransportCcItem>(items->front().body));
  return parseTransportFeedback(std::get<TransportCcItem>(items->front().body));
}

TransportFeedback parseOk(std::span<const uint8_t> wire) {
  auto feedback = parsePacket(wire);
  REQUIRE_MESSAGE(feedback.isOk(), feedback.error().message());
  return std::move(*feedback);
}

Bytes build(const TransportFeedback& feedback) {
  BytesBuilder out;
  Status status = appendTransportFeedback(out, feedback);
  REQUIRE_MESSAGE(status.isOk(), status.error().message());
  return out.freeze();
}

std::string fciError(std::vector<uint8_t> fci) {
  auto feedback = parseTransportFeedback({1, 2, fci});
  REQUIRE_FALSE(feedback.isOk());
  return feedback.error().message();
}

// By the draft, as Chrome sends it: a run-length chunk, a 2-bit status vector, small,
// large and negative deltas, and RTCP padding.
const std::vector<uint8_t> kRunAndTwoBit = {
    0xAF, 0xCD, 0x00, 0x08,  // V=2 P=1 fmt 15, RTPFB, 9 words
    0x00, 0x00, 0x00, 0x01,  // sender SSRC
    0x12, 0x34, 0x56, 0x78,  // media SSRC
    0x00, 0x64, 0x00, 0x0A,  // base 100, 10 statuses
    0x12, 0x34, 0x56, 0x07,  // reference time 0x123456, feedback count 7
    0x20, 0x03,              // run: 3 x small delta
    0xE1, 0x06,              // 2-bit vector: large, -, small, -, -, small, large
    0x04, 0x00, 0xFF,        // 100: 1 ms, 101: 0, 102: 63.75 ms
    0xFF, 0xFC,              // 103: -1 ms
    0x08, 0x01,              // 105: 2 ms, 108: 0.25 ms
    0x03, 0xE8,              // 109: 250 ms
    0x00, 0x00, 0x03,        // padding
};

// A 1-bit status vector across the sequence wrap, a negative reference time.
const std::vector<uint8_t> kOneBitWrap = {
    0xAF, 0xCD, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x02, 0xFF, 0xFA, 0x00, 0x0E,  // base 65530, 14 statuses
    0xFF, 0xFF, 0xFF, 0xFF,                          // reference -1, feedback count 255
    0xAC, 0x01,                                      // 1-bit vector: 1 0 1 1 0 0 0 0 0 0 0 0 0 1
    0x01, 0x02, 0x03, 0x04,                          // deltas
    0x00, 0x02,                                      // padding
};

TEST_SUITE("rtcp") {
  TEST_CASE("TWCC: a run-length chunk and a 2-bit vector, by the draft") {
    auto feedback = parseOk(kRunAndTwoBit);
    CHECK(feedback.senderSsrc == 1);
    CHECK(feedback.mediaSsrc == 0x12345678);
    CHECK(feedback.baseSeq == 100);
    CHECK(feedback.referenceTime == 0x123456);
    CHECK(feedback.feedbackCount == 7);
    REQUIRE(feedback.packets.size() == 10);
    int64_t base = int64_t{0x123456} * 64'000;
    std::vector<TwccPacket> expected = {
        {100, true, 4, base + 1000},
        {101, true, 0, base + 1000},
        {102, true, 255, base + 64'750},
        {103, true, -4, base + 63'750},
        {104, false, 0, 0},
        {105, true, 8, base + 65'750},
        {106, false, 0, 0},
        {107, false, 0, 0},
        {108, true, 1, base + 66'000},
        {109, true, 1000, base + 316'000},
    };
    CHECK(feedback.packets == expected);
  }

  TEST_CASE("TWCC: a 1-bit vector across the wrap, negative reference time") {
    auto feedback = parseOk(kOneBitWrap);
    CHECK(feedback.referenceTime == -1);
    CHECK(feedback.feedbackCount == 255);
    REQUIRE(feedback.packets.size() == 14);
    std::vector<uint16_t> received;
    for (const auto& packet : feedback.packets) {
      if (packet.received) {
        received.push_back(packet.seq);
      }
    }
    CHECK(received == std::vector<uint16_t>{65530, 65532, 65533, 7});
    CHECK(feedback.packets[0].arrivalUs == -64'000 + 250);
    CHECK(feedback.packets[13].arrivalUs == -64'000 + 2500);
  }

  TEST_CASE("TWCC: parse, build, parse gives the same feedback") {
    for (const auto* wire : {&kRunAndTwoBit, &kOneBitWrap}) {
      auto first = parseOk(*wire);
      Bytes rebuilt = build(first);
      CHECK(rebuilt.size() % 4 == 0);
      CHECK(parseOk(rebuilt.span()) == first);
    }
  }

  TEST_CASE("TWCC: chunk choice, as libwebrtc chooses") {
    auto chunksOf = [](std::vector<int32_t> deltas) {  // -1: not received
      TransportFeedback feedback{1, 2, 0, 0, 0, {}};
      for (size_t i = 0; i < deltas.size(); ++i) {
        bool received = deltas[i] != -1;
        feedback.packets.push_back({static_cast<uint16_t>(i), received, received ? deltas[i] : 0, 0});
      }
      Bytes bytes = build(feedback);
      return std::vector<uint8_t>(bytes.data() + 20, bytes.data() + 24);
    };
    CHECK(chunksOf(std::vector<int32_t>(20, 1)) == std::vector<uint8_t>{0x20, 0x14, 1, 1});  // run of 20
    // 14 small and lost alternating: one 1-bit vector.
    std::vector<int32_t> alternating;
    for (int i = 0; i < 14; ++i) {
      alternating.push_back(i % 2 == 0 ? 2 : -1);
    }
    CHECK(chunksOf(alternating) == std::vector<uint8_t>{0xAA, 0xAA, 2, 2});
    // A large delta: 2-bit vectors.
    CHECK(chunksOf({300, -1, 1}) == std::vector<uint8_t>{0xE1, 0x00, 0x01, 0x2C});
  }

  TEST_CASE("TWCC: parse errors") {
    CHECK(fciError({0, 1, 0, 0, 0, 0, 0, 0}).find("status count of 0") != std::string::npos);
    CHECK(fciError({0, 1, 0, 20, 0, 0, 0, 0, 0x20, 0x0A}).find("chunks end after 10 of 20") != std::string::npos);
    CHECK(fciError({0, 1, 0, 2, 0, 0, 0, 0, 0x20, 0x02, 0x01}).find("deltas end at sequence number 2") !=
          std::string::npos);
    CHECK(fciError({0, 1, 0, 1, 0, 0, 0, 0, 0x60, 0x01}).find("reserved status 3") != std::string::npos);
    CHECK(fciError({0, 1, 0, 1, 0, 0, 0}).find("less than 8") != std::string::npos);
    // Every truncation of the FCI before its deltas end.
    std::span<const uint8_t> fci(kRunAndTwoBit.data() + 12, kRunAndTwoBit.size() - 12 - 3);
    for (size_t size = 0; size < fci.size(); ++size) {
      CAPTURE(size);
      CHECK_FALSE(parseTransportFeedback({1, 2, fci.first(size)}).isOk());
    }
    CHECK(parseTransportFeedback({1, 2, fci}).isOk());
  }

  TEST_CASE("TWCC: the builder refuses what it cannot encode, appending nothing") {
    BytesBuilder out;
    CHECK_FALSE(appendTransportFeedback(out, {}).isOk());
    TransportFeedback wrongSeq{1, 2, 10, 0, 0, {{10, true, 1, 0}, {12, true, 1, 0}}};
    CHECK_FALSE(appendTransportFeedback(out, wrongSeq).isOk());
    TransportFeedback tooFar{1, 2, 10, 0, 0, {{10, true, 40'000, 0}}};
    CHECK(appendTransportFeedback(out, tooFar).error().message().find("delta of 40000 ticks") != std::string::npos);
    CHECK(out.size() == 0);
  }

  TEST_CASE("TWCC recorder: random arrivals, losses and reordering round trip") {
    for (uint32_t seed : {1u, 2u, 3u, 4u}) {
      CAPTURE(seed);
      std::mt19937 random(seed);
      TwccSettings settings;
      settings.maxPacketsPerFeedback = 50 + random() % 300;
      settings.maxFeedbackBytes = 100 + random() % 1100;
      TwccRecorder recorder(0x1111, 0x2222, settings);
      auto start = static_cast<uint16_t>(seed == 1 ? 64000 : random());  // seed 1 wraps
      struct Arrival {
        int64_t us;
        uint16_t seq;
      };
      std::vector<Arrival> arrivals;
      std::map<uint16_t, int64_t> truth;
      int64_t sent = 5'000'000 + random() % 1'000'000;
      for (uint32_t i = 0; i < 4000; ++i) {
        sent += random() % 3000;
        if (random() % 10 == 0) {
          continue;  // lost
        }
        auto seq = static_cast<uint16_t>(start + i);
        bool straggler = random() % 5 == 0;
        int64_t arrival = sent + random() % (straggler ? 60'000 : 2000);
        arrivals.push_back({arrival, seq});
        truth[seq] = arrival;
      }
      std::stable_sort(arrivals.begin(), arrivals.end(), [](auto& a, auto& b) { return a.us < b.us; });
      std::vector<TransportFeedback> feedbacks;
      int64_t nextFeedback = arrivals.front().us + 100'000;
      for (const auto& arrival : arrivals) {
        if (arrival.us >= nextFeedback) {
          auto more = recorder.takeFeedback();
          feedbacks.insert(feedbacks.end(), more.begin(), more.end());
          nextFeedback += 100'000;
        }
        recorder.onPacket(arrival.seq, arrival.us);
      }
      auto last = recorder.takeFeedback();
      feedbacks.insert(feedbacks.end(), last.begin(), last.end());
      CHECK(recorder.pending() == 0);

      REQUIRE_FALSE(feedbacks.empty());
      CHECK(seqDistance(feedbacks[0].baseSeq, start) >= 0);  // the first packets may be lost
      CHECK(seqDistance(feedbacks[0].baseSeq, start) < 10);
      uint16_t expectedSeq = feedbacks[0].baseSeq;
      size_t reportedReceived = 0;
      for (size_t i = 0; i < feedbacks.size(); ++i) {
        const auto& feedback = feedbacks[i];
        CHECK(feedback.feedbackCount == static_cast<uint8_t>(i));
        CHECK(feedback.baseSeq == expectedSeq);  // each starts where the last ended
        Bytes bytes = build(feedback);
        CHECK(bytes.size() <= settings.maxFeedbackBytes);
        CHECK(parseOk(bytes.span()) == feedback);
        size_t received = 0;
        for (const auto& packet : feedback.packets) {
          if (packet.received) {
            ++received;
            REQUIRE(truth.contains(packet.seq));
            CHECK(std::abs(packet.arrivalUs - truth[packet.seq]) <= kTwccDeltaTickUs / 2);
          }
        }
        CHECK(received >= 1);
        CHECK(received <= settings.maxPacketsPerFeedback);
        reportedReceived += received;
        expectedSeq = static_cast<uint16_t>(expectedSeq + feedback.packets.size());
      }
      CHECK(reportedReceived + recorder.lateDropped() == arrivals.size());
      CHECK(recorder.lateDropped() > 0);  // the 60 ms stragglers
    }
  }

  TEST_CASE("TWCC recorder: negative and 2-byte deltas") {
    TwccRecorder recorder(1, 2);
    recorder.onPacket(0, 12'000);
    recorder.onPacket(2, 10'000);  // arrived before seq 0
    recorder.onPacket(1, 200'000);
    auto feedbacks = recorder.takeFeedback();
    REQUIRE(feedbacks.size() == 1);
    const auto& packets = feedbacks[0].packets;
    REQUIRE(packets.size() == 3);
    CHECK(packets[0].deltaTicks == 48);
    CHECK(packets[1].deltaTicks == 752);
    CHECK(packets[2].deltaTicks == -760);
    auto parsed = parseOk(build(feedbacks[0]).span());
    CHECK(parsed.packets[2].arrivalUs == 10'000);
  }

  TEST_CASE("TWCC recorder: arrivals too far apart for one feedback") {
    TwccRecorder recorder(1, 2);
    recorder.onPacket(7, 1'000'000);
    recorder.onPacket(8, 10'000'000);  // 9 s later: past int16 ticks
    auto feedbacks = recorder.takeFeedback();
    REQUIRE(feedbacks.size() == 2);
    CHECK(feedbacks[0].packets.size() == 1);
    CHECK(feedbacks[1].baseSeq == 8);
    CHECK(feedbacks[1].referenceTime == 10'000'000 / 64'000);
    CHECK(feedbacks[1].packets[0].arrivalUs == 10'000'000);
  }

  TEST_CASE("TWCC recorder: large gaps, the pending bound, the wrap") {
    TwccRecorder recorder(1, 2);
    recorder.onPacket(65530, 1000);
    recorder.onPacket(4000, 2000);  // 4006 later, across the wrap
    auto feedbacks = recorder.takeFeedback();
    REQUIRE(feedbacks.size() == 1);
    CHECK(feedbacks[0].packets.size() == 4007);
    Bytes bytes = build(feedbacks[0]);
    CHECK(bytes.size() <= 36);  // run-length chunks carry the gap
    CHECK(parseOk(bytes.span()) == feedbacks[0]);

    TwccRecorder bounded(1, 2, {.maxPending = 1000});
    bounded.onPacket(0, 1000);
    bounded.onPacket(1, 1000);
    bounded.onPacket(3000, 2000);
    CHECK(bounded.pendingDropped() == 2);
    feedbacks = bounded.takeFeedback();
    REQUIRE(feedbacks.size() == 1);
    CHECK(feedbacks[0].baseSeq == 2001);
    CHECK(feedbacks[0].packets.size() == 1000);
  }

  TEST_CASE("TWCC recorder: limits per feedback, late packets, counts") {
    TwccRecorder recorder(1, 2, {.maxPacketsPerFeedback = 500});
    for (uint16_t seq = 0; seq < 1200; ++seq) {
      recorder.onPacket(seq, 1000 + seq * 1000);
    }
    auto feedbacks = recorder.takeFeedback();
    REQUIRE(feedbacks.size() == 3);
    CHECK(feedbacks[0].packets.size() == 500);
    CHECK(feedbacks[1].baseSeq == 500);
    CHECK(feedbacks[2].packets.size() == 200);
    CHECK(feedbacks[2].feedbackCount == 2);
    recorder.onPacket(1199, 0);  // already reported
    recorder.onPacket(5, 0);
    CHECK(recorder.lateDropped() == 2);
    CHECK(recorder.takeFeedback().empty());
    CHECK(recorder.buildFeedback().empty());
    recorder.onPacket(1202, 2'000'000);  // 1200 and 1201 never came
    auto bytes = recorder.buildFeedback();
    REQUIRE(bytes.size() == 1);
    auto parsed = parseOk(bytes[0].span());
    CHECK(parsed.baseSeq == 1200);
    CHECK(parsed.feedbackCount == 3);
    CHECK(parsed.packets.size() == 3);
    CHECK_FALSE(parsed.packets[0].received);
  }

  TEST_CASE("TWCC recorder: the 24-bit reference time wraps") {
    TwccRecorder recorder(1, 2);
    int64_t base = (int64_t{1} << 23) * 64'000 + 5 * 64'000;
    recorder.onPacket(1, base + 1000);
    recorder.onPacket(2, base + 3000);
    auto feedbacks = recorder.takeFeedback();
    REQUIRE(feedbacks.size() == 1);
    CHECK(feedbacks[0].referenceTime == -(1 << 23) + 5);
    auto parsed = parseOk(build(feedbacks[0]).span());
    CHECK(parsed.referenceTime == -(1 << 23) + 5);
    CHECK(parsed.packets[1].arrivalUs - parsed.packets[0].arrivalUs == 2000);
  }
}

}  // namespace
}  // namespace rtsedge::webrtc::rtp
