#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/tier_metrics.h"
#include "cache/upstream_attempt.h"
#include "cache/upstream_selector.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/stream.h"
#include "relay/stream_key.h"
#include "relay/uv/loop.h"

namespace rtsedge {

// What every pull of a node shares.
struct PullContext {
  uv::Loop& loop;
  const Clock& clock;
  const TierSettings& settings;
  const std::vector<UpstreamSettings>& upstreams;
  UpstreamSelector& selector;
  TierMetrics& metrics;
  UpstreamConnector connect;
  std::string nodeId;
};

// One stream pulled from the tier above: the upstream the hashing ranks first, then
// down the ranking on failure. Viewers stay attached through a failover: the stream
// keeps its subscribers while the next upstream connects (streams.source_grace) and
// resumes at the next keyframe on a monotonic timeline. The pull pins the stream while
// it connects, and stops when no viewer wanted it for tier.idle_timeout.
class Pull final : private UpstreamAttempt::Listener {
 public:
  Pull(PullContext& context, Stream& stream, StreamKey key);
  ~Pull();
  Pull(const Pull&) = delete;
  Pull& operator=(const Pull&) = delete;

  // A viewer asked for the stream now.
  void demanded() { lastDemand_ = context_.clock.now(); }
  // Timeouts and retries; false once the pull is over (idle, or no upstream has the stream).
  bool tick();

  // For the API.
  struct Info {
    std::string upstream;  // the URL it plays from or tries; empty while waiting to retry
    bool playing = false;
    SteadyTime since{};  // playing from that upstream since
    uint64_t failovers = 0;
  };
  Info info() const;
  // It ended because no upstream had the stream (not for being idle).
  bool gaveUp() const { return gaveUp_; }

 private:
  enum class State { kConnecting, kPlaying, kWaiting, kOver };

  void onAttemptPlaying() override;
  void onAttemptFailed(std::string_view kind, std::string_view detail) override;
  // Tries the best upstream not tried in this round, or waits for one to come back up.
  void next();
  void dropAttempt();
  void giveUp(std::string_view reason);

  PullContext& context_;
  Stream& stream_;
  StreamKey key_;
  PullTarget target_;
  State state_ = State::kWaiting;
  std::unique_ptr<UpstreamAttempt> attempt_;
  size_t current_ = 0;           // the upstream of attempt_
  std::vector<size_t> tried_;    // this round, best first
  SteadyTime started_;           // the pull
  SteadyTime attemptStarted_{};  // the current attempt
  SteadyTime since_{};           // playing since
  SteadyTime lastDemand_;
  std::optional<SteadyTime> failoverStarted_;  // the playing upstream failed then
  SteadyTime nextTry_{};
  bool everPlayed_ = false;
  bool gaveUp_ = false;
  uint64_t failovers_ = 0;
};

}  // namespace rtsedge
