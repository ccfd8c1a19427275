#include "relay/hub.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace rtsedge {

Stream& Hub::acquire(const std::string& key) {
  auto& slot = streams_[key];
  if (!slot) {
    slot = std::make_unique<Stream>(key, settings_, clock_, metrics_);
    spdlog::debug("stream {} created", key);
  }
  return *slot;
}

Stream* Hub::find(const std::string& key) {
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : it->second.get();
}

Status Hub::admit(const std::string& key, bool viewer) const {
  auto it = streams_.find(key);
  if (it == streams_.end()) {
    if (streams_.size() >= settings_.maxStreams) {
      return Error(fmt::format("this node has {} streams, its limit (streams.max_streams)", streams_.size()));
    }
    return Status::ok();
  }
  if (viewer && it->second->subscriberCount() >= settings_.maxViewersPerStream) {
    return Error(fmt::format("{} has {} viewers, its limit (streams.max_viewers_per_stream)", key,
                             it->second->subscriberCount()));
  }
  return Status::ok();
}

void Hub::tick() {
  int64_t live = 0;
  int64_t cacheBytes = 0;
  for (auto it = streams_.begin(); it != streams_.end();) {
    it->second->tick();
    live += it->second->hasSource() ? 1 : 0;
    cacheBytes += static_cast<int64_t>(it->second->gopCache().bytes());
    if (it->second->idle()) {
      spdlog::debug("stream {} retired", it->first);
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
  if (metrics_ != nullptr) {
    metrics_->streams.labels({"live"}).set(live);
    metrics_->streams.labels({"waiting"}).set(static_cast<int64_t>(streams_.size()) - live);
    metrics_->gopCacheBytes.set(cacheBytes);
  }
}

}  // namespace rtsedge
