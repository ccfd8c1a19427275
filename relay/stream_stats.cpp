#include "relay/stream_stats.h"

namespace rtsedge {

void StreamStats::onFrame(const MediaFrame& frame, SteadyTime now) {
  ++frames_;
  bytes_ += frame.payload.size();
  if (frame.kind == TrackKind::kVideo && frame.keyframe) {
    if (lastKeyframeDtsUs_ >= 0) {
      keyframeIntervalUs_ = frame.dtsUs - lastKeyframeDtsUs_;
    }
    lastKeyframeDtsUs_ = frame.dtsUs;
  }
  window_.emplace_back(now, frame.payload.size());
  windowBytes_ += frame.payload.size();
  prune(now);
}

uint64_t StreamStats::bitrate(SteadyTime now) {
  prune(now);
  return windowBytes_ * 8 * 1000 / static_cast<uint64_t>(kBitrateWindow.count());
}

void StreamStats::prune(SteadyTime now) {
  while (!window_.empty() && now - window_.front().first > kBitrateWindow) {
    windowBytes_ -= window_.front().second;
    window_.pop_front();
  }
}

}  // namespace rtsedge
