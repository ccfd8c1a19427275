#include "bench/rtsbench/summary.h"

#include <doctest/doctest.h>

#include <vector>

namespace rtsedge::bench {
namespace {

PlayerResult watching(double firstFrameMs, uint64_t bytes) {
  PlayerResult player;
  player.connectMs = firstFrameMs / 2;
  player.firstFrameMs = firstFrameMs;
  player.bytes = bytes;
  player.videoFrames = 250;
  player.stampedFrames = 240;
  player.unstampedFrames = 5;
  player.watchedSeconds = 10;
  player.activeSeconds = 10;
  return player;
}

PlayerResult failed(FailureKind kind, std::string detail) {
  PlayerResult player;
  player.failure = kind;
  player.failureDetail = std::move(detail);
  player.activeSeconds = 0.01;
  return player;
}

TEST_CASE("summarize: players, failures by kind and detail, most frequent first") {
  PlayOptions options;
  options.players = 5;
  std::vector<PlayerResult> players{watching(10, 0), failed(FailureKind::kRefused, "HTTP status 404 Not Found"),
                                    failed(FailureKind::kConnect, "connection refused"),
                                    failed(FailureKind::kConnect, "connection refused")};
  Summary summary = summarize(options, players, MillisHistogram(), 10, 1);
  CHECK(summary.requested == 5);
  CHECK(summary.started == 4);
  CHECK(summary.connected == 1);
  CHECK(summary.receiving == 1);
  CHECK(summary.failed == 3);
  CHECK(summary.failures[static_cast<size_t>(FailureKind::kConnect)] == 2);
  CHECK(summary.failures[static_cast<size_t>(FailureKind::kRefused)] == 1);
  REQUIRE(summary.errors.size() == 2);
  CHECK(summary.errors[0].detail == "connection refused");
  CHECK(summary.errors[0].players == 2);
  CHECK(summary.errors[1].kind == FailureKind::kRefused);
}

TEST_CASE("summarize: stalls per player-minute, stall ratio, throughput") {
  PlayOptions options;
  options.players = 2;
  std::vector<PlayerResult> players{watching(10, 1'250'000), watching(30, 1'250'000)};
  players[0].stalls = 2;
  players[0].stalledSeconds = 1;
  players[1].stalls = 1;
  players[1].stalledSeconds = 0.5;
  MillisHistogram latency;
  latency.record(3);
  Summary summary = summarize(options, players, latency, 10, 2.5);
  CHECK(summary.stalls == 3);
  CHECK(summary.stallsPerPlayerMinute == doctest::Approx(3 / (20.0 / 60)));
  CHECK(summary.stallRatio == doctest::Approx(1.5 / 20));
  CHECK(summary.mbitPerSecond == doctest::Approx(2.0));  // 20 Mbit in 10 s
  CHECK(summary.mbitPerSecondPerPlayer == doctest::Approx(1.0));
  CHECK(summary.firstFrameMs.count == 2);
  CHECK(summary.firstFrameMs.max == 30);
  CHECK(summary.latencyMs.p50 == 3);
  CHECK(summary.stampedFrames == 480);
  CHECK(summary.unstampedFrames == 10);
  CHECK(summary.cpuSeconds == 2.5);
}

}  // namespace
}  // namespace rtsedge::bench
