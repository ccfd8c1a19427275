#include "relay/stall_model.h"

#include <algorithm>

namespace rtsedge {

namespace {
// Low-latency players (mpegts.js, flv.js with latency chasing) skip ahead when they
// hold this much more than their start buffer.
constexpr int64_t kChaseAboveUs = 1'000'000;
}  // namespace

std::string_view stallCauseName(StallCause cause) {
  switch (cause) {
    case StallCause::kIngestGap: return "ingest_gap";
    case StallCause::kEgressBlocked: return "egress_blocked";
    case StallCause::kFramesDropped: return "frames_dropped";
    case StallCause::kUpstreamFailover: return "upstream_failover";
    case StallCause::kCount: break;
  }
  return "unknown";
}

std::optional<StallModel::Stall> StallModel::onDelivery(SteadyTime now, int64_t mediaUs, StallCause cause) {
  if (!firstMediaUs_) {
    firstMediaUs_ = mediaUs;
  }
  int64_t before = deliveredUs_;
  deliveredUs_ = std::max(deliveredUs_, mediaUs);
  if (!playStart_) {  // initial buffering: not a stall, it is first-frame time
    if (deliveredUs_ - *firstMediaUs_ >= startBuffer_.count()) {
      // A low-latency player starts at the live edge: after the GOP-cache burst it
      // plays with startBuffer of media ahead, not the whole burst.
      playStart_ = now;
      anchorWall_ = now;
      anchorMediaUs_ = deliveredUs_ - startBuffer_.count();
    }
    return std::nullopt;
  }
  if (!stallStart_) {
    int64_t playheadUs = anchorMediaUs_ + std::chrono::duration_cast<Micros>(now - anchorWall_).count();
    if (playheadUs < before) {
      if (deliveredUs_ - playheadUs > startBuffer_.count() + kChaseAboveUs) {
        anchorWall_ = now;  // latency chasing: back to the live edge
        anchorMediaUs_ = deliveredUs_ - startBuffer_.count();
      }
      return std::nullopt;  // still playing from the buffer
    }
    // The buffer ran dry when the playhead reached what had been delivered.
    stallStart_ = anchorWall_ + Micros(before - anchorMediaUs_);
    stallCause_ = cause;
    anchorMediaUs_ = before;  // the frozen playhead
  }
  if (deliveredUs_ - anchorMediaUs_ < startBuffer_.count()) {
    return std::nullopt;
  }
  Stall ended{stallCause_, std::chrono::duration_cast<Micros>(now - *stallStart_)};
  stallStart_.reset();
  anchorWall_ = now;
  return ended;
}

std::optional<StallModel::Stall> StallModel::finish(SteadyTime now) {
  if (!stallStart_) {
    return std::nullopt;
  }
  Stall open{stallCause_, std::chrono::duration_cast<Micros>(now - *stallStart_)};
  stallStart_.reset();
  return open;
}

Micros StallModel::watched(SteadyTime now) const {
  return playStart_ ? std::chrono::duration_cast<Micros>(now - *playStart_) : Micros(0);
}

}  // namespace rtsedge
