#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/http/flv_muxer.h"
#include "protocols/http/http_context.h"
#include "protocols/http/request_parser.h"
#include "protocols/http/response.h"
#include "protocols/http/webrtc_routes.h"
#include "protocols/mpegts/ts_muxer.h"
#include "protocols/webrtc/signaling.h"
#include "relay/clients.h"
#include "relay/egress_queue.h"
#include "relay/egress_subscriber.h"
#include "relay/session.h"
#include "relay/stream_key.h"
#include "relay/tcp_session.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"
#include "security/session_access.h"

namespace rtsedge::http {

// One HTTP/1.x connection: keep-alive requests to the API, health and metrics and
// WHIP/WHEP signalling, or one HTTP-FLV or HTTP-TS stream that lasts as long as the
// viewer watches.
class HttpSession final : public TcpSession, private EgressSubscriber::Listener {
 public:
  HttpSession(HttpContext& context, std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& listener);
  ~HttpSession() override;

  void start() override;

 private:
  // kAuthorizing: a play waits for access control (a hook's answer).
  // kSignaling: a WHIP/WHEP offer waits for its answer.
  enum class Phase { kReading, kResponding, kAuthorizing, kSignaling, kWaitingForStream, kStreaming };

  void onClose() override;
  void onQueueDrained() override;
  void onTcpData(std::span<const uint8_t> data) override;
  void onEgressOutput() override { flushSoon(); }
  void onEgressSkipped() override;
  void onEgressOverflow() override;
  void onEgressStreamEnded() override;

  void nextRequest();
  // closeReason: what the close is counted as when !keepAlive.
  void respond(const HttpResponse& response, bool keepAlive, CloseReason closeReason = CloseReason::kPeerClosed);
  void play();
  // A request to a WHIP/WHEP route (webrtc_routes.h).
  void signal(WebRtcRoute route);
  void startOffer(webrtc::WebRtcOffer offer);
  void waitForStream();
  void checkStream();
  void startStreaming(Stream& stream);
  void onTimer();

  HttpContext& context_;
  Phase phase_ = Phase::kReading;

  RequestParser parser_;
  std::deque<HttpRequest> requests_;
  std::vector<HttpRequest> parsed_;  // reused between reads
  std::optional<HttpRequest> current_;
  bool partialRequest_ = false;
  uv::Timer timer_;

  std::unique_ptr<webrtc::Signaling::Pending> offer_;  // the offer in kSignaling, until its answer is out
  security::SessionAccess access_;
  TrackFilter filter_;
  SteadyTime waitingSince_{};
  bool ts_ = false;  // HTTP-TS rather than HTTP-FLV
  std::unique_ptr<Muxer> muxer_;
  std::unique_ptr<EgressSubscriber> subscriber_;
  bool chunked_ = false;
};

}  // namespace rtsedge::http
