#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "relay/bytes.h"

namespace rtsedge::webrtc {

// Spreads a WHEP viewer's frames out in time when they come faster than a browser takes
// them: a token bucket of `bytesPerSecond` that lets `burstBytes` through at once. Live
// frames pass straight through; the cached GOP sent at join (megabytes in an instant) is
// what it slows. Unpaced, that burst overruns Chromium's UDP receive buffer (hundreds of
// packets lost, first frame after NACK recovery). Frames keep their order. Past
// `maxHeldBytes` (a stream faster than the rate) everything goes at once: pacing never
// grows without bound.
class SendPacer {
 public:
  struct Settings {
    int64_t bytesPerSecond = 4'000'000;
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
  bool holding() const { return !held_.empty(); }

 private:
  void refill(int64_t nowUs);

  Settings settings_;
  int64_t tokens_;  // bytes; negative after a frame larger than what was left
  std::optional<int64_t> refilledUs_;
  std::deque<Bytes> held_;
  size_t heldBytes_ = 0;
};

}  // namespace rtsedge::webrtc
