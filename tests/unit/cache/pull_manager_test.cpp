#include "cache/pull_manager.h"

#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/fixtures/fake_upstream.h"

namespace rtsedge {
namespace {

// One push the manager started; through its listener the test plays the upstream.
struct PushRecord {
  std::string url;
  PullTarget target;
  UpstreamPusher::Listener* listener = nullptr;
  int stops = 0;
};

class FakePusher final : public UpstreamPusher {
 public:
  explicit FakePusher(PushRecord& record) : record_(record) {}
  void stop() override { ++record_.stops; }

 private:
  PushRecord& record_;
};

// A publisher on this node.
struct Publisher final : Source {
  void onSourceReplaced() override {}
};

// A node with upstreams: hub, tier logic and fake upstreams.
struct Node {
  explicit Node(std::vector<UpstreamSettings> list = fixtures::upstreamList(3)) : upstreams(std::move(list)) {
    hub.setTier(&manager);
  }

  PushConnector pushConnector() {
    return [this](const UpstreamSettings& upstream, Stream&, const PullTarget& target,
                  UpstreamPusher::Listener& listener) -> Result<std::unique_ptr<UpstreamPusher>> {
      PushRecord& record = pushes.emplace_back(PushRecord{upstream.url, target, &listener});
      return std::unique_ptr<UpstreamPusher>(std::make_unique<FakePusher>(record));
    };
  }

  // The upstream every node ranks first for `key`.
  const std::string& firstFor(std::string_view key) {
    UpstreamSelector selector(fixtures::hashedUpstreams(upstreams), clock, Millis(1), Millis(1));
    return upstreams[selector.ranking(key).front()].url;
  }

