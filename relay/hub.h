#pragma once

#include <map>
#include <memory>
#include <string>

#include "relay/clock.h"
#include "relay/config.h"
#include "relay/status.h"
#include "relay/stream.h"
#include "relay/stream_key.h"

namespace rtsedge {

// The registry of streams on one loop: creates a stream on first publish or play
// and retires it once it has neither source nor subscribers.
class Hub {
 public:
  // What a node with upstreams does about streams (the tier logic): pull what
  // viewers want and it lacks, forward what is published on it.
  class Tier {
   public:
    // A viewer wants the stream (each time it looks for it). An Error refuses the
    // request at once: a loop, or too many hops.
    virtual Status onDemand(const StreamKey& key) = 0;
    // A publisher started on the stream here. An Error refuses it (a loop of pushes).
    virtual Status onPublished(Stream& stream, const StreamKey& key) = 0;

   protected:
    ~Tier() = default;
  };

  Hub(const StreamSettings& settings, const Clock& clock, StreamMetrics* metrics = nullptr)
      : settings_(settings), clock_(clock), metrics_(metrics) {}

  Stream& acquire(const std::string& key);
  void setTier(Tier* tier) { tier_ = tier; }
  Status demand(const StreamKey& key) { return tier_ != nullptr ? tier_->onDemand(key) : Status::ok(); }
  Status published(Stream& stream, const StreamKey& key) {
    return tier_ != nullptr ? tier_->onPublished(stream, key) : Status::ok();
  }
  Stream* find(const std::string& key);
  // Whether a publisher, or a viewer, may have the stream now: a new stream within
  // streams.max_streams, a viewer within streams.max_viewers_per_stream. An Error says
  // which limit; the session refuses its client with it (RTMP status, HTTP 503, SRT close).
  Status admit(const std::string& key, bool viewer) const;
  size_t streamCount() const { return streams_.size(); }
  template <class Fn>
  void forEach(Fn&& fn) {
    for (auto& [key, stream] : streams_) {
      fn(*stream);
    }
  }

  // Called periodically: lets streams end overdue waits, then retires idle ones.
  // Retiring only here, never inside a session's callback, keeps every Stream&
  // a session holds during a callback valid.
  void tick();

 private:
  const StreamSettings& settings_;
  const Clock& clock_;
  StreamMetrics* metrics_;
  Tier* tier_ = nullptr;
  std::map<std::string, std::unique_ptr<Stream>, std::less<>> streams_;
};

}  // namespace rtsedge
