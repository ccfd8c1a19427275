#include "protocols/webrtc/rtp/rtp_timestamp.h"

namespace rtsedge::webrtc::rtp {
namespace {

constexpr int64_t kUsPerSecond = 1'000'000;

// Splits value into whole periods and a remainder in [0, period), rounding down.
struct FloorSplit {
  int64_t whole;
  int64_t rest;
};
FloorSplit floorSplit(int64_t value, int64_t period) {
  int64_t whole = value / period;
  int64_t rest = value % period;
  if (rest < 0) {
    --whole;
    rest += period;
  }
  return {whole, rest};
}

// value * numerator / denominator, rounded to nearest (halves up), without forming the
// full product: whole periods scale exactly, the remainder's product stays small.
int64_t scaleRounded(int64_t value, int64_t numerator, int64_t denominator) {
  const auto [whole, rest] = floorSplit(value, denominator);
  // Unsigned arithmetic: an out-of-range input wraps instead of being undefined.
  const uint64_t scaled = static_cast<uint64_t>(whole) * static_cast<uint64_t>(numerator) +
                          static_cast<uint64_t>((rest * numerator + denominator / 2) / denominator);
  return static_cast<int64_t>(scaled);
}

}  // namespace

int64_t usToClockUnits(int64_t us, uint32_t clockRate) {
  return scaleRounded(us, clockRate, kUsPerSecond);
}

int64_t clockUnitsToUs(int64_t units, uint32_t clockRate) {
  if (clockRate == 0) {
    return 0;
  }
  return scaleRounded(units, kUsPerSecond, clockRate);
}

uint32_t rtpTimestamp(int64_t us, uint32_t clockRate, uint32_t base) {
  return static_cast<uint32_t>(static_cast<uint64_t>(usToClockUnits(us, clockRate)) + base);
}

int64_t RtpTimestampUnwrapper::peek(uint32_t timestamp) const {
  if (!last_) {
    return timestamp;
  }
  // The signed 32-bit distance from the previous timestamp's low bits.
  const auto delta = static_cast<int32_t>(timestamp - static_cast<uint32_t>(*last_));
  return *last_ + delta;
}

int64_t RtpTimestampUnwrapper::unwrap(uint32_t timestamp) {
  last_ = peek(timestamp);
  return *last_;
}

}  // namespace rtsedge::webrtc::rtp