  ManualClock clock;
  metrics::Registry registry;
  TierMetrics metrics{registry};
  TierSettings settings = fixtures::smallTierSettings();
  std::vector<UpstreamSettings> upstreams;
  StreamSettings streamSettings;
  fixtures::FakeUpstreams fake{clock};
  std::deque<PushRecord> pushes;
  uv::Loop loop;
  // Outlive the streams and pulls that reach them.
  fixtures::EventSubscriber viewer;
  Publisher publisher;
  Hub hub{streamSettings, clock};
  PullManager manager{loop, hub, clock, settings, upstreams, metrics, fake.connector(), pushConnector()};
};

const StreamKey kCam1{"live", "cam1", ""};

TEST_CASE("the first demand of an absent stream starts one pull that later demands share") {
  Node node;
  for (int i = 0; i < 5; ++i) {
    CHECK(node.hub.demand(kCam1));
  }
  REQUIRE(node.fake.attempts.size() == 1);
  CHECK(node.fake.attempts[0].url == node.firstFor("live/cam1"));
  CHECK(node.metrics.pulls.value() == 1);
  CHECK(node.hub.find("live/cam1") != nullptr);
  REQUIRE(node.manager.pullInfo("live/cam1"));
  CHECK(node.manager.pullInfo("live/cam1")->upstream == node.firstFor("live/cam1"));
  CHECK(node.manager.nodeId() == "edge1");
}

TEST_CASE("a pull asks upstream with this node's trail, and the viewer's query when passed on") {
  Node node;
  node.settings.passQuery = true;
  REQUIRE(node.manager.onDemand({"live", "cam1", "token=abc"}));
  REQUIRE(node.manager.onDemand({"live", "cam2", "rtsedge_hops=1&rtsedge_via=mid0&token=abc&rtsedge_sign=f00"}));
  node.settings.passQuery = false;
  REQUIRE(node.manager.onDemand({"live", "cam3", "token=abc"}));
  REQUIRE(node.fake.attempts.size() == 3);
  const PullTarget& first = node.fake.attempts[0].target;
  CHECK(first.app == "live");
  CHECK(first.name == "cam1");
  CHECK(first.query == "token=abc&rtsedge_hops=1&rtsedge_via=edge1");
  CHECK(node.fake.attempts[1].target.query == "token=abc&rtsedge_hops=2&rtsedge_via=mid0.edge1");
  CHECK(node.fake.attempts[2].target.query == "rtsedge_hops=1&rtsedge_via=edge1");
}

TEST_CASE("an upstream URL with an app pulls every stream from that app") {
  std::vector<UpstreamSettings> list = fixtures::upstreamList(1);
  list[0].url = "rtmp://10.0.0.9:1935/origin";
  list[0].app = "origin";
  Node node(list);
  REQUIRE(node.manager.onDemand(kCam1));
  REQUIRE(node.fake.attempts.size() == 1);
  CHECK(node.fake.attempts[0].target.app == "origin");
  CHECK(node.fake.attempts[0].target.name == "cam1");
}

TEST_CASE("a stream published here is not pulled") {
  Node node;
  REQUIRE(node.hub.acquire("live/cam1").attachSource(node.publisher));
  CHECK(node.manager.onDemand(kCam1));
  CHECK(node.fake.attempts.empty());
  node.hub.find("live/cam1")->detachSource(node.publisher);
}

TEST_CASE("a stream no upstream has is answered without a pull for a second") {
  Node node;
  REQUIRE(node.manager.onDemand(kCam1));
  node.hub.find("live/cam1")->subscribe(node.viewer);
  for (size_t i = 0; i < node.upstreams.size(); ++i) {
    node.fake.last().fail("not_found");
  }
  CHECK(node.viewer.events == std::vector<std::string>{"ended"});
  node.manager.tick();
  CHECK_FALSE(node.manager.pullInfo("live/cam1"));
  CHECK(node.metrics.pulls.value() == 0);
  node.hub.tick();
  CHECK(node.hub.find("live/cam1") == nullptr);

  node.clock.advance(Millis(999));
  node.manager.tick();
  CHECK(node.manager.onDemand(kCam1));
  CHECK(node.fake.attempts.size() == 3);
  CHECK_FALSE(node.manager.pullInfo("live/cam1"));
  node.clock.advance(Millis(1));
  CHECK(node.manager.onDemand(kCam1));
  CHECK(node.fake.attempts.size() == 4);
  CHECK(node.manager.pullInfo("live/cam1"));
}

TEST_CASE("a pull nobody watched or asked for in idle_timeout stops, and its stream is retired") {
  Node node;
  REQUIRE(node.manager.onDemand(kCam1));
  node.fake.last().play();
  node.clock.advance(node.settings.idleTimeout - Millis(1));
  node.fake.last().media();
  node.manager.tick();
  node.hub.tick();
  CHECK(node.manager.pullInfo("live/cam1"));
  node.clock.advance(Millis(1));
  node.manager.tick();
  CHECK_FALSE(node.manager.pullInfo("live/cam1"));
  CHECK(node.fake.attempts[0].stops == 1);
  CHECK(node.metrics.pulls.value() == 0);
  REQUIRE(node.hub.find("live/cam1") != nullptr);
  CHECK_FALSE(node.hub.find("live/cam1")->hasSource());
  node.hub.tick();
  CHECK(node.hub.find("live/cam1") == nullptr);
  fixtures::runDeferredDeletions(node.loop);
  CHECK(node.fake.attempts[0].attempt == nullptr);
}

// Only a pull that gave up is held as "not found": a viewer arriving right after an
// idle pull stopped starts a new one at once.
TEST_CASE("a stream whose idle pull stopped can be pulled again at once") {
  Node node;
  REQUIRE(node.manager.onDemand(kCam1));
  node.fake.last().play();
  node.clock.advance(node.settings.idleTimeout);
  node.fake.last().media();
  node.manager.tick();
  REQUIRE_FALSE(node.manager.pullInfo("live/cam1"));
  CHECK(node.manager.onDemand(kCam1));
  CHECK(node.fake.attempts.size() == 2);
}

TEST_CASE("requests that passed this node already or too many nodes are refused") {
  Node node;
  Status looped = node.hub.demand({"live", "cam1", "rtsedge_hops=2&rtsedge_via=mid0.edge1"});
  REQUIRE_FALSE(looped);
  CHECK(looped.error().message().find("loop") != std::string::npos);
  CHECK(node.metrics.refused.value() == 1);
  // max_hops is 3: a request that passed 4 nodes is one too many.
  CHECK_FALSE(node.manager.onDemand({"live", "cam1", "rtsedge_hops=4&rtsedge_via=a.b.c.d"}));
  CHECK(node.metrics.refused.value() == 2);
  // A count that does not parse is not trusted low.
  CHECK_FALSE(node.manager.onDemand({"live", "cam1", "rtsedge_hops=two"}));
  CHECK(node.metrics.refused.value() == 3);
  CHECK(node.fake.attempts.empty());
  CHECK(node.hub.find("live/cam1") == nullptr);

  CHECK(node.manager.onDemand({"live", "cam1", "rtsedge_hops=3&rtsedge_via=a.b.c"}));
  CHECK(node.fake.attempts.size() == 1);
  CHECK(node.metrics.refused.value() == 3);
}

TEST_CASE("a stream published here is pushed upstream once, for as long as its publisher stays") {
  Node node;
  node.settings.passQuery = true;
  Stream& stream = node.hub.acquire("live/cam1");
  REQUIRE(stream.attachSource(node.publisher));
  StreamKey key{"live", "cam1", "token=t"};
  CHECK(node.hub.published(stream, key));
  CHECK(node.manager.onPublished(stream, key));
  REQUIRE(node.pushes.size() == 1);
  CHECK(node.pushes[0].url == node.firstFor("live/cam1"));
  CHECK(node.pushes[0].target.app == "live");
  CHECK(node.pushes[0].target.name == "cam1");
  CHECK(node.pushes[0].target.query == "token=t&rtsedge_hops=1&rtsedge_via=edge1");
  CHECK(node.metrics.pushes.value() == 1);
  REQUIRE(node.manager.pushInfo("live/cam1"));
  CHECK_FALSE(node.manager.pushInfo("live/cam1")->pushing);
  node.pushes[0].listener->onPushStarted();
  CHECK(node.manager.pushInfo("live/cam1")->pushing);
  CHECK(node.manager.pushInfo("live/cam1")->upstream == node.firstFor("live/cam1"));

  node.manager.tick();
  CHECK(node.manager.pushInfo("live/cam1"));
  stream.detachSource(node.publisher);
  node.manager.tick();
  CHECK_FALSE(node.manager.pushInfo("live/cam1"));
  CHECK(node.pushes[0].stops == 1);
  CHECK(node.metrics.pushes.value() == 0);
  node.hub.tick();
  CHECK(node.hub.find("live/cam1") == nullptr);
}

TEST_CASE("a push that came through this node already is refused") {
  Node node;
  Stream& stream = node.hub.acquire("live/cam1");
  REQUIRE(stream.attachSource(node.publisher));
  Status looped = node.manager.onPublished(stream, {"live", "cam1", "rtsedge_hops=1&rtsedge_via=edge1"});
  REQUIRE_FALSE(looped);
  CHECK(looped.error().message().find("loop") != std::string::npos);
  CHECK(node.metrics.refused.value() == 1);
  CHECK(node.pushes.empty());
  CHECK_FALSE(node.manager.pushInfo("live/cam1"));
  stream.detachSource(node.publisher);
}

TEST_CASE("with forward_publish off a publish here stays here") {
  Node node;
  node.settings.forwardPublish = false;
  Stream& stream = node.hub.acquire("live/cam1");
  REQUIRE(stream.attachSource(node.publisher));
  CHECK(node.manager.onPublished(stream, kCam1));
  CHECK(node.pushes.empty());
  stream.detachSource(node.publisher);
}

}  // namespace
}  // namespace rtsedge
