#pragma once

#include <map>
#include <memory>

#include "protocols/http/http_context.h"
#include "protocols/http/http_session.h"
#include "relay/status.h"
#include "relay/uv/tcp.h"

namespace rtsedge::http {

// The HTTP listener and the sessions it accepted.
class HttpServer final : private uv::TcpListener::Listener, private HttpSession::Listener {
 public:
  static Result<std::unique_ptr<HttpServer>> start(HttpContext& context);
  ~HttpServer();

  uint16_t port() const { return listener_->port(); }
  void shutdown();

 private:
  explicit HttpServer(HttpContext& context) : context_(context) {}
  void onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) override;
  void onHttpSessionClosed(HttpSession& session) override;

  HttpContext& context_;
  std::unique_ptr<uv::TcpListener> listener_;
  std::map<uint64_t, std::unique_ptr<HttpSession>> sessions_;
};

}  // namespace rtsedge::http
