#include "bench/rtsbench/play_run.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>

#include "bench/rtsbench/http_flv_player.h"
#include "bench/rtsbench/report.h"
#include "bench/rtsbench/rtmp_player.h"
#include "bench/rtsbench/srt_player.h"
#include "bench/rtsbench/whep_player.h"

namespace rtsedge::bench {

namespace {

// How often a ramp checks which players are due: fine enough for a thousand a second.
constexpr Millis kRampTick{10};
constexpr Millis kSampleInterval{1000};
// A last partial second shorter than this stays out of the time series: its rates are noise.
constexpr double kMinPartialSeconds = 0.2;

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);  // every thread: libsrt's and the SRT poller's too
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::unique_ptr<Player> makePlayer(PlayerContext& context) {
  switch (context.url.protocol) {
    case PlayProtocol::kRtmp: return std::make_unique<RtmpPlayer>(context);
    case PlayProtocol::kHttpFlv: return std::make_unique<HttpFlvPlayer>(context);
    case PlayProtocol::kWhep: return std::make_unique<WhepPlayer>(context);
    case PlayProtocol::kSrt: break;
  }
  return std::make_unique<SrtPlayer>(context);
}

}  // namespace

PlayRun::PlayRun(const PlayOptions& options)
    : options_(options),
      context_{loop_, clock_, stats_, options.url, options.startBuffer, framesReceived_},
      rampTimer_(loop_, [this] { startDuePlayers(); }),
      secondTimer_(loop_, [this] { sampleSecond(); }),
      endTimer_(loop_, [this] { finish(); }),
      sigint_(this),
      sigterm_(this) {
  tierSettings_.connectTimeout = kConnectTimeout;  // the SRT caller's connect timeout
  if (options.url.protocol == PlayProtocol::kSrt) {
    srtPoller_ = std::make_unique<srt::SrtPoller>(loop_);
    srtContext_ = std::make_unique<srt::SrtUpstreamContext>(srt::SrtUpstreamContext{
        loop_, clock_, *srtPoller_, srtSettings_, tierSettings_, viewerSettings_, framesReceived_});
    context_.srt = srtContext_.get();
  }
  if (options.url.protocol == PlayProtocol::kWhep) {
    whepContext_ = std::make_unique<WhepContext>();
    auto certificate = webrtc::DtlsCertificate::generate(webrtc::DtlsRole::kClient);
    if (certificate) {
      whepContext_->certificate = std::move(*certificate);
    } else {
      whepContext_->certificateError = certificate.error().message();  // every player fails with it
    }
    context_.whep = whepContext_.get();
  }
  uv_signal_init(loop_.raw(), sigint_.get());
  uv_signal_init(loop_.raw(), sigterm_.get());
}

void PlayRun::run() {
  start_ = clock_.now();
  lastSample_ = start_;
  cpuAtStart_ = cpuSeconds();
  uv_signal_start(sigint_.get(), &PlayRun::onSignal, SIGINT);
  uv_signal_start(sigterm_.get(), &PlayRun::onSignal, SIGTERM);
  secondTimer_.start(kSampleInterval, kSampleInterval);
  if (options_.seconds > 0) {
    endTimer_.start(Millis(std::llround(options_.seconds * 1000)));
  }
  startDuePlayers();
  if (players_.size() < options_.players) {
    rampTimer_.start(kRampTick, kRampTick);
  }
  loop_.run();
}

void PlayRun::onSignal(uv_signal_t* handle, int) {
  if (auto* self = uv::ownerOf<PlayRun>(handle)) {
    self->finish();
  }
}

void PlayRun::startDuePlayers() {
  size_t due = options_.players;
  if (options_.rampPerSecond > 0) {
    // The first player at once, then one every 1/rate seconds.
    auto byNow = static_cast<size_t>(elapsedSeconds(clock_.now()) * options_.rampPerSecond) + 1;
    due = std::min(due, byNow);
  }
  while (players_.size() < due) {
    players_.push_back(makePlayer(context_));
    players_.back()->start();
  }
  if (players_.size() == options_.players) {
    rampTimer_.stop();
  }
}

void PlayRun::sampleSecond() {
  SteadyTime now = clock_.now();
  double interval = std::chrono::duration<double>(now - lastSample_).count();
  uint64_t bytes = 0;
  size_t receiving = 0;
  bool allEnded = true;
  for (const auto& player : players_) {
    bytes += player->bytesReceived();
    receiving += player->meter().receiving() ? 1 : 0;
    allEnded = allEnded && player->meter().ended();
  }
  RunStats::Second second = stats_.takeSecond();
  SecondRow row{elapsedSeconds(now),
                receiving,
                static_cast<double>(second.frames) / interval,
                static_cast<double>(bytes - bytesAtLastSample_) * 8 / 1e6 / interval,
                second.latencyP50Ms,
                second.latencyP99Ms};
  rows_.push_back(row);
  std::cerr << progressLine(row, options_.players) << "\n";
  lastSample_ = now;
  bytesAtLastSample_ = bytes;
  if (allEnded && players_.size() == options_.players) {
    finish();  // every player failed: nothing left to measure
  }
}

void PlayRun::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  if (std::chrono::duration<double>(clock_.now() - lastSample_).count() >= kMinPartialSeconds) {
    sampleSecond();
  }
  end_ = clock_.now();
  cpuAtEnd_ = cpuSeconds();
  for (const auto& player : players_) {
    player->stop();
  }
  rampTimer_.close();
  secondTimer_.close();
  endTimer_.close();
  sigint_.close();
  sigterm_.close();
  if (srtPoller_) {
    srtPoller_->stop();  // its wake-up handle would keep the loop running
  }
}

double PlayRun::elapsedSeconds(SteadyTime now) const {
  return std::chrono::duration<double>(now - start_).count();
}

Summary PlayRun::summary() const {
  std::vector<PlayerResult> results;
  results.reserve(players_.size());
  for (const auto& player : players_) {
    results.push_back(player->result());
  }
  return summarize(options_, results, stats_.latency(), elapsedSeconds(end_), cpuAtEnd_ - cpuAtStart_);
}

int runPlay(const PlayOptions& options) {
  PlayRun run(options);
  run.run();
  Summary summary = run.summary();
  printSummary(std::cout, summary);
  int exitCode = 0;
  if (options.jsonFile) {
    if (Status written = writeJson(*options.jsonFile, summary); !written) {
      std::cerr << "rtsbench: " << written.error().message() << "\n";
      exitCode = 1;
    }
  }
  if (options.csvFile) {
    if (Status written = writeCsv(*options.csvFile, run.rows()); !written) {
      std::cerr << "rtsbench: " << written.error().message() << "\n";
      exitCode = 1;
    }
  }
  return exitCode;
}

}  // namespace rtsedge::bench
