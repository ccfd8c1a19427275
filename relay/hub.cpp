#include "relay/hub.h"

#include <spdlog/spdlog.h>

namespace rtsedge {

Stream& Hub::acquire(const std::string& key) {
  auto& slot = streams_[key];
  if (!slot) {
    slot = std::make_unique<Stream>(key, settings_, clock_);
    spdlog::debug("stream {} created", key);
  }
  return *slot;
}

Stream* Hub::find(const std::string& key) {
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Hub::tick() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    it->second->tick();
    if (it->second->idle()) {
      spdlog::debug("stream {} retired", it->first);
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace rtsedge
