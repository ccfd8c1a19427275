#include "cache/gop_cache.h"

namespace rtsedge {

void GopCache::add(const FramePtr& frame) {
  if (!limits_.enabled) {
    return;
  }
  if (frame->kind == TrackKind::kVideo && frame->keyframe) {
    clear();
    collecting_ = true;
  }
  if (!collecting_) {
    return;
  }
  frames_.push_back(frame);
  bytes_ += frame->payload.size();
  int64_t spanUs = frames_.back()->dtsUs - frames_.front()->dtsUs;
  if (bytes_ > limits_.maxBytes || spanUs > std::chrono::duration_cast<Micros>(limits_.maxDuration).count()) {
    clear();
    ++overflows_;
  }
}

void GopCache::clear() {
  frames_.clear();
  bytes_ = 0;
  collecting_ = false;
}

}  // namespace rtsedge
