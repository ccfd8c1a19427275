#include "bench/rtsbench/run_stats.h"

namespace rtsedge::bench {

void RunStats::onVideoFrame(std::optional<double> latencyMs) {
  ++secondFrames_;
  if (latencyMs) {
    latency_.record(*latencyMs);
    secondLatency_.record(*latencyMs);
  }
}

RunStats::Second RunStats::takeSecond() {
  Second second{secondFrames_, std::nullopt, std::nullopt};
  if (secondLatency_.count() > 0) {
    second.latencyP50Ms = secondLatency_.percentile(0.5);
    second.latencyP99Ms = secondLatency_.percentile(0.99);
  }
  secondLatency_.clear();
  secondFrames_ = 0;
  return second;
}

}  // namespace rtsedge::bench
