#include "cache/pull_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cache/tier_query.h"

namespace rtsedge {

namespace {

// How long a stream that no upstream had is answered "not found" without a new pull:
// viewers polling for it must not turn into a pull per poll.
constexpr Millis kNotFoundHold{1000};

std::vector<Upstream> hashedUpstreams(const std::vector<UpstreamSettings>& upstreams) {
  std::vector<Upstream> hashed;
  for (const UpstreamSettings& upstream : upstreams) {
    hashed.push_back(Upstream{upstream.url, upstream.weight});
  }
  return hashed;
}

}  // namespace

PullManager::PullManager(uv::Loop& loop, Hub& hub, const Clock& clock, const TierSettings& settings,
                         const std::vector<UpstreamSettings>& upstreams, TierMetrics& metrics, UpstreamConnector pull,
                         PushConnector push)
    : hub_(hub),
      selector_(hashedUpstreams(upstreams), clock, settings.backoffMin, settings.backoffMax),
      context_{loop,      clock,   settings,        upstreams,
               selector_, metrics, std::move(pull), settings.nodeId.empty() ? randomNodeId() : settings.nodeId},
      pushConnector_(std::move(push)) {
  spdlog::info("tier: node {} with {} upstream(s)", context_.nodeId, upstreams.size());
}

PullManager::~PullManager() = default;

Status PullManager::checkTrail(const StreamKey& key) {
  TierTrail trail = trailOf(key.query);
  if (trail.passed(context_.nodeId)) {
    context_.metrics.refused.inc();
    return Error(fmt::format("loop: the request passed this node ({}) already", context_.nodeId));
  }
  if (trail.hops > context_.settings.maxHops) {
    context_.metrics.refused.inc();
    return Error(fmt::format("{} hops: tier.max_hops is {}",
                             trail.hops == UINT32_MAX ? std::string("too many") : std::to_string(trail.hops),
                             context_.settings.maxHops));
  }
  return Status::ok();
}

Status PullManager::onDemand(const StreamKey& key) {
  if (Status trail = checkTrail(key); !trail) {
    return trail;
  }
  std::string name = key.key();
  if (auto pull = pulls_.find(name); pull != pulls_.end()) {
    pull->second->demanded();
    return Status::ok();
  }
  Stream* existing = hub_.find(name);
  if (existing != nullptr && existing->hasSource()) {
    return Status::ok();  // published here
  }
  if (auto held = notFound_.find(name); held != notFound_.end()) {
    if (context_.clock.now() < held->second) {
      return Status::ok();  // the viewer's own wait runs out
    }
    notFound_.erase(held);
  }
  Stream& stream = hub_.acquire(name);
  pulls_.emplace(name, std::make_unique<Pull>(context_, stream, key));
  return Status::ok();
}

Status PullManager::onPublished(Stream& stream, const StreamKey& key) {
  if (Status trail = checkTrail(key); !trail) {
    return trail;
  }
  if (!context_.settings.forwardPublish || pushes_.contains(key.key())) {
    return Status::ok();
  }
  pushes_.emplace(key.key(), std::make_unique<Push>(context_, pushConnector_, stream, key));
  return Status::ok();
}

void PullManager::tick() {
  SteadyTime now = context_.clock.now();
  for (auto it = pulls_.begin(); it != pulls_.end();) {
    if (it->second->tick()) {
      ++it;
      continue;
    }
    if (it->second->gaveUp()) {
      notFound_[it->first] = now + kNotFoundHold;
    }
    it = pulls_.erase(it);
  }
  for (auto it = pushes_.begin(); it != pushes_.end();) {
    it = it->second->tick() ? std::next(it) : pushes_.erase(it);
  }
  std::erase_if(notFound_, [now](const auto& entry) { return entry.second <= now; });
}

std::optional<Pull::Info> PullManager::pullInfo(const std::string& key) const {
  auto it = pulls_.find(key);
  return it == pulls_.end() ? std::nullopt : std::optional(it->second->info());
}

std::optional<Push::Info> PullManager::pushInfo(const std::string& key) const {
  auto it = pushes_.find(key);
  return it == pushes_.end() ? std::nullopt : std::optional(it->second->info());
}

}  // namespace rtsedge
