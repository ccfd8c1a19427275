#include "cache/pull.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/unit/fixtures/fake_upstream.h"

namespace rtsedge {
namespace {

// One pull of live/cam1 over three upstreams, with the selector, stream and viewer in
// the test's hands.
struct PullFixture {
  ManualClock clock;
  metrics::Registry registry;
  TierMetrics metrics{registry};
  TierSettings settings = fixtures::smallTierSettings();
  std::vector<UpstreamSettings> upstreams = fixtures::upstreamList(3);
  UpstreamSelector selector{fixtures::hashedUpstreams(upstreams), clock, settings.backoffMin, settings.backoffMax};
  std::vector<size_t> ranking = selector.ranking("live/cam1");
  fixtures::FakeUpstreams fake{clock};
  uv::Loop loop;
  StreamSettings streamSettings;
  Stream stream{"live/cam1", streamSettings, clock};
  fixtures::EventSubscriber viewer;  // outlives the pull, whose end reaches the viewers
  PullContext context{loop, clock, settings, upstreams, selector, metrics, fake.connector(), "edge1"};
  std::optional<Pull> pull;

  void start() { pull.emplace(context, stream, StreamKey{"live", "cam1", ""}); }
  const std::string& urlRanked(size_t rank) const { return upstreams[ranking[rank]].url; }
  double errors(std::string_view kind) { return metrics.error(kind).value(); }
};

TEST_CASE_FIXTURE(PullFixture, "a pull tries the upstream ranked first and pins the stream while it lives") {
  start();
  REQUIRE(fake.attempts.size() == 1);
  CHECK(fake.attempts[0].url == urlRanked(0));
  CHECK(pull->info().upstream == urlRanked(0));
  CHECK_FALSE(pull->info().playing);
  CHECK(metrics.pulls.value() == 1);
  CHECK_FALSE(stream.idle());
  pull.reset();
  CHECK(fake.attempts[0].stops == 1);
  CHECK(stream.idle());
  CHECK(metrics.pulls.value() == 0);
}

TEST_CASE_FIXTURE(PullFixture, "an upstream that cannot be connected to is marked down and the next tried at once") {
  fake.unreachable.insert(urlRanked(0));
  start();
  REQUIRE(fake.attempts.size() == 1);
  CHECK(fake.attempts[0].url == urlRanked(1));
  CHECK(errors("connect") == 1);
  CHECK(selector.isDown(ranking[0]));
}

TEST_CASE_FIXTURE(PullFixture, "a playing upstream that fails hands the viewers over to the next in the ranking") {
  stream.subscribe(viewer);
  start();
  fake.last().play();
  CHECK(stream.hasSource());
  CHECK(pull->info().playing);
  CHECK(metrics.pullConnect.count() == 1);

  fake.last().fail("closed");
  // The stall the viewers see is a failover, not an ingest gap.
  CHECK(stream.lostUpstream());
  CHECK(stream.subscriberCount() == 1);
  CHECK(viewer.events == std::vector<std::string>{"restored", "lost"});
  CHECK(selector.isDown(ranking[0]));
  CHECK(errors("closed") == 1);
  CHECK(fake.attempts[0].stops == 1);
  // Deleted on the next loop turn, not inside the callback it failed from.
  CHECK(fake.attempts[0].attempt != nullptr);
  fixtures::runDeferredDeletions(loop);
  CHECK(fake.attempts[0].attempt == nullptr);

  REQUIRE(fake.attempts.size() == 2);
  CHECK(fake.attempts[1].url == urlRanked(1));
  CHECK(fake.attempts[1].target.query == fake.attempts[0].target.query);
  CHECK_FALSE(pull->info().playing);
  CHECK(metrics.failovers.value() == 0);

  clock.advance(Millis(300));
  fake.last().play();
  CHECK(metrics.failovers.value() == 1);
  CHECK(pull->info().failovers == 1);
  CHECK(pull->info().upstream == urlRanked(1));
  CHECK(pull->info().since == clock.now());
  // Connect time of a failover counts from the failure.
  CHECK(metrics.pullConnect.count() == 2);
  CHECK(metrics.pullConnect.sum() == doctest::Approx(0.3));
  CHECK(stream.subscriberCount() == 1);
  CHECK(viewer.events == std::vector<std::string>{"restored", "lost", "restored"});
  CHECK(pull->tick());
}

TEST_CASE_FIXTURE(PullFixture, "a pull that no upstream has gives up and ends the stream for its viewers") {
  stream.subscribe(viewer);
  start();
  for (size_t rank = 0; rank < 3; ++rank) {
    REQUIRE(fake.attempts.size() == rank + 1);
    CHECK(fake.attempts[rank].url == urlRanked(rank));
    fake.last().fail("not_found");
    // An upstream that answers "no such stream" is healthy.
    CHECK_FALSE(selector.isDown(ranking[rank]));
  }
  CHECK(fake.attempts.size() == 3);
  CHECK(errors("not_found") == 3);
  CHECK(viewer.events == std::vector<std::string>{"ended"});
  CHECK(stream.subscriberCount() == 0);
  CHECK_FALSE(pull->tick());
  CHECK(fake.attempts.size() == 3);
}

TEST_CASE_FIXTURE(PullFixture, "an attempt that never plays times out after pull_wait") {
  start();
  clock.advance(settings.pullWait - Millis(1));
  CHECK(pull->tick());
  CHECK(fake.attempts.size() == 1);
  clock.advance(Millis(1));
  CHECK(pull->tick());
  CHECK(errors("timeout") == 1);
  CHECK(fake.attempts[0].stops == 1);
  // A stream that never started says nothing about the upstream: other streams still use it.
  CHECK_FALSE(selector.isDown(ranking[0]));
  REQUIRE(fake.attempts.size() == 2);
  CHECK(fake.attempts[1].url == urlRanked(1));
}

TEST_CASE_FIXTURE(PullFixture, "a playing upstream that sends no media for no_media_timeout has failed") {
  stream.subscribe(viewer);
  start();
  fake.last().play();
  for (int i = 0; i < 10; ++i) {
    clock.advance(settings.noMediaTimeout - Millis(1));
    fake.last().media();
    CHECK(pull->tick());
  }
  CHECK(fake.attempts.size() == 1);
  clock.advance(settings.noMediaTimeout - Millis(1));
  CHECK(pull->tick());
  clock.advance(Millis(1));
  CHECK(pull->tick());
  CHECK(errors("no_media") == 1);
  CHECK(fake.attempts[0].stops == 1);
  CHECK_FALSE(stream.hasSource());
  CHECK(stream.lostUpstream());
  CHECK(stream.subscriberCount() == 1);
  REQUIRE(fake.attempts.size() == 2);
  CHECK(fake.attempts[1].url == urlRanked(1));
}

TEST_CASE_FIXTURE(PullFixture, "with every upstream down the pull waits, then retries once the backoff passes") {
  for (size_t i = 0; i < upstreams.size(); ++i) {
    selector.markFailed(i);
  }
  start();
  CHECK(fake.attempts.empty());
  CHECK(pull->info().upstream.empty());
  CHECK_FALSE(stream.idle());
  clock.advance(settings.backoffMin - Millis(1));
  CHECK(pull->tick());
  CHECK(fake.attempts.empty());
  clock.advance(Millis(1));
  CHECK(pull->tick());
  REQUIRE(fake.attempts.size() == 1);
  CHECK(fake.attempts[0].url == urlRanked(0));
}

TEST_CASE_FIXTURE(PullFixture, "a pull that played waits for an upstream past pull_wait rather than giving up") {
  stream.subscribe(viewer);
  start();
  fake.last().play();
  for (size_t rank = 0; rank < 3; ++rank) {
    fake.last().fail("closed");
  }
  CHECK(fake.attempts.size() == 3);
  CHECK(pull->info().upstream.empty());
  clock.advance(settings.pullWait);
  CHECK(pull->tick());
  // The first upstream's backoff ran out long ago: it is tried again.
  REQUIRE(fake.attempts.size() == 4);
  CHECK(fake.attempts[3].url == urlRanked(0));
  CHECK(stream.subscriberCount() == 1);
  fake.last().play();
  CHECK(metrics.failovers.value() == 1);
}

TEST_CASE_FIXTURE(PullFixture, "a pull nobody watched or asked for in idle_timeout stops") {
  start();
  fake.last().play();
  clock.advance(settings.idleTimeout - Millis(1000));
  fake.last().media();
  pull->demanded();
  clock.advance(settings.idleTimeout - Millis(1));
  fake.last().media();
  CHECK(pull->tick());
  clock.advance(Millis(1));
  CHECK_FALSE(pull->tick());
  CHECK(fake.attempts[0].stops == 1);
  CHECK_FALSE(stream.hasSource());
}

TEST_CASE_FIXTURE(PullFixture, "a pull with a viewer never idles") {
  stream.subscribe(viewer);
  start();
  fake.last().play();
  for (int i = 0; i < 30; ++i) {
    clock.advance(Millis(500));
    fake.last().media();
    CHECK(pull->tick());
  }
  CHECK(fake.attempts[0].stops == 0);
}

// Idle time counts from the last viewer's leaving, not from the last demand: a player
// that watched longer than idle_timeout and reconnects at once finds the pull still there.
TEST_CASE_FIXTURE(PullFixture, "a pull whose last viewer just left stops only after idle_timeout") {
  stream.subscribe(viewer);
  start();
  fake.last().play();
  for (int i = 0; i < 30; ++i) {
    clock.advance(Millis(500));
    fake.last().media();
    CHECK(pull->tick());
  }
  stream.unsubscribe(viewer);
  clock.advance(Millis(500));
  fake.last().media();
  CHECK(pull->tick());
  CHECK(fake.attempts[0].stops == 0);
}

}  // namespace
}  // namespace rtsedge
