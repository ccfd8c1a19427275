#include "bench/rtsbench/player_meter.h"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>

namespace rtsedge::bench {
namespace {

constexpr int64_t kFrameUs = 40'000;

// The meter's stream fed directly, as the player's ingest source would.
struct Fixture {
  ManualClock clock;
  RunStats run;
  PlayerMeter meter{clock, run, Micros(200'000)};

  void frame(int64_t dtsUs, bool keyframe, std::optional<WallTime> capture, TrackKind kind = TrackKind::kVideo) {
    auto frame = std::make_shared<MediaFrame>();
    frame->kind = kind;
    frame->codec = kind == TrackKind::kVideo ? Codec::kH264 : Codec::kAac;
    frame->dtsUs = dtsUs;
    frame->ptsUs = dtsUs;
    frame->keyframe = keyframe;
    frame->arrival = clock.now();
    frame->capture = capture;
    meter.stream().publishFrame(std::move(frame));
  }
};

TEST_CASE("PlayerMeter: connect and first-frame times from the start of connecting") {
  Fixture f;
  f.meter.onConnecting();
  f.clock.advance(Micros(3'000));
  f.meter.onConnected();
  f.clock.advance(Micros(2'000));
  CHECK_FALSE(f.meter.receiving());
  f.frame(0, true, std::nullopt);
  CHECK(f.meter.receiving());
  f.meter.end();
  CHECK_FALSE(f.meter.receiving());
  CHECK(f.meter.result().connectMs == doctest::Approx(3));
  CHECK(f.meter.result().firstFrameMs == doctest::Approx(5));
}

TEST_CASE("PlayerMeter: latency from live stamps only; the cache burst and unstamped frames apart") {
  Fixture f;
  WallTime beforeStart = std::chrono::system_clock::now() - std::chrono::seconds(1);
  f.meter.onConnecting();
  f.frame(0, true, beforeStart);  // from the GOP cache: its latency would be the cache's age
  f.frame(kFrameUs, false, std::nullopt);
  f.frame(2 * kFrameUs, false, std::chrono::system_clock::now());
  f.frame(3 * kFrameUs, false, std::nullopt, TrackKind::kAudio);  // not a video frame
  const PlayerResult& result = f.meter.result();
  CHECK(result.videoFrames == 3);
  CHECK(result.stampedFrames == 1);
  CHECK(result.unstampedFrames == 1);
  CHECK(f.run.latency().count() == 1);
  CHECK(f.run.latency().max() < 1000);
  CHECK(f.run.takeSecond().frames == 3);
}

TEST_CASE("PlayerMeter: the player model's stalls and watch time") {
  Fixture f;
  f.meter.onConnecting();
  // 200 ms of media at once starts playback; then media in real time.
  int64_t dts = 0;
  for (; dts <= 200'000; dts += kFrameUs) {
    f.frame(dts, dts == 0, std::nullopt);
  }
  for (int i = 0; i < 10; ++i, dts += kFrameUs) {
    f.clock.advance(Micros(kFrameUs));
    f.frame(dts, false, std::nullopt);
  }
  // Nothing for a second: the buffer runs dry, then refills.
  f.clock.advance(Micros(1'000'000));
  for (int i = 0; i < 10; ++i, dts += kFrameUs) {
    f.frame(dts, false, std::nullopt);
  }
  f.clock.advance(Micros(500'000));
  f.meter.end();
  const PlayerResult& result = f.meter.result();
  CHECK(result.stalls == 1);
  CHECK(result.stalledSeconds == doctest::Approx(0.8).epsilon(0.05));  // 1 s without media, less the 200 ms buffer
  CHECK(result.watchedSeconds == doctest::Approx(1.9));
  CHECK(result.activeSeconds == doctest::Approx(1.9));
}

TEST_CASE("PlayerMeter: only the first failure counts, and nothing after the end") {
  Fixture f;
  f.meter.onConnecting();
  f.meter.onFailed(FailureKind::kClosed, "peer closed");
  f.meter.onFailed(FailureKind::kProtocol, "later");
  f.frame(0, true, std::nullopt);
  CHECK(f.meter.ended());
  CHECK(f.meter.result().failure == FailureKind::kClosed);
  CHECK(f.meter.result().failureDetail == "peer closed");
  CHECK(f.meter.result().videoFrames == 0);
}

}  // namespace
}  // namespace rtsedge::bench
