#include "protocols/webrtc/rtp/retransmission_buffer.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <vector>

#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::webrtc::rtp {
namespace {

Bytes packet(uint16_t seq, size_t size = 100) {
  return Bytes::copyOf(fixtures::pattern(size, static_cast<uint8_t>(seq)));
}

TEST_SUITE("rtcp") {
  TEST_CASE("retransmission buffer: finds what it holds, sharing the bytes") {
    RetransmissionBuffer buffer;
    CHECK(buffer.capacity() == 1024);
    CHECK_FALSE(buffer.find(0, 0));
    std::vector<Bytes> sent;
    for (uint16_t seq = 100; seq < 110; ++seq) {
      sent.push_back(packet(seq));
      buffer.store(seq, sent.back(), 1000);
    }
    auto found = buffer.find(105, 2000);
    REQUIRE(found);
    CHECK(found->data() == sent[5].data());  // a reference, not a copy
    CHECK_FALSE(buffer.find(110, 2000));     // not sent yet
    CHECK_FALSE(buffer.find(99, 2000));
    CHECK(buffer.size() == 10);
    CHECK(buffer.heldBytes() == 1000);
  }

  TEST_CASE("retransmission buffer: capacity is a power of two, evicts by count") {
    CHECK(RetransmissionBuffer({.capacity = 1000}).capacity() == 1024);
    CHECK(RetransmissionBuffer({.capacity = 3}).capacity() == 16);
    CHECK(RetransmissionBuffer({.capacity = 1 << 20}).capacity() == 32768);
    RetransmissionBuffer buffer({.capacity = 16});
    for (uint16_t seq = 0; seq < 40; ++seq) {
      buffer.store(seq, packet(seq), 0);
    }
    CHECK(buffer.size() == 16);
    CHECK_FALSE(buffer.find(23, 0));
    for (uint16_t seq = 24; seq < 40; ++seq) {
      CHECK(buffer.find(seq, 0));
    }
    buffer.store(10, packet(10), 0);  // older than the ring: ignored
    CHECK_FALSE(buffer.find(10, 0));
    CHECK(buffer.size() == 16);
  }

  TEST_CASE("retransmission buffer: across the sequence wrap") {
    RetransmissionBuffer buffer({.capacity = 64});
    for (uint32_t i = 0; i < 40; ++i) {
      auto seq = static_cast<uint16_t>(65520 + i);
      buffer.store(seq, packet(seq), 0);
    }
    for (uint32_t i = 0; i < 40; ++i) {
      auto seq = static_cast<uint16_t>(65520 + i);
      auto found = buffer.find(seq, 0);
      REQUIRE(found);
      CHECK((*found)[0] == static_cast<uint8_t>(seq));
    }
    CHECK(buffer.find(23, 0));  // 65520 + 39, after the wrap
    CHECK_FALSE(buffer.find(24, 0));
    CHECK_FALSE(buffer.find(65519, 0));
  }

  TEST_CASE("retransmission buffer: evicts by age") {
    RetransmissionBuffer buffer({.capacity = 64, .maxAgeUs = 1'000'000});
    for (uint16_t seq = 0; seq < 10; ++seq) {
      buffer.store(seq, packet(seq), seq * 100'000);
    }
    CHECK(buffer.find(0, 1'000'000));
    CHECK_FALSE(buffer.find(0, 1'000'001));  // too old to be worth resending
    CHECK(buffer.find(5, 1'500'000));
    buffer.expire(1'450'000);  // 0..4 are past their age
    CHECK(buffer.size() == 5);
    CHECK(buffer.heldBytes() == 500);
    CHECK(buffer.find(5, 1'450'000));
    buffer.expire(10'000'000);
    CHECK(buffer.size() == 0);
    CHECK(buffer.heldBytes() == 0);
    buffer.store(10, packet(10), 10'000'000);
    CHECK(buffer.find(10, 10'000'000));
  }

  TEST_CASE("retransmission buffer: a jump ahead releases what it skips, late stores fill in") {
    RetransmissionBuffer buffer({.capacity = 16});
    for (uint16_t seq = 0; seq < 10; ++seq) {
      if (seq != 5) {
        buffer.store(seq, packet(seq), 0);
      }
    }
    buffer.store(5, packet(5), 0);  // out of order, within the ring
    CHECK(buffer.find(5, 0));
    buffer.store(20, packet(20), 0);  // 0..4 fall out of the ring
    CHECK(buffer.size() == 6);
    CHECK_FALSE(buffer.find(4, 0));
    CHECK(buffer.find(5, 0));
    buffer.store(1000, packet(1000), 0);
    CHECK(buffer.size() == 1);
    CHECK_FALSE(buffer.find(9, 0));
    buffer.clear();
    CHECK(buffer.size() == 0);
    CHECK_FALSE(buffer.find(1000, 0));
  }

  TEST_CASE("retransmission buffer: one resend per interval") {
    RetransmissionBuffer buffer;
    buffer.store(7, packet(7), 0);
    CHECK(buffer.takeForResend(7, 10'000, 50'000));
    CHECK_FALSE(buffer.takeForResend(7, 30'000, 50'000));  // the same NACK again, within an RTT
    CHECK(buffer.takeForResend(7, 60'000, 50'000));
    CHECK_FALSE(buffer.takeForResend(8, 60'000, 50'000));
    CHECK(buffer.find(7, 60'000));  // find does not count as a resend
  }

  TEST_CASE("retransmission buffer: agrees with a map of the last N numbers") {
    std::mt19937 random(11);
    RetransmissionBuffer buffer({.capacity = 128, .maxAgeUs = INT64_MAX / 2});
    std::map<int64_t, uint16_t> model;  // unwrapped -> first byte
    int64_t newest = 60'000;
    buffer.store(static_cast<uint16_t>(newest), packet(0, 4), 0);
    model[newest] = 0;
    for (int round = 0; round < 20000; ++round) {
      int64_t value = newest + (random() % 8 == 0 ? static_cast<int64_t>(random() % 300) - 100 : 1);
      if (value > newest - 128) {
        auto seq = static_cast<uint16_t>(value);
        buffer.store(seq, packet(seq, 4), 0);
        newest = std::max(newest, value);
        model[value] = seq;
        model.erase(model.begin(), model.lower_bound(newest - 127));
      }
      CHECK(buffer.size() == model.size());
      int64_t probe = newest - static_cast<int64_t>(random() % 200);
      auto found = buffer.find(static_cast<uint16_t>(probe), 0);
      CHECK(found.has_value() == model.contains(probe));
    }
  }
}

}  // namespace
}  // namespace rtsedge::webrtc::rtp
