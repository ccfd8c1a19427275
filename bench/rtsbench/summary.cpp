#include "bench/rtsbench/summary.h"

#include <algorithm>
#include <map>
#include <utility>

namespace rtsedge::bench {

Percentiles percentilesOf(const MillisHistogram& histogram) {
  if (histogram.count() == 0) {
    return {};
  }
  return {histogram.count(), histogram.percentile(0.5), histogram.percentile(0.95), histogram.percentile(0.99),
          histogram.max()};
}

namespace {

std::vector<ErrorCount> countErrors(std::span<const PlayerResult> players) {
  std::map<std::pair<FailureKind, std::string>, size_t> counts;
  for (const PlayerResult& player : players) {
    if (player.failure) {
      ++counts[{*player.failure, player.failureDetail}];
    }
  }
  std::vector<ErrorCount> errors;
  for (const auto& [key, count] : counts) {
    errors.push_back({key.first, key.second, count});
  }
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.players > b.players; });
  errors.resize(std::min(errors.size(), Summary::kMaxErrors));
  return errors;
}

}  // namespace

Summary summarize(const PlayOptions& options, std::span<const PlayerResult> players, const MillisHistogram& latency,
                  double wallSeconds, double cpuSeconds) {
  Summary summary;
  summary.label = options.label;
  summary.url = options.urlText;
  summary.protocol = std::string(protocolName(options.url.protocol));
  summary.seconds = options.seconds;
  summary.rampPerSecond = options.rampPerSecond;
  summary.startBufferMs = static_cast<double>(options.startBuffer.count());
  summary.requested = options.players;
  summary.started = players.size();
  summary.wallSeconds = wallSeconds;
  summary.cpuSeconds = cpuSeconds;

  MillisHistogram connect;
  MillisHistogram firstFrame;
  double activeSeconds = 0;
  for (const PlayerResult& player : players) {
    if (player.connectMs) {
      ++summary.connected;
      connect.record(*player.connectMs);
    }
    if (player.firstFrameMs) {
      ++summary.receiving;
      firstFrame.record(*player.firstFrameMs);
    }
    if (player.failure) {
      ++summary.failed;
      ++summary.failures[static_cast<size_t>(*player.failure)];
    }
    summary.videoFrames += player.videoFrames;
    summary.stampedFrames += player.stampedFrames;
    summary.unstampedFrames += player.unstampedFrames;
    summary.stalls += player.stalls;
    summary.stalledSeconds += player.stalledSeconds;
    summary.watchedSeconds += player.watchedSeconds;
    summary.bytes += player.bytes;
    activeSeconds += player.activeSeconds;
  }
  summary.errors = countErrors(players);
  summary.connectMs = percentilesOf(connect);
  summary.firstFrameMs = percentilesOf(firstFrame);
  summary.latencyMs = percentilesOf(latency);
  if (summary.watchedSeconds > 0) {
    summary.stallsPerPlayerMinute = static_cast<double>(summary.stalls) / (summary.watchedSeconds / 60);
    summary.stallRatio = summary.stalledSeconds / summary.watchedSeconds;
  }
  double megabits = static_cast<double>(summary.bytes) * 8 / 1e6;
  summary.mbitPerSecond = wallSeconds > 0 ? megabits / wallSeconds : 0;
  summary.mbitPerSecondPerPlayer = activeSeconds > 0 ? megabits / activeSeconds : 0;
  return summary;
}

}  // namespace rtsedge::bench
