#pragma once

#include <cstdint>
#include <optional>

namespace rtsedge::webrtc::rtp {

// RTP media clocks: H.264 video runs at 90 kHz (RFC 6184), Opus at 48 kHz (RFC 7587).
inline constexpr uint32_t kVideoClockRate = 90000;
inline constexpr uint32_t kOpusClockRate = 48000;

// Microseconds -> clock units, rounded to the nearest unit, so that a time that came
// from clock units (TS's 90 kHz, ticks * 100 / 9) goes back to the same units. Exact
// while |us| / 10^6 * clockRate fits 63 bits (90 kHz: 3 million years).
int64_t usToClockUnits(int64_t us, uint32_t clockRate);

// Clock units -> microseconds, rounded to the nearest microsecond.
int64_t clockUnitsToUs(int64_t units, uint32_t clockRate);

// The 32-bit RTP timestamp of a media time: base plus its clock units, modulo 2^32.
// A stream picks one base (RFC 3550: random) and every packet of a frame shares it.
uint32_t rtpTimestamp(int64_t us, uint32_t clockRate, uint32_t base);

// Ingest: 32-bit RTP timestamps onto a 64-bit timeline. Each timestamp is read as the
// value nearest to the previous one (within 2^31 either way), so the timeline goes on
// across wraps and runs backwards only when the sender's timestamps do (B-frames).
class RtpTimestampUnwrapper {
 public:
  int64_t unwrap(uint32_t timestamp);
  // The value unwrap() would return, without moving the reference (an RTCP SR's timestamp).
  int64_t peek(uint32_t timestamp) const;

 private:
  std::optional<int64_t> last_;
};

}  // namespace rtsedge::webrtc::rtp
