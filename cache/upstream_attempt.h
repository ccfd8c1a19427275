#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "relay/clock.h"
#include "relay/config.h"
#include "relay/status.h"
#include "relay/stream.h"
#include "relay/uv/loop.h"

namespace rtsedge {

// What a pull asks an upstream for.
struct PullTarget {
  std::string app;
  std::string name;
  std::string query;  // the tier trail, and the viewer's parameters where passed on
};

// One connection to one upstream that plays one stream into the local Stream, as a
// source marked upstream. Made by the protocol the upstream's URL names (RTMP, SRT).
// Destroyed through the loop's deferred deletion: a failure is reported from inside
// the attempt's own callbacks.
class UpstreamAttempt : public uv::DeferredDeletable {
 public:
  class Listener {
   public:
    // Media from this upstream reached the stream, for the first time.
    virtual void onAttemptPlaying() = 0;
    // The attempt ended; its connection is closed. kind: connect, handshake, refused,
    // not_found, closed, protocol (the label of rtsedge_upstream_errors_total).
    virtual void onAttemptFailed(std::string_view kind, std::string_view detail) = 0;

   protected:
    ~Listener() = default;
  };

  // When media last arrived; nullopt before any.
  virtual std::optional<SteadyTime> lastMedia() const = 0;
  // Closes the connection and detaches the source; no callback comes after this.
  virtual void stop() = 0;
};

// Starts an attempt; an Error when it cannot even start (the attempt is then not made).
using UpstreamConnector = std::function<Result<std::unique_ptr<UpstreamAttempt>>(
    const UpstreamSettings& upstream, Stream& stream, const PullTarget& target, UpstreamAttempt::Listener& listener)>;

}  // namespace rtsedge
