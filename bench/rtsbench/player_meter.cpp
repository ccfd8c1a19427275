#include "bench/rtsbench/player_meter.h"

#include <chrono>

namespace rtsedge::bench {

namespace {
// No GOP cache: each player's stream has one viewer, the meter, subscribed from the start.
const StreamSettings kStreamSettings{.gopCache = false};

double toSeconds(Micros duration) {
  return std::chrono::duration<double>(duration).count();
}
}  // namespace

PlayerMeter::PlayerMeter(const Clock& clock, RunStats& run, Micros startBuffer)
    : clock_(clock), run_(run), stream_("rtsbench", kStreamSettings, clock), stallModel_(startBuffer) {
  stream_.subscribe(*this);
}

PlayerMeter::~PlayerMeter() {
  stream_.unsubscribe(*this);
}

void PlayerMeter::onConnecting() {
  connectStart_ = clock_.now();
  wallStart_ = std::chrono::system_clock::now();
}

void PlayerMeter::onConnected() {
  if (!ended_ && !result_.connectMs) {
    result_.connectMs = sinceStartMs(clock_.now());
  }
}

void PlayerMeter::onFailed(FailureKind kind, std::string_view detail) {
  if (ended_) {
    return;
  }
  result_.failure = kind;
  result_.failureDetail = std::string(detail);
  end();
}

void PlayerMeter::end() {
  if (ended_) {
    return;
  }
  ended_ = true;
  SteadyTime now = clock_.now();
  if (auto stall = stallModel_.finish(now)) {
    ++result_.stalls;
    result_.stalledSeconds += toSeconds(stall->duration);
  }
  result_.watchedSeconds = toSeconds(stallModel_.watched(now));
  result_.activeSeconds = connectStart_ ? sinceStartMs(now) / 1000 : 0;
}

void PlayerMeter::onFrame(const FramePtr& frame) {
  if (ended_) {
    return;
  }
  SteadyTime now = clock_.now();
  // Where the media came late from is unknown here: every stall has the same cause.
  if (auto stall = stallModel_.onDelivery(now, frame->dtsUs, StallCause::kEgressBlocked)) {
    ++result_.stalls;
    result_.stalledSeconds += toSeconds(stall->duration);
  }
  if (frame->kind != TrackKind::kVideo) {
    return;
  }
  ++result_.videoFrames;
  if (!result_.firstFrameMs && frame->keyframe) {
    result_.firstFrameMs = sinceStartMs(now);
  }
  std::optional<double> latencyMs;
  if (!frame->capture) {
    ++result_.unstampedFrames;
  } else if (*frame->capture >= wallStart_) {
    ++result_.stampedFrames;
    latencyMs = std::chrono::duration<double, std::milli>(std::chrono::system_clock::now() - *frame->capture).count();
  }
  run_.onVideoFrame(latencyMs);
}

double PlayerMeter::sinceStartMs(SteadyTime now) const {
  return std::chrono::duration<double, std::milli>(now - *connectStart_).count();
}

}  // namespace rtsedge::bench
