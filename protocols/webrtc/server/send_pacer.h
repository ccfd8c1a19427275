#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "relay/bytes.h"

namespace rtsedge::webrtc {

// Spreads a WHEP viewer's catch-up (the cached GOP sent at join, megabytes at once) over
// tens of milliseconds: a token bucket of `bytesPerSecond` that lets `burstBytes` through
// at once. The viewer stamps catch-up frames with the time they are sent, so spread out
// they carry increasing times the browser can play as a fast-forward. Measured with
// Chromium 156 (docs/webrtc.md, "Instant start"): all at once, it counted a 0.2-0.3 s
// freeze at start; paced at 2-4 MB/s, it stalled on long GOPs until the next keyframe;
// at 50 MB/s, neither. Frames keep their order. Past `maxHeldBytes` (a stream faster
// than the rate) everything goes at once: pacing never grows without bound.
class SendPacer {
 public:
  struct Settings {
    int64_t bytesPerSecond = 50'000'000;
    int64_t burstBytes = 64 * 1024;
    size_t maxHeldBytes = 8 * 1024 * 1024;
  };

  explicit SendPacer(Settings settings) : settings_(settings), tokens_(settings.burstBytes) {}

  // `frame` is next in line: appended to `out` if the budget allows now, else held.
  void push(Bytes frame, int64_t nowUs, std::vector<Bytes>& out);
  // Appends to `out` the held frames the budget allows by now.
  void release(int64_t nowUs, std::vector<Bytes>& out);
  // When the next held frame may go (the caller's clock), or nullopt if none is held.
  std::optional<int64_t> nextReleaseUs() const;

 private:
  void refill(int64_t nowUs);

  Settings settings_;
  int64_t tokens_;  // bytes; negative after a frame larger than what was left
  std::optional<int64_t> refilledUs_;
  std::deque<Bytes> held_;
  size_t heldBytes_ = 0;
};

}  // namespace rtsedge::webrtc
