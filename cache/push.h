#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/pull.h"
#include "cache/upstream_attempt.h"

namespace rtsedge {

// One connection that publishes a local stream on an upstream (RTMP or SRT push).
// Deleted through the loop's deferred deletion, like an UpstreamAttempt.
class UpstreamPusher : public uv::DeferredDeletable {
 public:
  class Listener {
   public:
    virtual void onPushStarted() = 0;
    // kind as for UpstreamAttempt::Listener::onAttemptFailed.
    virtual void onPushFailed(std::string_view kind, std::string_view detail) = 0;

   protected:
    ~Listener() = default;
  };

  // Closes the connection and unsubscribes; no callback comes after this.
  virtual void stop() = 0;
};

using PushConnector = std::function<Result<std::unique_ptr<UpstreamPusher>>(
    const UpstreamSettings& upstream, Stream& stream, const PullTarget& target, UpstreamPusher::Listener& listener)>;

// A stream published on this node, forwarded to the upstream the hashing picks for
// it (the same one every edge would pull it from), the next in the ranking on
// failure. Lasts while the stream has its publisher.
class Push final : private UpstreamPusher::Listener {
 public:
  Push(PullContext& context, const PushConnector& connect, Stream& stream, StreamKey key);
  ~Push();
  Push(const Push&) = delete;
  Push& operator=(const Push&) = delete;

  // Retries; false once the publisher is gone.
  bool tick();

  struct Info {
    std::string upstream;
    bool pushing = false;
    SteadyTime since{};
  };
  Info info() const;

 private:
  void onPushStarted() override;
  void onPushFailed(std::string_view kind, std::string_view detail) override;
  void next();
  void dropPusher();

  PullContext& context_;
  const PushConnector& connect_;
  Stream& stream_;
  StreamKey key_;
  PullTarget target_;
  std::unique_ptr<UpstreamPusher> pusher_;
  size_t current_ = 0;
  std::vector<size_t> tried_;
  bool pushing_ = false;
  SteadyTime since_{};
  SteadyTime nextTry_{};
};

}  // namespace rtsedge
