#include "relay/stream.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rtsedge {
namespace {

struct RecordingSubscriber : Subscriber {
  std::vector<std::string> events;
  std::vector<int64_t> dts;
  std::function<void()> onNextFrame;

  void onMetadata(const Bytes&) override { events.push_back("metadata"); }
  void onTrackConfig(const TrackConfigPtr& c) override {
    events.push_back(c->kind == TrackKind::kVideo ? "video-config" : "audio-config");
  }
  void onFrame(const FramePtr& f) override {
    events.push_back(f->kind == TrackKind::kVideo ? (f->keyframe ? "key" : "delta") : "audio");
    dts.push_back(f->dtsUs);
    if (onNextFrame) {
      auto fn = std::move(onNextFrame);
      fn();
    }
  }
  void onSourceLost() override { events.push_back("lost"); }
  void onSourceRestored() override { events.push_back("restored"); }
  void onStreamEnded() override { events.push_back("ended"); }
};

struct FakeSource : Source {
  bool replaced = false;
  void onSourceReplaced() override { replaced = true; }
};

TrackConfigPtr config(TrackKind kind, uint32_t width = 0) {
  auto c = std::make_shared<TrackConfig>();
  c->kind = kind;
  c->codec = kind == TrackKind::kVideo ? Codec::kH264 : Codec::kAac;
  c->width = width;
  return c;
}

std::shared_ptr<MediaFrame> frame(TrackKind kind, int64_t dtsMs, bool keyframe = false) {
  auto f = std::make_shared<MediaFrame>();
  f->kind = kind;
  f->dtsUs = f->ptsUs = dtsMs * 1000;
  f->keyframe = keyframe;
  return f;
}

struct Fixture {
  StreamSettings settings;
  ManualClock clock;
  Stream stream{"live/a", settings, clock};
  FakeSource source;
};

TEST_CASE_FIXTURE(Fixture, "a late subscriber gets metadata, configurations, then the GOP from its keyframe") {
  REQUIRE(stream.attachSource(source));
  stream.publishMetadata(Bytes::copyOf(std::string_view("meta")));
  stream.publishConfig(config(TrackKind::kVideo));
  stream.publishConfig(config(TrackKind::kAudio));
  stream.publishFrame(frame(TrackKind::kVideo, 0, true));
  stream.publishFrame(frame(TrackKind::kVideo, 40));
  stream.publishFrame(frame(TrackKind::kAudio, 45));
  RecordingSubscriber late;
  stream.subscribe(late);
  CHECK(late.events == std::vector<std::string>{"metadata", "video-config", "audio-config", "key", "delta", "audio"});
  stream.publishFrame(frame(TrackKind::kVideo, 80));
  CHECK(late.events.back() == "delta");
}

TEST_CASE_FIXTURE(Fixture, "video before the first keyframe is not relayed") {
  REQUIRE(stream.attachSource(source));
  RecordingSubscriber viewer;
  stream.subscribe(viewer);
  stream.publishFrame(frame(TrackKind::kVideo, 0));
  stream.publishFrame(frame(TrackKind::kVideo, 40, true));
  CHECK(viewer.events == std::vector<std::string>{"key"});
}

TEST_CASE_FIXTURE(Fixture, "a stream is playable from its first keyframe, or after a second of audio alone") {
  CHECK_FALSE(stream.playable());
  REQUIRE(stream.attachSource(source));
  stream.publishConfig(config(TrackKind::kAudio));
  stream.publishFrame(frame(TrackKind::kAudio, 0));
  stream.publishFrame(frame(TrackKind::kVideo, 10));  // not a keyframe: dropped, proves nothing
  CHECK_FALSE(stream.playable());                     // an MPEG-TS source sends audio before its first keyframe
  stream.publishConfig(config(TrackKind::kVideo, 640));
  stream.publishFrame(frame(TrackKind::kAudio, 1500));
  CHECK_FALSE(stream.playable());  // video is announced: wait for its keyframe
  stream.publishFrame(frame(TrackKind::kVideo, 1520, true));
  CHECK(stream.playable());

  stream.detachSource(source);
  CHECK_FALSE(stream.playable());
  FakeSource radio;
  REQUIRE(stream.attachSource(radio));
  stream.publishConfig(config(TrackKind::kAudio));
  stream.publishFrame(frame(TrackKind::kAudio, 0));
  stream.publishFrame(frame(TrackKind::kAudio, 999));
  CHECK_FALSE(stream.playable());
  stream.publishFrame(frame(TrackKind::kAudio, 1000));
  CHECK(stream.playable());
}

TEST_CASE_FIXTURE(Fixture, "a second source is refused by default, or replaces the first when configured") {
  REQUIRE(stream.attachSource(source));
  FakeSource second;
  auto refused = stream.attachSource(second);
  CHECK_FALSE(refused);
  CHECK(refused.error().message().find("already being published") != std::string::npos);
  settings.onDuplicatePublish = DuplicatePublish::kReplace;
  CHECK(stream.attachSource(second));
  CHECK(source.replaced);
}

TEST_CASE_FIXTURE(Fixture, "viewers wait through the grace period and continue on monotonic timestamps") {
  REQUIRE(stream.attachSource(source));
  RecordingSubscriber viewer;
  stream.subscribe(viewer);
  stream.publishFrame(frame(TrackKind::kVideo, 5000, true));
  stream.publishFrame(frame(TrackKind::kVideo, 5040));
  stream.detachSource(source);
  clock.advance(Millis(9000));
  stream.tick();
  FakeSource next;
  REQUIRE(stream.attachSource(next));
  // The new publisher's clock starts at 0 again.
  stream.publishFrame(frame(TrackKind::kVideo, 0));
  stream.publishFrame(frame(TrackKind::kVideo, 40, true));
  stream.publishFrame(frame(TrackKind::kVideo, 80));
  CHECK(viewer.events == std::vector<std::string>{"key", "delta", "lost", "restored", "key", "delta"});
  REQUIRE(viewer.dts.size() == 4);
  for (size_t i = 1; i < viewer.dts.size(); ++i) {
    CHECK(viewer.dts[i] > viewer.dts[i - 1]);
  }
  CHECK(viewer.dts[3] - viewer.dts[2] == 40000);
}

TEST_CASE_FIXTURE(Fixture, "after the grace period viewers get the end of the stream") {
  settings.sourceGrace = Millis(2000);
  REQUIRE(stream.attachSource(source));
  RecordingSubscriber viewer;
  stream.subscribe(viewer);
  stream.detachSource(source);
  clock.advance(Millis(1999));
  stream.tick();
  CHECK(viewer.events.back() == "lost");
  clock.advance(Millis(1));
  stream.tick();
  CHECK(viewer.events.back() == "ended");
  CHECK(stream.idle());
}

TEST_CASE_FIXTURE(Fixture, "a subscriber may leave, and another join, during a fan-out") {
  REQUIRE(stream.attachSource(source));
  RecordingSubscriber a, b, c;
  stream.subscribe(a);
  stream.subscribe(b);
  a.onNextFrame = [&] {
    stream.unsubscribe(a);
    stream.unsubscribe(b);
    stream.subscribe(c);
  };
  stream.publishFrame(frame(TrackKind::kVideo, 0, true));
  CHECK(a.events.size() == 1);
  CHECK(b.events.empty());
  CHECK(stream.subscriberCount() == 1);
  stream.publishFrame(frame(TrackKind::kVideo, 40));
  CHECK(c.events.back() == "delta");
}

TEST_CASE_FIXTURE(Fixture, "a source clock jump is re-based") {
  REQUIRE(stream.attachSource(source));
  RecordingSubscriber viewer;
  stream.subscribe(viewer);
  stream.publishFrame(frame(TrackKind::kVideo, 100000, true));
  stream.publishFrame(frame(TrackKind::kVideo, 10));  // publisher restarted its clock
  stream.publishFrame(frame(TrackKind::kVideo, 50));
  REQUIRE(viewer.dts.size() == 3);
  CHECK(viewer.dts[1] > viewer.dts[0]);
  CHECK(viewer.dts[2] - viewer.dts[1] == 40000);
}

TEST_CASE("a pause of the source is one ingest gap; jitter is none") {
  StreamSettings settings;
  ManualClock clock;
  metrics::Registry registry;
  StreamMetrics metrics(registry);
  Stream stream("live/a", settings, clock, &metrics);
  FakeSource source;
  REQUIRE(stream.attachSource(source));
  int64_t dtsMs = 0;
  auto next = [&](Micros late) {
    clock.advance(Micros(40'000) + late);
    auto f = frame(TrackKind::kVideo, dtsMs, dtsMs == 0);
    f->arrival = clock.now();
    stream.publishFrame(f);
    dtsMs += 40;
  };
  for (int i = 0; i < 50; ++i) {
    next(Micros(i % 2 == 0 ? 30'000 : -30'000));  // jitter
  }
  next(Micros(1'500'000));  // the source paused 1.5 s
  for (int i = 0; i < 50; ++i) {
    next(Micros(0));
  }
  CHECK(metrics.ingestGap.count() == 1);
  CHECK(metrics.ingestGap.sum() == doctest::Approx(1.5).epsilon(0.05));
}

TEST_CASE_FIXTURE(Fixture, "an unchanged configuration is not sent again") {
  REQUIRE(stream.attachSource(source));
  RecordingSubscriber viewer;
  stream.subscribe(viewer);
  stream.publishConfig(config(TrackKind::kVideo, 1280));
  stream.publishConfig(config(TrackKind::kVideo, 1280));
  stream.publishConfig(config(TrackKind::kVideo, 1920));
  CHECK(viewer.events == std::vector<std::string>{"video-config", "video-config"});
}

}  // namespace
}  // namespace rtsedge
