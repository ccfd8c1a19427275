#pragma once

#include <memory>

#include "cache/pull_manager.h"
#include "cache/tier_metrics.h"
#include "metrics/registry.h"
#include "protocols/http/api.h"
#include "protocols/http/http_context.h"
#include "protocols/http/http_session.h"
#include "protocols/rtmp/rtmp_context.h"
#include "protocols/rtmp/rtmp_session.h"
#include "protocols/rtmp/rtmp_upstream.h"
#include "protocols/srt/srt_context.h"
#include "protocols/srt/srt_library.h"
#include "protocols/srt/srt_poller.h"
#include "protocols/srt/srt_server.h"
#include "protocols/srt/srt_stats.h"
#include "protocols/srt/srt_upstream.h"
#include "protocols/webrtc/server/webrtc_context.h"
#include "protocols/webrtc/server/webrtc_metrics.h"
#include "protocols/webrtc/server/webrtc_service.h"
#include "protocols/webrtc/server/webrtc_transport.h"
#include "relay/clients.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/session_metrics.h"
#include "relay/status.h"
#include "relay/stream_metrics.h"
#include "relay/tcp_server.h"
#include "relay/uv/handle.h"
#include "relay/uv/loop.h"
#include "relay/uv/timer.h"
#include "relay/tls/tls_context.h"
#include "security/access_control.h"

namespace rtsedge {

// The process: one loop, the hub, the protocol servers, and a clean stop on
// SIGINT/SIGTERM (sessions closed, every handle released). SIGHUP reloads the TLS
// certificate.
class App {
 public:
  explicit App(Config config);
  ~App();

  // Binds every listener; nothing is bound if one fails.
  Status start();
  void run();
  void stop();

 private:
  static void onSignal(uv_signal_t* handle, int signal);
  static void onReloadSignal(uv_signal_t* handle, int signal);
  Status startHttp();
  Status startWebRtc();
  // The tier logic, for a node with upstreams.
  void startTier();

  // The loop is declared first so it is destroyed last, after everything on it.
  uv::Loop loop_;
  srt::SrtLibrary srtLibrary_;  // before any SRT socket, cleaned up after the last
  Config config_;
  SteadyClock clock_;
  metrics::Registry registry_;
  StreamMetrics streamMetrics_;
  Hub hub_;
  ClientRegistry clients_;
  security::AccessControl access_;
  std::shared_ptr<tls::TlsContext> tls_;  // with `tls:` set
  SessionMetrics rtmpMetrics_;
  rtmp::RtmpContext rtmpContext_;
  std::unique_ptr<TcpServer> rtmp_;
  std::unique_ptr<TcpServer> rtmps_;
  SessionMetrics httpMetrics_;
  SessionMetrics httpTsMetrics_;
  http::Api api_;
  http::HttpContext httpContext_;
  http::HttpContext apiContext_;  // the API's own listener (api.listen)
  std::unique_ptr<TcpServer> http_;
  std::unique_ptr<TcpServer> https_;
  std::unique_ptr<TcpServer> apiServer_;
  SessionMetrics srtSessionMetrics_;
  srt::SrtMetrics srtMetrics_;
  std::unique_ptr<srt::SrtPoller> srtPoller_;
  std::unique_ptr<srt::SrtContext> srtContext_;
  std::unique_ptr<srt::SrtServer> srt_;
  SessionMetrics webrtcSessionMetrics_;
  webrtc::WebRtcMetrics webrtcMetrics_;
  std::unique_ptr<webrtc::WebRtcTransport> webrtcTransport_;
  std::unique_ptr<webrtc::WebRtcContext> webrtcContext_;
  std::unique_ptr<webrtc::WebRtcService> webrtc_;
  TierMetrics tierMetrics_;
  std::unique_ptr<rtmp::RtmpUpstreamContext> rtmpUpstream_;
  std::unique_ptr<srt::SrtUpstreamContext> srtUpstream_;
  std::unique_ptr<PullManager> tier_;  // a node with upstreams only
  uv::Timer tick_;
  uv::Handle<uv_signal_t> sigint_;
  uv::Handle<uv_signal_t> sigterm_;
  uv::Handle<uv_signal_t> sighup_;
  bool stopping_ = false;
};

}  // namespace rtsedge
