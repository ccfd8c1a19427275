#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "metrics/registry.h"
#include "relay/bytes.h"
#include "relay/clock.h"
#include "relay/stall_model.h"

namespace rtsedge {

// Where a viewer's delivery times are recorded; any may be null.
struct EgressTimings {
  metrics::Histogram* firstFrame = nullptr;    // play accepted -> first keyframe handed to the socket
  metrics::Histogram* relayLatency = nullptr;  // frame arrival on this node -> handed to the socket
  std::array<metrics::Counter*, static_cast<size_t>(StallCause::kCount)> stallEvents{};
  std::array<metrics::Counter*, static_cast<size_t>(StallCause::kCount)> stallSeconds{};
  metrics::Counter* watchSeconds = nullptr;
  metrics::Histogram* e2eLatency = nullptr;  // publisher's capture time -> handed to the socket
  metrics::Counter* framesSent = nullptr;
  Micros playerBuffer{200'000};  // the player model's start buffer
};

// What the queue needs to know of a frame besides its bytes.
struct FrameMark {
  bool syncPoint = false;  // a viewer may start decoding here
  SteadyTime arrival{};    // on this node
  int64_t dtsUs = 0;
  std::optional<WallTime> capture;  // when the publisher stamped one
};

struct EgressQueueLimits {
  Millis soft{1000};
  Millis hard{5000};
  size_t maxBatch = 256;  // buffers per writev
};

// A viewer's outgoing queue of serialized bytes, bounded in time: the age of the
// oldest frame not yet handed to the socket. Past the soft bound the queued frames
// are dropped and the viewer resumes at the next sync point (a keyframe); past the
// hard bound (one write stuck in the socket that long) the viewer is to be closed. Control
// messages (configurations, statuses) are never dropped. One slow viewer thus
// costs bounded memory and never delays the source or other viewers.
class EgressQueue {
 public:
  enum class Push { kQueued, kDropped, kSkipped, kOverflow };

  EgressQueue(EgressQueueLimits limits, const Clock& clock) : limits_(limits), clock_(clock) {}

  void pushControl(Bytes bytes);
  // kDropped: waiting for a sync point; kSkipped: fell past the soft bound, queue
  // cleared (the frame is queued if it is a sync point); kOverflow: close the viewer.
  Push pushFrame(Bytes bytes, const FrameMark& mark);
  // The viewer's play was accepted now: its first-frame time counts from here.
  void startTiming(EgressTimings timings);
  // Drops frames until the next sync point (after a source change, say).
  void requireSyncPoint() { waitingForSyncPoint_ = true; }
  // The source was lost now for this reason (an upstream failed over): a stall the
  // gap causes counts as it, not as an ingest gap, until the next source's first sync point is out.
  void attributeGapTo(StallCause cause) {
    gapCause_ = cause;
    gapFrom_ = clock_.now();
  }

  // Moves what is queued (up to maxBatch buffers) into `batch`, marking it in flight.
  void takeBatch(std::vector<Bytes>& batch);
  // The batch was handed to the socket: records the frames' relay latency, the
  // player model's stalls and watch time, and once, the first-frame time.
  void onBatchWritten();
  // The viewer leaves: a stall still open is counted to now.
  void finishTiming();
  bool hasPending() const { return !entries_.empty(); }
  // A frame the viewer can start decoding from has been handed to its socket.
  bool deliveredFirstFrame() const { return deliveredFirstFrame_; }
  uint64_t skips() const { return skips_; }

 private:
  struct Entry {
    Bytes bytes;
    SteadyTime queuedAt;
    bool control;
    FrameMark mark{};
  };

  void dropFrames();
  StallCause lateCause(const FrameMark& first) const;
  void countStall(const StallModel::Stall& stall);

  EgressQueueLimits limits_;
  const Clock& clock_;
  std::deque<Entry> entries_;
  std::optional<SteadyTime> inFlightSince_;
  std::vector<FrameMark> inFlight_;  // frames of the batch in flight; reused
  std::optional<FrameMark> lastWritten_;
  bool skippedSinceWrite_ = false;
  StallCause gapCause_ = StallCause::kIngestGap;
  SteadyTime gapFrom_{};
  std::optional<StallModel> stallModel_;
  Micros watchReported_{0};
  EgressTimings timings_;
  std::optional<SteadyTime> playStart_;  // until the first frame is out
  SteadyTime timedFrom_{};
  bool waitingForSyncPoint_ = true;
  bool deliveredFirstFrame_ = false;  // a viewer's first frame is one it can decode from
  uint64_t skips_ = 0;
};

}  // namespace rtsedge
