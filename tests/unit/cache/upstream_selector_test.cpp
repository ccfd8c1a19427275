#include "cache/upstream_selector.h"

#include <doctest/doctest.h>

#include <array>

namespace rtsedge {
namespace {

std::vector<Upstream> upstreams(std::vector<uint32_t> weights) {
  std::vector<Upstream> list;
  for (size_t i = 0; i < weights.size(); ++i) {
    list.push_back({"rtmp://10.0.0." + std::to_string(i + 1) + ":1935/live", weights[i]});
  }
  return list;
}

std::string streamKey(int i) {
  return "live/stream" + std::to_string(i);
}

// How many of 10 000 stream keys each upstream gets first.
std::vector<int> firstChoices(const UpstreamSelector& selector) {
  std::vector<int> counts(selector.size());
  for (int i = 0; i < 10000; ++i) {
    ++counts[selector.ranking(streamKey(i)).front()];
  }
  return counts;
}

TEST_CASE("the ranking of a stream key is a fixed permutation, the same on every node") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 1, 1, 1}), clock, Millis(1000), Millis(8000));
  ManualClock otherClock;
  otherClock.advance(Millis(12345));
  UpstreamSelector otherNode(upstreams({1, 1, 1, 1}), otherClock, Millis(500), Millis(500));

  CHECK(selector.ranking("live/cam1") == selector.ranking("live/cam1"));
  CHECK(selector.ranking("live/cam1") == otherNode.ranking("live/cam1"));
  // Pinned values: a hash that changed between builds or platforms would split one
  // stream's edges over several mid nodes.
  CHECK(selector.ranking("live/cam1") == std::vector<size_t>{1, 3, 0, 2});
  CHECK(selector.ranking("live/cam2") == std::vector<size_t>{2, 0, 3, 1});
  UpstreamSelector weighted(upstreams({1, 3, 10}), clock, Millis(1000), Millis(8000));
  CHECK(weighted.ranking("live/cam1") == std::vector<size_t>{1, 2, 0});
}

TEST_CASE("equal upstreams share the stream keys evenly") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 1, 1, 1}), clock, Millis(1000), Millis(8000));
  for (int count : firstChoices(selector)) {
    CHECK(count >= 2200);
    CHECK(count <= 2800);
  }
}

TEST_CASE("stream keys are shared in proportion to the weights") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 1, 2}), clock, Millis(1000), Millis(8000));
  std::vector<int> counts = firstChoices(selector);
  std::array<int, 3> expected = {2500, 2500, 5000};
  for (size_t i = 0; i < counts.size(); ++i) {
    CHECK(counts[i] >= expected[i] - 300);
    CHECK(counts[i] <= expected[i] + 300);
  }
}

TEST_CASE("removing an upstream moves only the stream keys that were on it") {
  ManualClock clock;
  std::vector<Upstream> all = upstreams({1, 2, 1, 3, 1});
  std::vector<Upstream> without = all;
  without.erase(without.begin() + 2);
  UpstreamSelector before(all, clock, Millis(1000), Millis(8000));
  UpstreamSelector after(without, clock, Millis(1000), Millis(8000));

  int moved = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string& was = before.upstream(before.ranking(streamKey(i)).front()).url;
    const std::string& is = after.upstream(after.ranking(streamKey(i)).front()).url;
    if (was == all[2].url) {
      ++moved;
    } else {
      CHECK(was == is);
    }
  }
  CHECK(moved > 0);
}

TEST_CASE("pick fails over down the ranking") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 1, 1, 1}), clock, Millis(1000), Millis(8000));
  std::vector<size_t> ranking = selector.ranking("live/cam1");
  CHECK(selector.pick("live/cam1") == ranking[0]);
  selector.markFailed(ranking[0]);
  CHECK(selector.pick("live/cam1") == ranking[1]);
  selector.markFailed(ranking[1]);
  CHECK(selector.pick("live/cam1") == ranking[2]);
  selector.markSucceeded(ranking[0]);
  CHECK(selector.pick("live/cam1") == ranking[0]);
}

TEST_CASE("the backoff doubles from min to max, expires into a probe and resets on success") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 1}), clock, Millis(1000), Millis(5000));
  CHECK_FALSE(selector.isDown(0));

  for (Millis backoff : {Millis(1000), Millis(2000), Millis(4000), Millis(5000), Millis(5000)}) {
    SteadyTime failedAt = clock.now();
    selector.markFailed(0);
    CHECK(selector.downUntil(0) == failedAt + backoff);
    clock.advance(backoff - Millis(1));
    CHECK(selector.isDown(0));
    clock.advance(Millis(1));
    CHECK_FALSE(selector.isDown(0));  // eligible again: the next pull probes it
  }
  CHECK_FALSE(selector.isDown(1));

  selector.markSucceeded(0);
  selector.markFailed(0);
  CHECK(selector.downUntil(0) == clock.now() + Millis(1000));
}

TEST_CASE("a failure reported while already down neither extends nor escalates the backoff") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 1}), clock, Millis(1000), Millis(8000));
  selector.markFailed(0);
  SteadyTime until = selector.downUntil(0);
  for (int i = 0; i < 10; ++i) {  // the other pulls that were on it when it went away
    clock.advance(Millis(50));
    selector.markFailed(0);
  }
  CHECK(selector.downUntil(0) == until);
  clock.advance(Millis(500));
  CHECK_FALSE(selector.isDown(0));
  selector.markFailed(0);  // the probe failed
  CHECK(selector.downUntil(0) == clock.now() + Millis(2000));
}

TEST_CASE("pick returns nothing when every upstream is down") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 2, 3}), clock, Millis(1000), Millis(8000));
  for (size_t i = 0; i < selector.size(); ++i) {
    selector.markFailed(i);
  }
  CHECK_FALSE(selector.pick("live/cam1").has_value());
  clock.advance(Millis(1000));
  CHECK(selector.pick("live/cam1") == selector.ranking("live/cam1").front());

  UpstreamSelector none({}, clock, Millis(1000), Millis(8000));
  CHECK(none.ranking("live/cam1").empty());
  CHECK_FALSE(none.pick("live/cam1").has_value());
}

TEST_CASE("pick skips the upstreams this pull tried already") {
  ManualClock clock;
  UpstreamSelector selector(upstreams({1, 1, 1}), clock, Millis(1000), Millis(8000));
  std::vector<size_t> ranking = selector.ranking("live/cam1");
  std::vector<size_t> tried = {ranking[0]};
  CHECK(selector.pick("live/cam1", tried) == ranking[1]);
  selector.markFailed(ranking[1]);
  CHECK(selector.pick("live/cam1", tried) == ranking[2]);
  tried.push_back(ranking[2]);
  CHECK_FALSE(selector.pick("live/cam1", tried).has_value());
  CHECK(selector.upstream(ranking[0]).url == "rtmp://10.0.0." + std::to_string(ranking[0] + 1) + ":1935/live");
}

}  // namespace
}  // namespace rtsedge
