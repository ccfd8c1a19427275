#include "relay/egress_queue.h"

#include <doctest/doctest.h>

#include <array>

namespace rtsedge {
namespace {

FrameMark mark(bool syncPoint, SteadyTime arrival) {
  FrameMark frame;
  frame.syncPoint = syncPoint;
  frame.arrival = arrival;
  return frame;
}

Bytes tagged(uint8_t tag) {
  return Bytes::copyOf(std::span<const uint8_t>(&tag, 1));
}

std::vector<uint8_t> drain(EgressQueue& queue) {
  std::vector<Bytes> batch;
  queue.takeBatch(batch);
  queue.onBatchWritten();
  std::vector<uint8_t> tags;
  for (const Bytes& b : batch) {
    tags.push_back(b[0]);
  }
  return tags;
}

TEST_CASE("egress queue delivers control and frames in order") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  queue.pushControl(tagged(1));
  CHECK(queue.pushFrame(tagged(2), mark(true, clock.now())) == EgressQueue::Push::kQueued);
  CHECK(queue.pushFrame(tagged(3), mark(false, clock.now())) == EgressQueue::Push::kQueued);
  CHECK(drain(queue) == std::vector<uint8_t>{1, 2, 3});
  CHECK_FALSE(queue.hasPending());
}

TEST_CASE("a viewer behind by more than the soft bound skips to the next keyframe") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  queue.pushControl(tagged(1));
  queue.pushFrame(tagged(2), mark(true, clock.now()));
  queue.pushFrame(tagged(3), mark(false, clock.now()));
  clock.advance(Millis(1001));
  // Past the soft bound: queued frames go, the control message stays, and
  // delta frames are dropped until a keyframe.
  CHECK(queue.pushFrame(tagged(4), mark(false, clock.now())) == EgressQueue::Push::kSkipped);
  CHECK(queue.pushFrame(tagged(5), mark(false, clock.now())) == EgressQueue::Push::kDropped);
  CHECK(queue.pushFrame(tagged(6), mark(true, clock.now())) == EgressQueue::Push::kQueued);
  CHECK(queue.pushFrame(tagged(7), mark(false, clock.now())) == EgressQueue::Push::kQueued);
  CHECK(drain(queue) == std::vector<uint8_t>{1, 6, 7});
  CHECK(queue.skips() == 1);
}

TEST_CASE("a skip that lands on a keyframe keeps it") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  queue.pushFrame(tagged(1), mark(true, clock.now()));
  clock.advance(Millis(1500));
  CHECK(queue.pushFrame(tagged(2), mark(true, clock.now())) == EgressQueue::Push::kSkipped);
  CHECK(drain(queue) == std::vector<uint8_t>{2});
}

TEST_CASE("a write stuck past the hard bound asks to close the viewer") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  queue.pushFrame(tagged(1), mark(true, clock.now()));
  std::vector<Bytes> batch;
  queue.takeBatch(batch);  // in flight, never completes: the client does not read
  for (int i = 0; i < 49; ++i) {
    clock.advance(Millis(100));
    CHECK(queue.pushFrame(tagged(2), mark(i % 10 == 0, clock.now())) != EgressQueue::Push::kOverflow);
  }
  clock.advance(Millis(101));
  CHECK(queue.pushFrame(tagged(3), mark(false, clock.now())) == EgressQueue::Push::kOverflow);
}

TEST_CASE("a viewer that keeps up is never skipped") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  for (int i = 0; i < 1000; ++i) {
    CHECK(queue.pushFrame(tagged(static_cast<uint8_t>(i)), mark(i % 50 == 0, clock.now())) ==
          EgressQueue::Push::kQueued);
    clock.advance(Millis(40));
    CHECK(drain(queue).size() == 1);
  }
  CHECK(queue.skips() == 0);
}

TEST_CASE("requireSyncPoint drops frames until a sync point") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  queue.requireSyncPoint();
  CHECK(queue.pushFrame(tagged(1), mark(false, clock.now())) == EgressQueue::Push::kDropped);
  CHECK(queue.pushFrame(tagged(2), mark(true, clock.now())) == EgressQueue::Push::kQueued);
  CHECK(drain(queue) == std::vector<uint8_t>{2});
}

TEST_CASE("batches are bounded") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 4}, clock);
  for (uint8_t i = 0; i < 10; ++i) {
    queue.pushControl(tagged(i));
  }
  CHECK(drain(queue).size() == 4);
  CHECK(drain(queue).size() == 4);
  CHECK(drain(queue).size() == 2);
}

}  // namespace
}  // namespace rtsedge

