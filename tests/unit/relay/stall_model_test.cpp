#include "relay/stall_model.h"

#include <doctest/doctest.h>

namespace rtsedge {
namespace {

// Feeds 25 fps frames delivered in real time from `from` for `count` frames.
struct Feed {
  ManualClock clock;
  StallModel model{Micros(200'000)};
  int64_t media = 0;
  int stalls = 0;
  Micros stalled{0};

  void frames(int count, StallCause cause = StallCause::kEgressBlocked) {
    for (int i = 0; i < count; ++i) {
      if (auto stall = model.onDelivery(clock.now(), media, cause)) {
        ++stalls;
        stalled += stall->duration;
      }
      media += 40'000;
      clock.advance(Micros(40'000));
    }
  }
};

TEST_CASE("a steady stream never stalls, and initial buffering is not a stall") {
  Feed feed;
  feed.frames(1000);
  CHECK(feed.stalls == 0);
  CHECK_FALSE(feed.model.stalled());
  CHECK(feed.model.watched(feed.clock.now()).count() == doctest::Approx(1000 * 40'000 - 5 * 40'000).epsilon(0.01));
}

TEST_CASE("a 2 s ingest gap gives one stall of about 2 s") {
  Feed feed;
  feed.frames(100);
  feed.clock.advance(Micros(2'000'000));  // nothing arrives for 2 s
  // Then the publisher's frames come on time again: the buffer refills in 200 ms.
  feed.frames(100, StallCause::kIngestGap);
  REQUIRE(feed.stalls == 1);
  // Dry after the ~200 ms of buffer ran out, back once 200 ms is buffered again.
  CHECK(feed.stalled.count() == doctest::Approx(2'000'000).epsilon(0.15));
}

TEST_CASE("a burst after a gap refills at once: the stall lasts the gap minus the buffer") {
  Feed feed;
  feed.frames(50);
  feed.clock.advance(Micros(1'000'000));
  feed.model.onDelivery(feed.clock.now(), feed.media + 1'000'000, StallCause::kIngestGap);  // catch-up burst
  feed.media += 1'000'000;
  feed.frames(50);
  CHECK_FALSE(feed.model.stalled());
}

TEST_CASE("playback starts at the live edge after a GOP burst") {
  Feed feed;
  // Two seconds of cached GOP handed over in one write, then live frames in real time.
  feed.media = 1'960'000;
  feed.model.onDelivery(feed.clock.now(), feed.media, StallCause::kEgressBlocked);
  feed.media += 40'000;
  feed.frames(50);
  feed.clock.advance(Micros(1'000'000));  // a 1 s gap: the burst is no cushion
  feed.frames(50, StallCause::kIngestGap);
  CHECK(feed.stalls == 1);
  CHECK(feed.stalled.count() == doctest::Approx(1'000'000).epsilon(0.25));
}

TEST_CASE("a player holding over a second more than its buffer skips to the live edge") {
  Feed feed;
  feed.frames(50);
  feed.model.onDelivery(feed.clock.now(), feed.media + 2'000'000, StallCause::kEgressBlocked);  // a burst ahead
  feed.media += 2'040'000;
  feed.frames(10);
  feed.clock.advance(Micros(1'000'000));
  feed.frames(50, StallCause::kIngestGap);
  CHECK(feed.stalls == 1);  // the burst bought no cushion: the player had jumped ahead
}

TEST_CASE("short jitter inside the buffer is not a stall") {
  Feed feed;
  feed.frames(50);
  feed.clock.advance(Micros(150'000));
  feed.frames(50);
  CHECK(feed.stalls == 0);
}

TEST_CASE("a stall still open when the viewer leaves is counted to that moment") {
  Feed feed;
  feed.frames(50);
  feed.clock.advance(Micros(3'000'000));
  feed.model.onDelivery(feed.clock.now(), feed.media, StallCause::kEgressBlocked);
  REQUIRE(feed.model.stalled());
  feed.clock.advance(Micros(1'000'000));
  auto open = feed.model.finish(feed.clock.now());
  REQUIRE(open);
  CHECK(open->cause == StallCause::kEgressBlocked);
  CHECK(open->duration.count() == doctest::Approx(3'800'000).epsilon(0.05));
}

}  // namespace
}  // namespace rtsedge
