#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/pull.h"
#include "cache/push.h"
#include "cache/tier_metrics.h"
#include "cache/upstream_selector.h"
#include "relay/hub.h"

namespace rtsedge {

// The tier logic of a node with upstreams (docs/tiers.md): the first viewer
// of a stream the node lacks starts one pull that every later viewer shares; a stream
// published here is pushed upstream. Requests that looped back here or went too deep
// are refused. Loop-confined, like the hub.
class PullManager final : public Hub::Tier {
 public:
  PullManager(uv::Loop& loop, Hub& hub, const Clock& clock, const TierSettings& settings,
              const std::vector<UpstreamSettings>& upstreams, TierMetrics& metrics, UpstreamConnector pull,
              PushConnector push);
  ~PullManager();

  Status onDemand(const StreamKey& key) override;
  Status onPublished(Stream& stream, const StreamKey& key) override;
  // Called periodically: pull timeouts, retries and idle teardown; pushes of ended publishes.
  void tick();

  const std::string& nodeId() const { return context_.nodeId; }
  std::optional<Pull::Info> pullInfo(const std::string& key) const;
  std::optional<Push::Info> pushInfo(const std::string& key) const;

 private:
  // A request that passed this node already, or too many nodes, is refused.
  Status checkTrail(const StreamKey& key);

  Hub& hub_;
  UpstreamSelector selector_;
  PullContext context_;
  PushConnector pushConnector_;
  std::map<std::string, std::unique_ptr<Pull>, std::less<>> pulls_;
  std::map<std::string, std::unique_ptr<Push>, std::less<>> pushes_;
  // Streams no upstream had, and until when a new pull for them is not started.
  std::map<std::string, SteadyTime, std::less<>> notFound_;
};

}  // namespace rtsedge
