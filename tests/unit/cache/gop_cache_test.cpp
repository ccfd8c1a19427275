#include "cache/gop_cache.h"

#include <doctest/doctest.h>

namespace rtsedge {
namespace {

FramePtr frame(TrackKind kind, int64_t dtsMs, bool keyframe, size_t size = 100) {
  auto f = std::make_shared<MediaFrame>();
  f->kind = kind;
  f->dtsUs = f->ptsUs = dtsMs * 1000;
  f->keyframe = keyframe;
  f->payload = Bytes::copyOf(std::vector<uint8_t>(size, 0));
  return f;
}

TEST_CASE("the GOP cache holds the frames since the latest keyframe") {
  GopCache cache({true, Millis(10000), 1 << 20});
  cache.add(frame(TrackKind::kVideo, 0, false));  // before any keyframe: not decodable, not kept
  CHECK(cache.frames().empty());
  cache.add(frame(TrackKind::kVideo, 40, true));
  cache.add(frame(TrackKind::kAudio, 50, false));
  cache.add(frame(TrackKind::kVideo, 80, false));
  CHECK(cache.frames().size() == 3);
  CHECK(cache.frames().front()->keyframe);
  cache.add(frame(TrackKind::kVideo, 120, true));
  REQUIRE(cache.frames().size() == 1);
  CHECK(cache.frames().front()->dtsUs == 120000);
  CHECK(cache.bytes() == 100);
}

TEST_CASE("a GOP longer than the duration bound is dropped until the next keyframe") {
  GopCache cache({true, Millis(1000), 1 << 20});
  cache.add(frame(TrackKind::kVideo, 0, true));
  for (int t = 40; t <= 1000; t += 40) {
    cache.add(frame(TrackKind::kVideo, t, false));
  }
  CHECK_FALSE(cache.frames().empty());
  cache.add(frame(TrackKind::kVideo, 1040, false));
  CHECK(cache.frames().empty());
  CHECK(cache.overflows() == 1);
  cache.add(frame(TrackKind::kVideo, 1080, false));
  CHECK(cache.frames().empty());
  cache.add(frame(TrackKind::kVideo, 1120, true));
  CHECK(cache.frames().size() == 1);
}

TEST_CASE("a stream without keyframes cannot grow the cache past its byte bound") {
  GopCache cache({true, Millis(10000), 10000});
  cache.add(frame(TrackKind::kVideo, 0, true, 1000));
  for (int i = 1; i < 10000; ++i) {
    cache.add(frame(TrackKind::kVideo, i, false, 1000));
    REQUIRE(cache.bytes() <= 10000);
  }
  CHECK(cache.overflows() == 1);
}

TEST_CASE("audio-only streams and a disabled cache keep nothing") {
  GopCache audioOnly({true, Millis(10000), 1 << 20});
  for (int i = 0; i < 100; ++i) {
    audioOnly.add(frame(TrackKind::kAudio, i * 21, false));
  }
  CHECK(audioOnly.frames().empty());
  GopCache disabled({false, Millis(10000), 1 << 20});
  disabled.add(frame(TrackKind::kVideo, 0, true));
  CHECK(disabled.frames().empty());
}

}  // namespace
}  // namespace rtsedge
