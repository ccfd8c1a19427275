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
#include "relay/clients.h"
#include "relay/egress_queue.h"
#include "relay/egress_subscriber.h"
#include "relay/session.h"
#include "relay/stream_key.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"

namespace rtsedge::http {

// One HTTP/1.x connection: keep-alive requests to the API, health and metrics,
// or one HTTP-FLV stream that lasts as long as the viewer watches.
class HttpSession final : public uv::DeferredDeletable,
                          public Client,
                          private uv::TcpConnection::Listener,
                          private EgressSubscriber::Listener {
 public:
  class Listener {
   public:
    virtual void onHttpSessionClosed(HttpSession& session) = 0;

   protected:
    ~Listener() = default;
  };

  HttpSession(HttpContext& context, std::unique_ptr<uv::TcpConnection> connection, Listener& listener);
  ~HttpSession() override;

  void start();
  void close(CloseReason reason, std::string_view detail);
  uint64_t id() const { return id_; }

  ClientInfo clientInfo() const override;
  void kick() override { close(CloseReason::kKicked, "kicked through the API"); }

 private:
  enum class Phase { kReading, kResponding, kWaitingForStream, kStreaming, kClosing, kClosed };

  void onTcpData(std::span<const uint8_t> data) override;
  void onTcpWriteDone() override;
  void onTcpClosed(std::string_view reason) override;
  void onEgressOutput() override { flush(); }
  void onEgressSkipped() override;
  void onEgressOverflow() override;
  void onEgressStreamEnded() override;

  void nextRequest();
  // closeReason: what the close is counted as when !keepAlive.
  void respond(const HttpResponse& response, bool keepAlive, CloseReason closeReason = CloseReason::kPeerClosed);
  void play();
  void checkStream();
  void startStreaming(Stream& stream);
  void onTimer();
  void armTimer(Millis timeout, Millis repeat = Millis(0));
  void flush();
  void closeAfterFlush(CloseReason reason, std::string detail);
  bool done() const { return phase_ == Phase::kClosing || phase_ == Phase::kClosed; }

  HttpContext& context_;
  std::unique_ptr<uv::TcpConnection> connection_;
  Listener& listener_;
  uint64_t id_;
  SteadyTime since_;
  Phase phase_ = Phase::kReading;
  std::string role_ = "none";

  RequestParser parser_;
  std::deque<HttpRequest> requests_;
  std::vector<HttpRequest> parsed_;  // reused between reads
  std::optional<HttpRequest> current_;
  bool partialRequest_ = false;
  EgressQueue queue_;
  std::vector<Bytes> batch_;
  uv::Timer timer_;

  std::optional<StreamKey> streamKey_;
  TrackFilter filter_;
  SteadyTime waitingSince_{};
  std::unique_ptr<FlvMuxer> muxer_;
  std::unique_ptr<EgressSubscriber> subscriber_;
  bool chunked_ = false;
  uint64_t bytesReceived_ = 0;
  std::optional<std::pair<CloseReason, std::string>> pendingClose_;
};

}  // namespace rtsedge::http
