#pragma once

#include <cstdint>
#include <optional>

namespace rtsedge::webrtc {

// The media times a WHEP viewer's video goes out under. From the join, the cached GOP
// (and what comes while it is sent) is stamped with the time each frame is sent, counted
// from the join point, not with its own timestamps: seconds of video sent in tens of
// milliseconds would look to the browser like a clock running fast. Chromium fits RTP
// time against arrival; such a burst skewed the fit, and its delay-change detector reset
// it every ~7 s, each reset a visible freeze (docs/webrtc.md, "Instant start"). Stamped
// so, the frames arrive when they claim to have been captured and play as a fast-forward.
// Once the catch-up is out, frames keep their own timestamps as soon as these pass the
// last stamp (a few frames of jitter later); until then the stamps only grow.
class CatchUpTimeline {
 public:
  // The viewer joined at `nowUs` with a cached GOP whose newest frame is `joinPtsUs`.
  void start(int64_t joinPtsUs, int64_t nowUs);
  // Everything held back for the catch-up has been sent.
  void caughtUp() { catchingUp_ = false; }
  bool catchingUp() const { return catchingUp_; }
  // The media time to send a video frame of `ptsUs` under, sent at `nowUs`.
  int64_t stamp(int64_t ptsUs, int64_t nowUs);

 private:
  // Frames sent together are stamped this far apart: one timestamp per frame.
  static constexpr int64_t kFrameSpacingUs = 1000;

  std::optional<int64_t> joinPtsUs_;  // set while stamps are made
  int64_t joinedUs_ = 0;
  bool catchingUp_ = false;
  int64_t lastUs_ = INT64_MIN;
};

}  // namespace rtsedge::webrtc
