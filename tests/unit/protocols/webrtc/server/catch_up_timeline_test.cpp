#include "protocols/webrtc/server/catch_up_timeline.h"

#include <doctest/doctest.h>

#include <cstdint>

namespace rtsedge::webrtc {
namespace {

constexpr int64_t kJoinPts = 10'000'000;  // the newest cached frame: 10 s into the stream
constexpr int64_t kJoined = 500'000'000;  // the viewer's clock at the join

TEST_CASE("catch-up timeline: without a cached GOP, frames keep their timestamps") {
  CatchUpTimeline timeline;
  CHECK_FALSE(timeline.catchingUp());
  CHECK(timeline.stamp(1'000, 5) == 1'000);
  CHECK(timeline.stamp(41'000, 6) == 41'000);
  CHECK(timeline.stamp(21'000, 7) == 21'000);  // B-frames out of order pass as they are
}

TEST_CASE("catch-up timeline: the cached GOP is stamped with its send time from the join point") {
  CatchUpTimeline timeline;
  timeline.start(kJoinPts, kJoined);
  REQUIRE(timeline.catchingUp());
  // A keyframe 2 s old and the frames after it, sent in three bursts.
  CHECK(timeline.stamp(8'000'000, kJoined) == kJoinPts);
  CHECK(timeline.stamp(8'040'000, kJoined) == kJoinPts + 1'000);  // sent together: 1 ms apart
  CHECK(timeline.stamp(8'080'000, kJoined + 300) == kJoinPts + 2'000);
  CHECK(timeline.stamp(8'120'000, kJoined + 20'000) == kJoinPts + 20'000);
  CHECK(timeline.stamp(9'960'000, kJoined + 40'000) == kJoinPts + 40'000);
  // A frame that came while the catch-up went out, its own time past the stamps: still
  // stamped, for the catch-up is not done.
  CHECK(timeline.stamp(10'080'000, kJoined + 50'000) == kJoinPts + 50'000);
}

TEST_CASE("catch-up timeline: after the catch-up, own timestamps once they pass the stamps") {
  CatchUpTimeline timeline;
  timeline.start(kJoinPts, kJoined);
  CHECK(timeline.stamp(9'000'000, kJoined + 60'000) == kJoinPts + 60'000);
  timeline.caughtUp();
  CHECK_FALSE(timeline.catchingUp());
  // Live frames that arrived a little late: below the last stamp, so stamped on, growing.
  CHECK(timeline.stamp(10'040'000, kJoined + 61'000) == kJoinPts + 61'000);
  CHECK(timeline.stamp(10'055'000, kJoined + 61'000) == kJoinPts + 62'000);
  // Past the stamps: the frame's own timestamp, and from then on whatever comes.
  CHECK(timeline.stamp(10'080'000, kJoined + 80'000) == 10'080'000);
  CHECK(timeline.stamp(10'060'000, kJoined + 81'000) == 10'060'000);
  CHECK(timeline.stamp(10'120'000, kJoined + 120'000) == 10'120'000);
}

TEST_CASE("catch-up timeline: stamps never go back, whatever the clock does") {
  CatchUpTimeline timeline;
  timeline.start(kJoinPts, kJoined);
  int64_t last = timeline.stamp(8'000'000, kJoined + 10'000);
  for (int64_t now : {kJoined + 5'000, kJoined, kJoined - 1'000'000, kJoined + 10'000}) {
    int64_t stamp = timeline.stamp(8'040'000, now);
    CHECK(stamp > last);
    last = stamp;
  }
}

}  // namespace
}  // namespace rtsedge::webrtc
