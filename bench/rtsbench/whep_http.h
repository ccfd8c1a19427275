#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/rtsbench/http_response_reader.h"
#include "relay/clock.h"
#include "relay/status.h"
#include "relay/uv/loop.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"

namespace rtsedge::bench {

// A whole HTTP response to one request.
struct HttpReply {
  int status = 0;
  std::string location;  // the Location header, if any
  std::string body;
};

// One HTTP/1.1 request on a connection of its own (WHEP's POST of the offer, DELETE of
// the session): connect, write, read the response (HttpResponseReader, any status) until
// its body ends, then close. `done` runs once, unless close() comes first; an Error for
// no connection, a malformed response, the connection closed early or the timeout.
// The body is capped at kMaxBody (an SDP answer is a few KB).
class HttpExchange final : private uv::TcpConnection::Listener {
 public:
  using Done = std::function<void(Result<HttpReply>)>;
  static constexpr size_t kMaxBody = 64 * 1024;

  explicit HttpExchange(uv::Loop& loop);
  ~HttpExchange() { close(); }
  HttpExchange(const HttpExchange&) = delete;
  HttpExchange& operator=(const HttpExchange&) = delete;

  // `request` is the whole request, head and body.
  void start(const std::string& host, uint16_t port, std::string request, Millis timeout, Done done);
  // Stops without calling back; idempotent.
  void close();
  bool active() const { return done_ != nullptr; }

 private:
  void onConnected(Result<std::unique_ptr<uv::TcpConnection>> connection);
  void onTcpData(std::span<const uint8_t> data) override;
  void onTcpWriteDone() override {}
  void onTcpClosed(std::string_view reason) override;
  void finish(Result<HttpReply> result);

  uv::Loop& loop_;
  uv::Timer timeout_;
  std::unique_ptr<uv::TcpConnector> connector_;
  std::unique_ptr<uv::TcpConnection> connection_;
  std::string request_;
  HttpResponseReader response_{std::nullopt};
  std::vector<std::span<const uint8_t>> pieces_;
  HttpReply reply_;
  Done done_;
};

}  // namespace rtsedge::bench
