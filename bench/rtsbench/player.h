#pragma once

#include <cstdint>
#include <string_view>

#include "bench/rtsbench/play_url.h"
#include "bench/rtsbench/player_meter.h"
#include "bench/rtsbench/player_result.h"
#include "bench/rtsbench/run_stats.h"
#include "metrics/registry.h"
#include "protocols/srt/srt_caller.h"
#include "relay/clock.h"
#include "relay/uv/loop.h"

namespace rtsedge::bench {

// Connect, handshake and the server's answer must all be in within this (WHEP: each of
// the POST, ICE and DTLS).
inline constexpr Millis kConnectTimeout{5000};

struct WhepContext;

// What every player of a run shares.
struct PlayerContext {
  uv::Loop& loop;
  const Clock& clock;
  RunStats& run;
  const PlayUrl& url;
  Micros startBuffer;
  metrics::Counter& framesReceived;        // the ingest sources want one
  srt::SrtUpstreamContext* srt = nullptr;  // srt:// only
  const WhepContext* whep = nullptr;       // WHEP only
};

// One simulated viewer: a connection of the URL's protocol whose media goes through the
// meter. Callbacks come from the loop; a player is destroyed only after the loop stopped
// running it.
class Player {
 public:
  virtual ~Player() = default;
  Player(const Player&) = delete;
  Player& operator=(const Player&) = delete;

  // Begins connecting. Whatever fails from here on ends the player as failed.
  virtual void start() = 0;
  // The run is over: measurement stops, then the connection closes (not a failure).
  void stop() {
    meter_.end();
    close();
  }
  virtual uint64_t bytesReceived() const = 0;
  const PlayerMeter& meter() const { return meter_; }
  PlayerResult result() const {
    PlayerResult result = meter_.result();
    result.bytes = bytesReceived();
    return result;
  }

 protected:
  explicit Player(PlayerContext& context) : meter_(context.clock, context.run, context.startBuffer) {}
  // Closes the connection without a callback.
  virtual void close() = 0;
  void fail(FailureKind kind, std::string_view detail) {
    meter_.onFailed(kind, detail);
    close();
  }

  PlayerMeter meter_;
};

}  // namespace rtsedge::bench
