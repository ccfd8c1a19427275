#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <vector>

#include "bench/rtsbench/play_options.h"
#include "bench/rtsbench/player.h"
#include "bench/rtsbench/run_stats.h"
#include "bench/rtsbench/summary.h"
#include "bench/rtsbench/whep_player.h"
#include "metrics/registry.h"
#include "protocols/srt/srt_caller.h"
#include "protocols/srt/srt_library.h"
#include "protocols/srt/srt_poller.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/uv/handle.h"
#include "relay/uv/loop.h"
#include "relay/uv/timer.h"

namespace rtsedge::bench {

// One `rtsbench play` run: starts the players (at once or at the ramp rate), samples the
// time series once a second, and stops every player at the end.
//
// All players share one libuv loop on one thread. A player costs a socket, a few parsers
// and a frame object per frame, so one core carries thousands of them, and one loop needs
// no locks nor merging of per-thread figures. Should the loop fall behind, its lag shows as
// latency; the CPU figure of the report tells when rtsbench rather than the server was the
// bottleneck.
class PlayRun {
 public:
  explicit PlayRun(const PlayOptions& options);
  PlayRun(const PlayRun&) = delete;
  PlayRun& operator=(const PlayRun&) = delete;

  // Until the duration is over, every player has ended, or SIGINT/SIGTERM.
  void run();

  Summary summary() const;
  const std::vector<SecondRow>& rows() const { return rows_; }

 private:
  static void onSignal(uv_signal_t* handle, int signal);
  void startDuePlayers();
  void sampleSecond();
  void finish();
  double elapsedSeconds(SteadyTime now) const;

  const PlayOptions& options_;
  // The loop is declared first so it is destroyed last, after everything on it.
  uv::Loop loop_;
  srt::SrtLibrary srtLibrary_;
  SteadyClock clock_;
  RunStats stats_;
  metrics::Counter framesReceived_;
  SrtSettings srtSettings_;
  TierSettings tierSettings_;
  ViewerSettings viewerSettings_;
  std::unique_ptr<srt::SrtPoller> srtPoller_;  // srt:// only
  std::unique_ptr<srt::SrtUpstreamContext> srtContext_;
  std::unique_ptr<WhepContext> whepContext_;  // WHEP only
  PlayerContext context_;
  std::vector<std::unique_ptr<Player>> players_;

  uv::Timer rampTimer_;
  uv::Timer secondTimer_;
  uv::Timer endTimer_;
  uv::Handle<uv_signal_t> sigint_;
  uv::Handle<uv_signal_t> sigterm_;

  SteadyTime start_{};
  SteadyTime end_{};
  double cpuAtStart_ = 0;
  double cpuAtEnd_ = 0;
  bool finished_ = false;
  SteadyTime lastSample_{};
  uint64_t bytesAtLastSample_ = 0;
  std::vector<SecondRow> rows_;
};

// Runs `rtsbench play` and reports; the process exit code.
int runPlay(const PlayOptions& options);

}  // namespace rtsedge::bench
