#include "relay/app.h"

#include <spdlog/spdlog.h>

#include <csignal>

namespace rtsedge {

namespace {
// How often streams check their grace periods and idle streams are retired.
constexpr Millis kTickInterval{100};
}  // namespace

App::App(Config config)
    : config_(std::move(config)),
      streamMetrics_(registry_),
      hub_(config_.streams, clock_, &streamMetrics_),
      rtmpMetrics_(registry_, "rtmp"),
      rtmpContext_{loop_, hub_, clock_, config_.rtmp, config_.viewers, rtmpMetrics_, clients_},
      httpMetrics_(registry_, "http-flv"),
      httpTsMetrics_(registry_, "http-ts"),
      api_(hub_, clients_, registry_, config_, clock_),
      httpContext_{loop_, hub_, clock_, config_.http, config_.viewers, httpMetrics_, httpTsMetrics_, clients_, api_},
      srtSessionMetrics_(registry_, "srt"),
      srtMetrics_(registry_),
      tierMetrics_(registry_),
      tick_(loop_,
            [this] {
              hub_.tick();
              if (tier_) {
                tier_->tick();
              }
            }),
      sigint_(this),
      sigterm_(this) {
  uv_signal_init(loop_.raw(), sigint_.get());
  uv_signal_init(loop_.raw(), sigterm_.get());
}

App::~App() {
  stop();
}

Status App::start() {
  if (config_.rtmp.enabled) {
    auto rtmp =
        TcpServer::start(loop_, config_.rtmp.listen, config_.rtmp.maxConnections, rtmpMetrics_,
                         [this](std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& owner) {
                           return std::make_unique<rtmp::RtmpSession>(rtmpContext_, std::move(connection), owner);
                         });
    if (!rtmp) {
      return rtmp.error();
    }
    rtmp_ = std::move(*rtmp);
  }
  // SRT before HTTP: a client that sees the HTTP port open finds every listener bound.
  if (config_.srt.enabled) {
    srtPoller_ = std::make_unique<srt::SrtPoller>(loop_);
    srtContext_ = std::make_unique<srt::SrtContext>(srt::SrtContext{
        loop_, hub_, clock_, config_.srt, config_.viewers, srtSessionMetrics_, clients_, *srtPoller_, srtMetrics_});
    auto srt = srt::SrtServer::start(*srtContext_);
    if (!srt) {
      return srt.error();
    }
    srt_ = std::move(*srt);
  }
  if (config_.http.enabled) {
    auto http =
        TcpServer::start(loop_, config_.http.listen, config_.http.maxConnections, httpMetrics_,
                         [this](std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& owner) {
                           return std::make_unique<http::HttpSession>(httpContext_, std::move(connection), owner);
                         });
    if (!http) {
      return http.error();
    }
    http_ = std::move(*http);
  }
  if (!config_.upstreams.empty()) {
    startTier();
  }
  api_.setReady(true);
  tick_.start(kTickInterval, kTickInterval);
  uv_signal_start(sigint_.get(), &App::onSignal, SIGINT);
  uv_signal_start(sigterm_.get(), &App::onSignal, SIGTERM);
  return Status::ok();
}

void App::startTier() {
  if (!srtPoller_) {  // SRT upstreams need the bridge even where no SRT listener runs
    srtPoller_ = std::make_unique<srt::SrtPoller>(loop_);
  }
  rtmpUpstream_ = std::make_unique<rtmp::RtmpUpstreamContext>(rtmp::RtmpUpstreamContext{
      loop_, clock_, config_.rtmp, config_.tier, config_.viewers, rtmpMetrics_.framesReceived});
  srtUpstream_ = std::make_unique<srt::SrtUpstreamContext>(srt::SrtUpstreamContext{
      loop_, clock_, *srtPoller_, config_.srt, config_.tier, config_.viewers, srtSessionMetrics_.framesReceived});
  auto pull = [this](const UpstreamSettings& upstream, Stream& stream, const PullTarget& target,
                     UpstreamAttempt::Listener& listener) {
    return upstream.protocol == UpstreamProtocol::kRtmp
               ? rtmp::RtmpPull::start(*rtmpUpstream_, upstream, stream, target, listener)
               : srt::SrtPull::start(*srtUpstream_, upstream, stream, target, listener);
  };
  auto push = [this](const UpstreamSettings& upstream, Stream& stream, const PullTarget& target,
                     UpstreamPusher::Listener& listener) {
    return upstream.protocol == UpstreamProtocol::kRtmp
               ? rtmp::RtmpPush::start(*rtmpUpstream_, upstream, stream, target, listener)
               : srt::SrtPush::start(*srtUpstream_, upstream, stream, target, listener);
  };
  tier_ = std::make_unique<PullManager>(loop_, hub_, clock_, config_.tier, config_.upstreams, tierMetrics_,
                                        std::move(pull), std::move(push));
  hub_.setTier(tier_.get());
  api_.setTier(tier_.get());
}

void App::run() {
  loop_.run();
}

void App::onSignal(uv_signal_t* handle, int signal) {
  if (auto* self = uv::ownerOf<App>(handle)) {
    spdlog::info("signal {}: stopping", signal);
    self->stop();
  }
}

void App::stop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  // Pulls and pushes first: their connections close, their streams may go.
  hub_.setTier(nullptr);
  api_.setTier(nullptr);
  tier_.reset();
  if (rtmp_) {
    rtmp_->shutdown();
  }
  if (http_) {
    http_->shutdown();
  }
  if (srt_) {
    srt_->shutdown();
  }
  if (srtPoller_) {
    srtPoller_->stop();
  }
  tick_.close();
  sigint_.close();
  sigterm_.close();
}

}  // namespace rtsedge
