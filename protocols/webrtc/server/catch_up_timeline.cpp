#include "protocols/webrtc/server/catch_up_timeline.h"

#include <algorithm>

namespace rtsedge::webrtc {

void CatchUpTimeline::start(int64_t joinPtsUs, int64_t nowUs) {
  joinPtsUs_ = joinPtsUs;
  joinedUs_ = nowUs;
  catchingUp_ = true;
}

int64_t CatchUpTimeline::stamp(int64_t ptsUs, int64_t nowUs) {
  if (joinPtsUs_ && (catchingUp_ || ptsUs <= lastUs_)) {
    lastUs_ = std::max(*joinPtsUs_ + (nowUs - joinedUs_), lastUs_ + kFrameSpacingUs);
    return lastUs_;
  }
  joinPtsUs_.reset();  // live: the frames' own timestamps from here on
  lastUs_ = ptsUs;
  return ptsUs;
}

}  // namespace rtsedge::webrtc
