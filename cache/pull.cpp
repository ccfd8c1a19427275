#include "cache/pull.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cache/tier_query.h"
#include "relay/config_values.h"

namespace rtsedge {

namespace {

// Whether a failure says the upstream is unwell (every stream should avoid it for a
// while) rather than something about this one stream: "not found", "refused" and a
// stream that never started ("timeout") are answers about the stream alone.
bool countsAgainstUpstream(std::string_view kind) {
  return kind == "connect" || kind == "handshake" || kind == "protocol" || kind == "closed" || kind == "no_media";
}

double secondsBetween(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

Pull::Pull(PullContext& context, Stream& stream, StreamKey key)
    : context_(context), stream_(stream), key_(std::move(key)), started_(context.clock.now()), lastDemand_(started_) {
  stream_.pin();
  context_.metrics.pulls.add(1);
  target_.name = key_.name;
  target_.query = upstreamQuery(key_.query, context_.settings.passQuery, context_.nodeId);
  next();
}

Pull::~Pull() {
  dropAttempt();
  stream_.unpin();
  context_.metrics.pulls.add(-1);
}

Pull::Info Pull::info() const {
  Info info;
  info.playing = state_ == State::kPlaying;
  info.since = since_;
  info.failovers = failovers_;
  if (attempt_) {
    info.upstream = context_.upstreams[current_].url;
  }
  return info;
}

void Pull::dropAttempt() {
  if (attempt_) {
    attempt_->stop();
    context_.loop.deferDelete(std::move(attempt_));
  }
}

void Pull::next() {
  while (true) {
    auto index = context_.selector.pick(key_.key(), tried_);
    SteadyTime now = context_.clock.now();
    if (!index) {
      if (!everPlayed_ && tried_.size() >= context_.upstreams.size()) {
        giveUp("no upstream has it");
        return;
      }
      // Every upstream is down or tried: start a new round when the first comes back.
      tried_.clear();
      SteadyTime soonest = now + context_.settings.backoffMin;
      for (size_t i = 0; i < context_.upstreams.size(); ++i) {
        if (context_.selector.isDown(i)) {
          soonest = std::min(soonest, context_.selector.downUntil(i));
        }
      }
      nextTry_ = std::max(soonest, now);
      state_ = State::kWaiting;
      return;
    }
    tried_.push_back(*index);
    const UpstreamSettings& upstream = context_.upstreams[*index];
    target_.app = upstream.app.empty() ? key_.app : upstream.app;
    auto attempt = context_.connect(upstream, stream_, target_, *this);
    if (!attempt) {
      context_.metrics.error("connect").inc();
      context_.selector.markFailed(*index);
      spdlog::warn("pull {}: {}: {}", key_.key(), upstream.url, attempt.error().message());
      continue;
    }
    attempt_ = std::move(*attempt);
    current_ = *index;
    attemptStarted_ = now;
    state_ = State::kConnecting;
    spdlog::debug("pull {}: trying {}", key_.key(), upstream.url);
    return;
  }
}

void Pull::onAttemptPlaying() {
  SteadyTime now = context_.clock.now();
  context_.selector.markSucceeded(current_);
  context_.metrics.pullConnect.observe(secondsBetween(failoverStarted_.value_or(attemptStarted_), now));
  if (failoverStarted_) {
    ++failovers_;
    context_.metrics.failovers.inc();
    spdlog::info("pull {}: failed over to {} in {:.0f} ms", key_.key(), context_.upstreams[current_].url,
                 secondsBetween(*failoverStarted_, now) * 1000);
  } else {
    spdlog::info("pull {}: playing from {} after {:.0f} ms", key_.key(), context_.upstreams[current_].url,
                 secondsBetween(attemptStarted_, now) * 1000);
  }
  failoverStarted_.reset();
  everPlayed_ = true;
  since_ = now;
  tried_.clear();
  state_ = State::kPlaying;
}

void Pull::onAttemptFailed(std::string_view kind, std::string_view detail) {
  context_.metrics.error(kind).inc();
  const std::string& url = context_.upstreams[current_].url;
  if (countsAgainstUpstream(kind)) {
    context_.selector.markFailed(current_);
  }
  if (state_ == State::kPlaying) {
    failoverStarted_ = context_.clock.now();
    spdlog::warn("pull {}: {} failed while playing ({}: {}): failing over", key_.key(), url, kind, detail);
  } else {
    spdlog::info("pull {}: {} failed ({}: {})", key_.key(), url, kind, detail);
  }
  dropAttempt();
  next();
}

void Pull::giveUp(std::string_view reason) {
  spdlog::info("pull {}: given up: {}", key_.key(), reason);
  dropAttempt();
  state_ = State::kOver;
  gaveUp_ = true;
  stream_.end();  // viewers already attached (RTMP) hear "not found" now
}

bool Pull::tick() {
  SteadyTime now = context_.clock.now();
  if (state_ == State::kOver) {
    return false;
  }
  if (stream_.subscriberCount() > 0) {
    lastDemand_ = now;  // idle time counts from the last viewer's leaving
  } else if (now - lastDemand_ >= context_.settings.idleTimeout) {
    spdlog::info("pull {}: stopped: no viewer for {}", key_.key(), formatDuration(context_.settings.idleTimeout));
    dropAttempt();
    state_ = State::kOver;
    return false;
  }
  switch (state_) {
    case State::kPlaying:
      if (auto last = attempt_->lastMedia(); last && now - *last >= context_.settings.noMediaTimeout) {
        onAttemptFailed("no_media", "no media for " + formatDuration(context_.settings.noMediaTimeout));
      }
      break;
    case State::kConnecting:
      // The upstream may be pulling the stream itself: it has pull_wait to deliver.
      if (now - attemptStarted_ >= context_.settings.pullWait) {
        onAttemptFailed("timeout", "no media within " + formatDuration(context_.settings.pullWait));
      }
      break;
    case State::kWaiting:
      if (!everPlayed_ && now - started_ >= context_.settings.pullWait) {
        giveUp("no upstream delivered within " + formatDuration(context_.settings.pullWait));
      } else if (now >= nextTry_) {
        next();
      }
      break;
    case State::kOver: break;
  }
  return state_ != State::kOver;
}

}  // namespace rtsedge
