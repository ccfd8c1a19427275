#include "relay/app.h"

#include <spdlog/spdlog.h>

#include <csignal>

#include "cache/tier_query.h"

namespace rtsedge {

namespace {
// How often streams check their grace periods and idle streams are retired.
constexpr Millis kTickInterval{100};

// The node id names this node in tier trails and hook calls: fixed before either starts.
Config withNodeId(Config config) {
  if (config.tier.nodeId.empty()) {
    config.tier.nodeId = randomNodeId();
  }
  return config;
}
}  // namespace

App::App(Config config)
    : config_(withNodeId(std::move(config))),
      streamMetrics_(registry_),
      hub_(config_.streams, clock_, &streamMetrics_),
      access_(loop_, clock_, config_.security, config_.tier.nodeId, registry_),
      rtmpMetrics_(registry_, "rtmp"),
      rtmpContext_{loop_, hub_, clock_, config_.rtmp, config_.viewers, rtmpMetrics_, clients_, access_},
      httpMetrics_(registry_, "http-flv"),
      httpTsMetrics_(registry_, "http-ts"),
      api_(hub_, clients_, registry_, config_, clock_),
      httpContext_{loop_,
                   hub_,
                   clock_,
                   config_.http,
                   config_.viewers,
                   httpMetrics_,
                   httpTsMetrics_,
                   clients_,
                   api_,
                   access_,
                   config_.api.listen ? http::HttpRoutes::kMedia : http::HttpRoutes::kAll},
      apiContext_{loop_,  hub_,    clock_,  config_.http,          config_.viewers, httpMetrics_, httpTsMetrics_,
                  clients_, api_, access_, http::HttpRoutes::kApi},
      srtSessionMetrics_(registry_, "srt"),
      srtMetrics_(registry_),
      webrtcSessionMetrics_(registry_, "webrtc"),
      webrtcMetrics_(registry_),
      tierMetrics_(registry_),
      tick_(loop_,
            [this] {
              hub_.tick();
              if (tier_) {
                tier_->tick();
              }
            }),
      sigint_(this),
      sigterm_(this),
      sighup_(this) {
  uv_signal_init(loop_.raw(), sigint_.get());
  uv_signal_init(loop_.raw(), sigterm_.get());
  uv_signal_init(loop_.raw(), sighup_.get());
}

App::~App() {
  stop();
}

Status App::start() {
  if (!config_.tls.certificate.empty()) {
    auto tls = tls::TlsContext::load(config_.tls.certificate, config_.tls.key);
    if (!tls) {
      return tls.error().wrap("tls");
    }
    tls_ = std::move(*tls);
  }
  auto rtmpSession = [this](std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& owner) {
    return std::make_unique<rtmp::RtmpSession>(rtmpContext_, std::move(connection), owner);
  };
  ConnectionLimits rtmpLimits{config_.rtmp.maxConnections, config_.rtmp.maxConnectionsPerAddress};
  if (config_.rtmp.enabled) {
    auto rtmp = TcpServer::start(loop_, config_.rtmp.listen, rtmpLimits, rtmpMetrics_, rtmpSession);
    if (!rtmp) {
      return rtmp.error();
    }
    rtmp_ = std::move(*rtmp);
    if (config_.rtmp.tlsListen) {
      auto rtmps = TcpServer::start(loop_, *config_.rtmp.tlsListen, rtmpLimits, rtmpMetrics_,
                                    rtmpSession, tls_);
      if (!rtmps) {
        return rtmps.error().wrap("rtmps");
      }
      rtmps_ = std::move(*rtmps);
    }
  }
  // SRT before HTTP: a client that sees the HTTP port open finds every listener bound.
  if (config_.srt.enabled) {
    srtPoller_ = std::make_unique<srt::SrtPoller>(loop_);
    srtContext_ = std::make_unique<srt::SrtContext>(srt::SrtContext{loop_, hub_, clock_, config_.srt, config_.viewers,
                                                                    srtSessionMetrics_, clients_, *srtPoller_,
                                                                    srtMetrics_, access_});
    auto srt = srt::SrtServer::start(*srtContext_);
    if (!srt) {
      return srt.error();
    }
    srt_ = std::move(*srt);
  }
  if (config_.webrtc.enabled) {
    if (Status webrtc = startWebRtc(); !webrtc) {
      return webrtc;
    }
  }
  if (Status http = startHttp(); !http) {
    return http;
  }
  if (!config_.upstreams.empty()) {
    startTier();
  }
  api_.setReady(true);
  tick_.start(kTickInterval, kTickInterval);
  uv_signal_start(sigint_.get(), &App::onSignal, SIGINT);
  uv_signal_start(sigterm_.get(), &App::onSignal, SIGTERM);
  uv_signal_start(sighup_.get(), &App::onReloadSignal, SIGHUP);
  return Status::ok();
}

Status App::startWebRtc() {
  if (Status srtp = webrtc::initSrtpLibrary(); !srtp) {
    return srtp.error().wrap("webrtc");
  }
  auto certificate = webrtc::DtlsCertificate::generate();
  if (!certificate) {
    return certificate.error().wrap("webrtc: DTLS certificate");
  }
  auto transport = webrtc::WebRtcTransport::start(loop_, config_.webrtc, webrtcMetrics_);
  if (!transport) {
    return transport.error();
  }
  webrtcTransport_ = std::move(*transport);
  webrtcContext_ = std::make_unique<webrtc::WebRtcContext>(webrtc::WebRtcContext{
      loop_, hub_, clock_, config_.webrtc, config_.viewers, config_.http.playWait, webrtcSessionMetrics_,
      webrtcMetrics_, clients_, access_, std::move(*certificate), *webrtcTransport_});
  webrtc_ = std::make_unique<webrtc::WebRtcService>(*webrtcContext_);
  httpContext_.signaling = webrtc_.get();
  std::string candidates;
  for (const auto& candidate : webrtcTransport_->candidates()) {
    candidates += (candidates.empty() ? "" : ", ") + candidate.address;
  }
  spdlog::info("webrtc: listening on udp {}:{} (candidates: {})", config_.webrtc.listen.host,
               webrtcTransport_->port(), candidates);
  return Status::ok();
}

Status App::startHttp() {
  auto server = [this](http::HttpContext& context, const ListenAddress& address,
                       std::shared_ptr<tls::TlsContext> tls) {
    return TcpServer::start(
        loop_, address, ConnectionLimits{config_.http.maxConnections, config_.http.maxConnectionsPerAddress},
        httpMetrics_,
        [&context](std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& owner) {
          return std::make_unique<http::HttpSession>(context, std::move(connection), owner);
        },
        std::move(tls));
  };
  if (config_.http.enabled) {
    auto http = server(httpContext_, config_.http.listen, nullptr);
    if (!http) {
      return http.error();
    }
    http_ = std::move(*http);
    if (config_.http.tlsListen) {
      auto https = server(httpContext_, *config_.http.tlsListen, tls_);
      if (!https) {
        return https.error().wrap("https");
      }
      https_ = std::move(*https);
    }
  }
  // The API port last: whoever watches it for readiness finds the media ports bound.
  if (config_.api.listen) {
    auto api = server(apiContext_, *config_.api.listen, nullptr);
    if (!api) {
      return api.error().wrap("api");
    }
    apiServer_ = std::move(*api);
  }
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
  // Requests to other nodes carry this node's own credentials (security.tier_secret).
  auto credentialed = [this](PullTarget target, security::AccessAction action) {
    target.query = joinQuery(target.query, access_.tierCredentials(action, target.app + "/" + target.name));
    return target;
  };
  auto pull = [this, credentialed](const UpstreamSettings& upstream, Stream& stream, const PullTarget& target,
                                   UpstreamAttempt::Listener& listener) {
    PullTarget signedTarget = credentialed(target, security::AccessAction::kPlay);
    return upstream.protocol == UpstreamProtocol::kRtmp
               ? rtmp::RtmpPull::start(*rtmpUpstream_, upstream, stream, signedTarget, listener)
               : srt::SrtPull::start(*srtUpstream_, upstream, stream, signedTarget, listener);
  };
  auto push = [this, credentialed](const UpstreamSettings& upstream, Stream& stream, const PullTarget& target,
                                   UpstreamPusher::Listener& listener) {
    PullTarget signedTarget = credentialed(target, security::AccessAction::kPublish);
    return upstream.protocol == UpstreamProtocol::kRtmp
               ? rtmp::RtmpPush::start(*rtmpUpstream_, upstream, stream, signedTarget, listener)
               : srt::SrtPush::start(*srtUpstream_, upstream, stream, signedTarget, listener);
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

void App::onReloadSignal(uv_signal_t* handle, int) {
  auto* self = uv::ownerOf<App>(handle);
  if (self == nullptr || !self->tls_) {
    return;
  }
  if (Status reloaded = self->tls_->reload(); !reloaded) {
    spdlog::error("SIGHUP: TLS certificate not reloaded, the previous one stays: {}", reloaded.error().message());
    return;
  }
  spdlog::info("SIGHUP: TLS certificate reloaded from {}", self->tls_->certificateFile());
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
  for (auto* server : {rtmps_.get(), http_.get(), https_.get(), apiServer_.get()}) {
    if (server != nullptr) {
      server->shutdown();
    }
  }
  if (srt_) {
    srt_->shutdown();
  }
  if (webrtc_) {
    webrtc_->stop();
    webrtcTransport_->close();
  }
  if (srtPoller_) {
    srtPoller_->stop();
  }
  tick_.close();
  sigint_.close();
  sigterm_.close();
  sighup_.close();
}

}  // namespace rtsedge
