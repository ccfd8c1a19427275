#include "protocols/webrtc/rtp/rtp_timestamp.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

namespace rtsedge::webrtc::rtp {
namespace {

TEST_SUITE_BEGIN("rtp");

TEST_CASE("RTP clock: microseconds to 90 kHz and 48 kHz units, rounded to nearest") {
  CHECK(usToClockUnits(0, kVideoClockRate) == 0);
  CHECK(usToClockUnits(40'000, kVideoClockRate) == 3600);
  CHECK(usToClockUnits(1'000'000, kVideoClockRate) == 90000);
  CHECK(usToClockUnits(20'000, kOpusClockRate) == 960);
  CHECK(usToClockUnits(11, kVideoClockRate) == 1);   // 0.99
  CHECK(usToClockUnits(5, kVideoClockRate) == 0);    // 0.45
  CHECK(usToClockUnits(-1, kVideoClockRate) == 0);   // -0.09
  CHECK(usToClockUnits(-6, kVideoClockRate) == -1);  // -0.54
  CHECK(usToClockUnits(-40'000, kVideoClockRate) == -3600);
  // Far from zero: whole seconds are scaled exactly.
  const int64_t year = int64_t{365} * 86400 * 1'000'000;
  CHECK(usToClockUnits(1000 * year + 40'000, kVideoClockRate) == 1000 * (year / 1'000'000) * 90000 + 3600);
}

TEST_CASE("RTP clock: units -> microseconds -> units is the identity at 90 kHz and 48 kHz") {
  for (uint32_t rate : {kVideoClockRate, kOpusClockRate}) {
    for (int64_t units = -100'000; units <= 100'000; units += 7) {
      CAPTURE(units);
      CHECK(usToClockUnits(clockUnitsToUs(units, rate), rate) == units);
    }
    const int64_t big = int64_t{1} << 40;
    CHECK(usToClockUnits(clockUnitsToUs(big + 1, rate), rate) == big + 1);
  }
  CHECK(clockUnitsToUs(3600, kVideoClockRate) == 40'000);
  CHECK(clockUnitsToUs(1, kVideoClockRate) == 11);
  CHECK(clockUnitsToUs(1, 0) == 0);
}

TEST_CASE("RTP clock: timestamps add the base and wrap at 2^32") {
  CHECK(rtpTimestamp(40'000, kVideoClockRate, 1000) == 4600);
  CHECK(rtpTimestamp(40'000, kVideoClockRate, 0xfffffff0u) == 3600 - 16);
  CHECK(rtpTimestamp(-40'000, kVideoClockRate, 0) == 0xffffffffu - 3599);
  // 2^32 units at 90 kHz are 47721.858844 s: the timestamp comes back around.
  const int64_t wrapUs = int64_t{47'721'858'844};
  CHECK(rtpTimestamp(wrapUs, kVideoClockRate, 5) == 5);
  // Consecutive frames stay 3600 apart across the wrap.
  for (int64_t frame = -3; frame < 3; ++frame) {
    const uint32_t a = rtpTimestamp(frame * 40'000, kVideoClockRate, 0xffffff00u);
    const uint32_t b = rtpTimestamp((frame + 1) * 40'000, kVideoClockRate, 0xffffff00u);
    CHECK(static_cast<uint32_t>(b - a) == 3600);
  }
}

TEST_CASE("RTP clock: the unwrapper goes on across the wrap, both ways") {
  RtpTimestampUnwrapper unwrapper;
  CHECK(unwrapper.unwrap(0xfffff000u) == 0xfffff000);
  CHECK(unwrapper.unwrap(0x00000800u) == 0x100000800);
  CHECK(unwrapper.unwrap(0xffffff00u) == 0xffffff00);  // backwards over the wrap (B-frames)
  CHECK(unwrapper.unwrap(0x7ffffe00u) == 0x17ffffe00);
  CHECK(unwrapper.unwrap(0x00000000u) == 0x100000000);

  RtpTimestampUnwrapper down;
  CHECK(down.unwrap(10) == 10);
  CHECK(down.unwrap(0xfffffff0u) == -6 - 10);
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc::rtp
