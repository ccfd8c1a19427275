#pragma once

#include <cstdint>
#include <deque>

#include "relay/clock.h"
#include "relay/media_frame.h"

namespace rtsedge {

struct GopCacheLimits {
  bool enabled = true;
  Millis maxDuration{10000};
  uint64_t maxBytes = 16 * 1024 * 1024;
};

// The frames since the latest video keyframe, so a new viewer starts decoding at
// once (instant start). Bounded in media time and bytes: a GOP over either bound is
// dropped whole and caching resumes at the next keyframe, so a stream without
// keyframes cannot grow memory. Audio-only streams cache nothing: every audio
// frame is a starting point.
class GopCache {
 public:
  explicit GopCache(GopCacheLimits limits) : limits_(limits) {}

  void add(const FramePtr& frame);
  void clear();

  const std::deque<FramePtr>& frames() const { return frames_; }
  uint64_t bytes() const { return bytes_; }
  // GOPs dropped for exceeding a bound.
  uint64_t overflows() const { return overflows_; }

 private:
  GopCacheLimits limits_;
  std::deque<FramePtr> frames_;
  uint64_t bytes_ = 0;
  uint64_t overflows_ = 0;
  bool collecting_ = false;  // a keyframe started the current GOP and no bound was hit since
};

}  // namespace rtsedge
