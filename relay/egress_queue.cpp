#include "relay/egress_queue.h"

#include <algorithm>

namespace rtsedge {

void EgressQueue::pushControl(Bytes bytes) {
  entries_.push_back({std::move(bytes), clock_.now(), true});
}

EgressQueue::Push EgressQueue::pushFrame(Bytes bytes, bool syncPoint, SteadyTime arrival) {
  SteadyTime now = clock_.now();
  if (inFlightSince_ && now - *inFlightSince_ > limits_.hard) {
    return Push::kOverflow;
  }
  Push result = Push::kQueued;
  auto oldestFrame = std::find_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.control; });
  if (oldestFrame != entries_.end() && now - oldestFrame->queuedAt > limits_.soft) {
    dropFrames();
    ++skips_;
    waitingForSyncPoint_ = true;
    result = Push::kSkipped;
  }
  if (waitingForSyncPoint_) {
    if (!syncPoint) {
      return result == Push::kSkipped ? result : Push::kDropped;
    }
    waitingForSyncPoint_ = false;
  }
  entries_.push_back({std::move(bytes), now, false, syncPoint, arrival});
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
      inFlightArrivals_.push_back(entry.arrival);
      inFlightHasSyncPoint_ = inFlightHasSyncPoint_ || entry.syncPoint;
    }
    batch.push_back(std::move(entry.bytes));
    entries_.pop_front();
  }
}

void EgressQueue::startTiming(EgressTimings timings) {
  timings_ = timings;
  playStart_ = clock_.now();
  timedFrom_ = *playStart_;
}

void EgressQueue::onBatchWritten() {
  inFlightSince_.reset();
  SteadyTime now = clock_.now();
  if (timings_.relayLatency != nullptr) {
    for (SteadyTime arrival : inFlightArrivals_) {
      // GOP-cache frames waited in the cache before this viewer came: not relay latency.
      if (arrival >= timedFrom_) {
        timings_.relayLatency->observe(std::chrono::duration<double>(now - arrival).count());
      }
    }
  }
  if (playStart_ && inFlightHasSyncPoint_) {
    if (timings_.firstFrame != nullptr) {
      timings_.firstFrame->observe(std::chrono::duration<double>(now - *playStart_).count());
    }
    playStart_.reset();
  }
  inFlightArrivals_.clear();
  inFlightHasSyncPoint_ = false;
}

}  // namespace rtsedge
