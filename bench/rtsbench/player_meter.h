#pragma once

#include <optional>
#include <string_view>

#include "bench/rtsbench/player_result.h"
#include "bench/rtsbench/run_stats.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/stall_model.h"
#include "relay/stream.h"
#include "relay/subscriber.h"

namespace rtsedge::bench {

// What one player measures, whatever its protocol. The player's transport feeds one of
// rtsedge's own ingest sources (RtmpPublisher, TsPublisher) attached to stream(), so
// frames, keyframes and capture stamps are read by the code the server reads them with;
// the meter subscribes to that stream and times what comes out.
class PlayerMeter final : private Subscriber {
 public:
  PlayerMeter(const Clock& clock, RunStats& run, Micros startBuffer);
  ~PlayerMeter() override;
  PlayerMeter(const PlayerMeter&) = delete;
  PlayerMeter& operator=(const PlayerMeter&) = delete;

  // The stream this player's source publishes into; nobody else watches it.
  Stream& stream() { return stream_; }

  void onConnecting();
  // The session is established (see PlayerResult::connectMs).
  void onConnected();
  // The first failure counts; later ones, and any after end(), are ignored.
  void onFailed(FailureKind kind, std::string_view detail);
  // The run is over for this player.
  void end();

  bool ended() const { return ended_; }
  // Got a keyframe and still playing.
  bool receiving() const { return result_.firstFrameMs.has_value() && !ended_; }
  // The result so far; `bytes` is left to the transport, which counts them.
  const PlayerResult& result() const { return result_; }

 private:
  void onMetadata(const Bytes&) override {}
  void onTrackConfig(const TrackConfigPtr&) override {}
  void onFrame(const FramePtr& frame) override;
  void onSourceLost() override {}
  void onSourceRestored() override {}
  void onStreamEnded() override {}
  double sinceStartMs(SteadyTime now) const;

  const Clock& clock_;
  RunStats& run_;
  Stream stream_;
  StallModel stallModel_;
  std::optional<SteadyTime> connectStart_;
  WallTime wallStart_{};
  bool ended_ = false;
  PlayerResult result_;
};

}  // namespace rtsedge::bench
