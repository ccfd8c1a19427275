#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "relay/clock.h"

namespace rtsedge {

// Why a viewer's buffer ran dry.
enum class StallCause : uint8_t { kIngestGap, kEgressBlocked, kFramesDropped, kUpstreamFailover, kCount };
std::string_view stallCauseName(StallCause cause);

// The player model of docs/metrics.md, run per viewer on what the server hands to
// its socket: playback starts once `startBuffer` of media is delivered, at the live
// edge as low-latency players do, and skips ahead whenever it holds over a second
// more (the GOP-cache burst is no cushion that would hide stalls real players
// see); a stall
// begins when the playhead catches up with the media delivered and ends when
// `startBuffer` is buffered again. Fed with deliveries (wall time, media time
// delivered so far), it knows when each stall began even though nothing happens
// on the server at that moment.
class StallModel {
 public:
  struct Stall {
    StallCause cause;
    Micros duration;
  };

  explicit StallModel(Micros startBuffer) : startBuffer_(startBuffer) {}

  // Media up to `mediaUs` was handed to the socket at `now`; `cause` is why it
  // came late, should it end a stall. Returns the stall this delivery ended.
  std::optional<Stall> onDelivery(SteadyTime now, int64_t mediaUs, StallCause cause);
  // The stall still open at `now` (the viewer leaves), if any.
  std::optional<Stall> finish(SteadyTime now);

  // Wall time since playback first started, up to `now`.
  Micros watched(SteadyTime now) const;
  bool stalled() const { return stallStart_.has_value(); }

 private:
  Micros startBuffer_;
  std::optional<int64_t> firstMediaUs_;
  int64_t deliveredUs_ = 0;
  std::optional<SteadyTime> playStart_;
  // While playing: playhead = anchorMediaUs_ + (now - anchorWall_).
  SteadyTime anchorWall_{};
  int64_t anchorMediaUs_ = 0;
  std::optional<SteadyTime> stallStart_;
  StallCause stallCause_ = StallCause::kEgressBlocked;
};

}  // namespace rtsedge
