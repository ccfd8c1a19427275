#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "relay/clock.h"
#include "relay/media_frame.h"

namespace rtsedge {

// What the API reports of a stream's ingest: counts, keyframe interval, and the
// bitrate over a sliding window.
class StreamStats {
 public:
  static constexpr Millis kBitrateWindow{5000};

  void onFrame(const MediaFrame& frame, SteadyTime now);
  uint64_t frames() const { return frames_; }
  uint64_t bytes() const { return bytes_; }
  int64_t keyframeIntervalUs() const { return keyframeIntervalUs_; }
  // Bits per second over the last kBitrateWindow.
  uint64_t bitrate(SteadyTime now);

 private:
  void prune(SteadyTime now);

  uint64_t frames_ = 0;
  uint64_t bytes_ = 0;
  int64_t lastKeyframeDtsUs_ = -1;
  int64_t keyframeIntervalUs_ = 0;
  std::deque<std::pair<SteadyTime, uint64_t>> window_;  // arrival, payload bytes
  uint64_t windowBytes_ = 0;
};

}  // namespace rtsedge
