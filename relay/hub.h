#pragma once

#include <map>
#include <memory>
#include <string>

#include "relay/clock.h"
#include "relay/config.h"
#include "relay/stream.h"

namespace rtsedge {

// The registry of streams on one loop: creates a stream on first publish or play
// and retires it once it has neither source nor subscribers.
class Hub {
 public:
  Hub(const StreamSettings& settings, const Clock& clock, StreamMetrics* metrics = nullptr)
      : settings_(settings), clock_(clock), metrics_(metrics) {}

  Stream& acquire(const std::string& key);
  Stream* find(const std::string& key);
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
  std::map<std::string, std::unique_ptr<Stream>, std::less<>> streams_;
};

}  // namespace rtsedge
