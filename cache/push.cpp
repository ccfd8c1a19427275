#include "cache/push.h"

#include <spdlog/spdlog.h>

#include "cache/tier_query.h"

namespace rtsedge {

Push::Push(PullContext& context, const PushConnector& connect, Stream& stream, StreamKey key)
    : context_(context), connect_(connect), stream_(stream), key_(std::move(key)) {
  stream_.pin();
  context_.metrics.pushes.add(1);
  target_.name = key_.name;
  target_.query = upstreamQuery(key_.query, context_.settings.passQuery, context_.nodeId);
  next();
}

Push::~Push() {
  dropPusher();
  stream_.unpin();
  context_.metrics.pushes.add(-1);
}

Push::Info Push::info() const {
  Info info;
  info.pushing = pushing_;
  info.since = since_;
  if (pusher_) {
    info.upstream = context_.upstreams[current_].url;
  }
  return info;
}

void Push::dropPusher() {
  if (pusher_) {
    pusher_->stop();
    context_.loop.deferDelete(std::move(pusher_));
  }
  pushing_ = false;
}

void Push::next() {
  while (auto index = context_.selector.pick(key_.key(), tried_)) {
    tried_.push_back(*index);
    const UpstreamSettings& upstream = context_.upstreams[*index];
    target_.app = upstream.app.empty() ? key_.app : upstream.app;
    auto pusher = connect_(upstream, stream_, target_, *this);
    if (!pusher) {
      context_.metrics.error("connect").inc();
      context_.selector.markFailed(*index);
      spdlog::warn("push {}: {}: {}", key_.key(), upstream.url, pusher.error().message());
      continue;
    }
    pusher_ = std::move(*pusher);
    current_ = *index;
    return;
  }
  // Every upstream is down or tried: a new round after the shortest backoff.
  tried_.clear();
  nextTry_ = context_.clock.now() + context_.settings.backoffMin;
}

void Push::onPushStarted() {
  context_.selector.markSucceeded(current_);
  pushing_ = true;
  since_ = context_.clock.now();
  tried_.clear();
  spdlog::info("push {}: publishing on {}", key_.key(), context_.upstreams[current_].url);
}

void Push::onPushFailed(std::string_view kind, std::string_view detail) {
  context_.metrics.error(kind).inc();
  if (kind != "refused" && kind != "not_found") {  // an answer about this stream, not the upstream's health
    context_.selector.markFailed(current_);
  }
  spdlog::warn("push {}: {} failed ({}: {})", key_.key(), context_.upstreams[current_].url, kind, detail);
  dropPusher();
  next();
}

bool Push::tick() {
  if (!stream_.hasSource()) {
    spdlog::info("push {}: stopped: the publisher left", key_.key());
    return false;
  }
  if (!pusher_ && context_.clock.now() >= nextTry_) {
    next();
  }
  return true;
}

}  // namespace rtsedge