namespace rtsedge {
namespace {

TEST_CASE("delivery timings: relay latency per frame written, first-frame time once") {
  ManualClock clock;
  metrics::Histogram firstFrame({metrics::kLatencyBuckets});
  metrics::Histogram relay({metrics::kLatencyBuckets});
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  SteadyTime cached = clock.now();  // a GOP-cache frame that arrived before the viewer
  clock.advance(Millis(500));
  queue.startTiming({&firstFrame, &relay});
  SteadyTime arrived = clock.now();
  clock.advance(Millis(30));
  queue.pushControl(tagged(0));
  queue.pushFrame(tagged(9), mark(true, cached));
  queue.pushFrame(tagged(1), mark(false, arrived));
  queue.pushFrame(tagged(2), mark(false, clock.now()));
  std::vector<Bytes> batch;
  queue.takeBatch(batch);
  clock.advance(Millis(20));
  queue.onBatchWritten();
  CHECK(relay.count() == 2);  // neither control messages nor frames from the GOP cache
  CHECK(relay.sum() == doctest::Approx(0.05 + 0.02));
  CHECK(firstFrame.count() == 1);
  CHECK(firstFrame.sum() == doctest::Approx(0.05));  // from startTiming to the write of the keyframe
  queue.pushFrame(tagged(3), mark(true, clock.now()));
  batch.clear();
  queue.takeBatch(batch);
  queue.onBatchWritten();
  CHECK(firstFrame.count() == 1);
  CHECK(relay.count() == 3);
}

}  // namespace
}  // namespace rtsedge

namespace rtsedge {
namespace {

TEST_CASE("a viewer's first frame is a sync point, with or without a GOP cache") {
  ManualClock clock;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  CHECK(queue.pushFrame(tagged(1), mark(false, clock.now())) == EgressQueue::Push::kDropped);
  CHECK(queue.pushFrame(tagged(2), mark(true, clock.now())) == EgressQueue::Push::kQueued);
  CHECK(drain(queue) == std::vector<uint8_t>{2});
}

}  // namespace
}  // namespace rtsedge

namespace rtsedge {
namespace {

TEST_CASE("a frame with a capture stamp records end-to-end latency") {
  ManualClock clock;
  metrics::Histogram e2e({metrics::kLatencyBuckets});
  EgressTimings timings;
  timings.e2eLatency = &e2e;
  EgressQueue queue({Millis(1000), Millis(5000), 256}, clock);
  queue.startTiming(timings);
  FrameMark stamped = mark(true, clock.now());
  stamped.capture = std::chrono::system_clock::now() - std::chrono::milliseconds(300);
  queue.pushFrame(tagged(1), stamped);
  queue.pushFrame(tagged(2), mark(false, clock.now()));  // unstamped: not counted
  std::vector<Bytes> batch;
  queue.takeBatch(batch);
  queue.onBatchWritten();
  REQUIRE(e2e.count() == 1);
  CHECK(e2e.sum() == doctest::Approx(0.3).epsilon(0.2));
}

}  // namespace
}  // namespace rtsedge

namespace rtsedge {
namespace {

// A viewer of a 25 fps stream with a keyframe every 2 s, written as it arrives, and its
// stalls counted by cause.
struct StallFeed {
  ManualClock clock;
  EgressQueue queue{{Millis(1000), Millis(5000), 256}, clock};
  std::array<metrics::Counter, static_cast<size_t>(StallCause::kCount)> stalls;
  int64_t dtsUs = 0;

  StallFeed() {
    EgressTimings timings;
    for (size_t i = 0; i < stalls.size(); ++i) {
      timings.stallEvents[i] = &stalls[i];
    }
    queue.startTiming(timings);
  }

  void push(bool syncPoint) {
    FrameMark frame = mark(syncPoint, clock.now());
    frame.dtsUs = dtsUs;
    queue.pushFrame(tagged(0), frame);
    dtsUs += 40'000;
  }
  // A new source starts at a keyframe.
  void frames(int count, bool newSource = false) {
    for (int i = 0; i < count; ++i) {
      push((newSource && i == 0) || dtsUs % 2'000'000 == 0);
      drain(queue);
      clock.advance(Millis(40));
    }
  }
  double count(StallCause cause) const { return stalls[static_cast<size_t>(cause)].value(); }
};

TEST_CASE("a gap attributed to an upstream failover stalls as one, until the next source's first keyframe is out") {
  StallFeed feed;
  feed.frames(100);
  feed.push(true);  // a keyframe of the lost source, still queued when it is lost
  feed.clock.advance(Millis(10));
  feed.queue.attributeGapTo(StallCause::kUpstreamFailover);
  drain(feed.queue);  // it arrived before the loss: the attribution stands
  feed.clock.advance(Millis(1500));
  // The next upstream plays: EgressSubscriber::onSourceRestored.
  feed.queue.requireSyncPoint();
  feed.frames(100, true);
  CHECK(feed.count(StallCause::kUpstreamFailover) == 1);
  CHECK(feed.count(StallCause::kIngestGap) == 0);

  // The new source pauses, with no source lost: an ingest gap again.
  feed.clock.advance(Millis(1500));
  feed.frames(100);
  CHECK(feed.count(StallCause::kUpstreamFailover) == 1);
  CHECK(feed.count(StallCause::kIngestGap) == 1);
  CHECK(feed.count(StallCause::kEgressBlocked) == 0);
  CHECK(feed.count(StallCause::kFramesDropped) == 0);
}

TEST_CASE("a publisher's gap is an ingest gap") {
  StallFeed feed;
  feed.frames(100);
  feed.queue.attributeGapTo(StallCause::kIngestGap);
  feed.clock.advance(Millis(1500));
  feed.queue.requireSyncPoint();
  feed.frames(100, true);
  CHECK(feed.count(StallCause::kIngestGap) == 1);
  CHECK(feed.count(StallCause::kUpstreamFailover) == 0);
}

}  // namespace
}  // namespace rtsedge
