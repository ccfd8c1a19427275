#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "bench/rtsbench/millis_histogram.h"

namespace rtsedge::bench {

// One second of the run's time series.
struct SecondRow {
  double seconds = 0;  // since the run started, at the end of this second
  size_t receiving = 0;
  double framesPerSecond = 0;  // video frames, all players
  double mbitPerSecond = 0;
  std::optional<double> latencyP50Ms;
  std::optional<double> latencyP99Ms;
};

// What the players of a run add up to as they go: the latency of every stamped live
// frame, and the current second's frames and latency for the time series.
class RunStats {
 public:
  // A video frame reached a player; latencyMs when it was stamped live.
  void onVideoFrame(std::optional<double> latencyMs);
  const MillisHistogram& latency() const { return latency_; }

  struct Second {
    uint64_t frames = 0;
    std::optional<double> latencyP50Ms;
    std::optional<double> latencyP99Ms;
  };
  // The frames and latency since the last call.
  Second takeSecond();

 private:
  MillisHistogram latency_;
  MillisHistogram secondLatency_;
  uint64_t secondFrames_ = 0;
};

}  // namespace rtsedge::bench
