#include "protocols/webrtc/server/send_pacer.h"

#include <algorithm>

namespace rtsedge::webrtc {

void SendPacer::refill(int64_t nowUs) {
  if (refilledUs_ && nowUs > *refilledUs_) {
    int64_t earned = (nowUs - *refilledUs_) * settings_.bytesPerSecond / 1'000'000;
    tokens_ = std::min(settings_.burstBytes, tokens_ + earned);
  }
  if (!refilledUs_ || nowUs > *refilledUs_) {
    refilledUs_ = nowUs;
  }
}

void SendPacer::push(Bytes frame, int64_t nowUs, std::vector<Bytes>& out) {
  heldBytes_ += frame.size();
  held_.push_back(std::move(frame));
  release(nowUs, out);
}

void SendPacer::release(int64_t nowUs, std::vector<Bytes>& out) {
  refill(nowUs);
  bool overflowing = heldBytes_ > settings_.maxHeldBytes;
  // A frame goes while any budget is left, so one larger than the burst still goes.
  while (!held_.empty() && (tokens_ > 0 || overflowing)) {
    tokens_ -= static_cast<int64_t>(held_.front().size());
    heldBytes_ -= held_.front().size();
    out.push_back(std::move(held_.front()));
    held_.pop_front();
  }
  if (overflowing) {
    tokens_ = std::max(tokens_, -settings_.burstBytes);  // an overflow's debt is forgiven
  }
}

std::optional<int64_t> SendPacer::nextReleaseUs() const {
  if (held_.empty() || !refilledUs_) {
    return std::nullopt;
  }
  // Budget above zero again: 1 - tokens bytes to earn.
  int64_t owed = 1 - tokens_;
  return *refilledUs_ + (owed * 1'000'000 + settings_.bytesPerSecond - 1) / settings_.bytesPerSecond;
}

}  // namespace rtsedge::webrtc
