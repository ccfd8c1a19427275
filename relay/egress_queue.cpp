#include "relay/egress_queue.h"

#include <algorithm>

namespace rtsedge {

void EgressQueue::pushControl(Bytes bytes) {
  entries_.push_back({std::move(bytes), clock_.now(), true});
}

EgressQueue::Push EgressQueue::pushFrame(Bytes bytes, const FrameMark& mark) {
  SteadyTime now = clock_.now();
  if (inFlightSince_ && now - *inFlightSince_ > limits_.hard) {
    return Push::kOverflow;
  }
  Push result = Push::kQueued;
  auto oldestFrame = std::find_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.control; });
  if (oldestFrame != entries_.end() && now - oldestFrame->queuedAt > limits_.soft) {
    dropFrames();
    ++skips_;
    skippedSinceWrite_ = true;
    waitingForSyncPoint_ = true;
    result = Push::kSkipped;
  }
  if (waitingForSyncPoint_) {
    if (!mark.syncPoint) {
      return result == Push::kSkipped ? result : Push::kDropped;
    }
    waitingForSyncPoint_ = false;
  }
  entries_.push_back({std::move(bytes), now, false, mark});
  return result;
}

void EgressQueue::dropFrames() {
  std::erase_if(entries_, [](const Entry& e) { return !e.control; });
}

void EgressQueue::takeBatch(std::vector<Bytes>& batch) {
  if (entries_.empty()) {
    return;
  }
  inFlightSince_ = clock_.now();
  size_t count = std::min(entries_.size(), limits_.maxBatch);
  for (size_t i = 0; i < count; ++i) {
    Entry& entry = entries_.front();
    if (!entry.control) {
      inFlight_.push_back(entry.mark);
    }
    batch.push_back(std::move(entry.bytes));
    entries_.pop_front();
  }
}

void EgressQueue::startTiming(EgressTimings timings) {
  timings_ = timings;
  playStart_ = clock_.now();
  timedFrom_ = *playStart_;
  stallModel_.emplace(timings.playerBuffer);
}

// Why frames came late: the source sent nothing (their arrival on this node lagged
// their media time), the queue dropped frames, or else the way to the viewer was slow.
StallCause EgressQueue::lateCause(const FrameMark& first) const {
  constexpr int64_t kArrivalSlackUs = 100'000;
  if (skippedSinceWrite_) {
    return StallCause::kFramesDropped;
  }
  if (lastWritten_) {
    int64_t arrivalGapUs = std::chrono::duration_cast<Micros>(first.arrival - lastWritten_->arrival).count();
    if (arrivalGapUs > first.dtsUs - lastWritten_->dtsUs + kArrivalSlackUs) {
      return gapCause_;
    }
  }
  return StallCause::kEgressBlocked;
}

void EgressQueue::countStall(const StallModel::Stall& stall) {
  auto index = static_cast<size_t>(stall.cause);
  if (timings_.stallEvents[index] != nullptr) {
    timings_.stallEvents[index]->inc();
  }
  if (timings_.stallSeconds[index] != nullptr) {
    timings_.stallSeconds[index]->inc(std::chrono::duration<double>(stall.duration).count());
  }
}

void EgressQueue::onBatchWritten() {
  inFlightSince_.reset();
  if (inFlight_.empty()) {
    return;
  }
  SteadyTime now = clock_.now();
  WallTime wallNow = std::chrono::system_clock::now();
  if (timings_.framesSent != nullptr) {
    timings_.framesSent->inc(static_cast<double>(inFlight_.size()));
  }
  bool hasSyncPoint = false;
  bool nextSourceStarted = false;
  int64_t mediaUs = inFlight_.front().dtsUs;
  for (const FrameMark& mark : inFlight_) {
    hasSyncPoint = hasSyncPoint || mark.syncPoint;
    nextSourceStarted = nextSourceStarted || (mark.syncPoint && mark.arrival > gapFrom_);
    mediaUs = std::max(mediaUs, mark.dtsUs);
    // GOP-cache frames waited in the cache before this viewer came: latency is
    // measured on live frames only.
    if (mark.arrival < timedFrom_) {
      continue;
    }
    if (timings_.relayLatency != nullptr) {
      timings_.relayLatency->observe(std::chrono::duration<double>(now - mark.arrival).count());
    }
    if (mark.capture && timings_.e2eLatency != nullptr) {
      timings_.e2eLatency->observe(std::chrono::duration<double>(wallNow - *mark.capture).count());
    }
  }
  deliveredFirstFrame_ = deliveredFirstFrame_ || hasSyncPoint;
  if (playStart_ && hasSyncPoint) {
    if (timings_.firstFrame != nullptr) {
      timings_.firstFrame->observe(std::chrono::duration<double>(now - *playStart_).count());
    }
    playStart_.reset();
  }
  if (stallModel_) {
    if (auto stall = stallModel_->onDelivery(now, mediaUs, lateCause(inFlight_.front()))) {
      countStall(*stall);
    }
    Micros watched = stallModel_->watched(now);
    if (timings_.watchSeconds != nullptr) {
      timings_.watchSeconds->inc(std::chrono::duration<double>(watched - watchReported_).count());
    }
    watchReported_ = watched;
  }
  if (nextSourceStarted) {
    gapCause_ = StallCause::kIngestGap;
  }
  lastWritten_ = inFlight_.back();
  skippedSinceWrite_ = false;
  inFlight_.clear();
}

void EgressQueue::finishTiming() {
  if (!stallModel_) {
    return;
  }
  SteadyTime now = clock_.now();
  if (auto stall = stallModel_->finish(now)) {
    countStall(*stall);
  }
  if (timings_.watchSeconds != nullptr) {
    timings_.watchSeconds->inc(std::chrono::duration<double>(stallModel_->watched(now) - watchReported_).count());
  }
  stallModel_.reset();
}

}  // namespace rtsedge
