#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/rtsbench/millis_histogram.h"
#include "bench/rtsbench/play_options.h"
#include "bench/rtsbench/player_result.h"

namespace rtsedge::bench {

struct Percentiles {
  uint64_t count = 0;  // samples; the rest is 0 without any
  double p50 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;
};
Percentiles percentilesOf(const MillisHistogram& histogram);

// Players that failed with the same kind and detail.
struct ErrorCount {
  FailureKind kind = FailureKind::kConnect;
  std::string detail;
  size_t players = 0;
};

// What a run comes to: the report's figures.
struct Summary {
  std::string label;
  std::string url;
  std::string protocol;
  double seconds = 0;  // as asked; wallSeconds is what it took
  double rampPerSecond = 0;
  double startBufferMs = 0;

  size_t requested = 0;
  size_t started = 0;
  size_t connected = 0;
  size_t receiving = 0;  // got a video keyframe
  size_t failed = 0;
  std::array<size_t, static_cast<size_t>(FailureKind::kCount)> failures{};
  std::vector<ErrorCount> errors;  // the most frequent first, at most kMaxErrors

  Percentiles connectMs;
  Percentiles firstFrameMs;
  Percentiles latencyMs;  // every stamped live frame of every player
  uint64_t videoFrames = 0;
  uint64_t stampedFrames = 0;
  uint64_t unstampedFrames = 0;

  uint64_t stalls = 0;
  double stalledSeconds = 0;
  double watchedSeconds = 0;
  double stallsPerPlayerMinute = 0;  // per minute watched
  double stallRatio = 0;             // stalled / watched

  uint64_t bytes = 0;
  double mbitPerSecond = 0;           // all players, over the wall time
  double mbitPerSecondPerPlayer = 0;  // over each player's time from connecting to its end

  double wallSeconds = 0;
  double cpuSeconds = 0;  // this process: a figure near wallSeconds times one core means rtsbench was the bottleneck

  static constexpr size_t kMaxErrors = 10;
};

Summary summarize(const PlayOptions& options, std::span<const PlayerResult> players, const MillisHistogram& latency,
                  double wallSeconds, double cpuSeconds);

}  // namespace rtsedge::bench
