#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "relay/config.h"
#include "relay/session_metrics.h"
#include "relay/status.h"
#include "relay/tcp_session.h"
#include "relay/tls/tls_context.h"
#include "relay/uv/loop.h"
#include "relay/uv/tcp.h"

namespace rtsedge {

// How many connections a listener keeps at once: in all, and from one client address.
struct ConnectionLimits {
  size_t total = SIZE_MAX;
  size_t perAddress = SIZE_MAX;
};

// A listener and the sessions it accepted, for any protocol: the factory makes
// the protocol's session. Closed sessions are destroyed on the next loop turn.
// A connection past a limit is closed at once, counted as too_many; those already
// open are untouched.
// With `tls` every accepted connection is the server side of TLS (HTTPS, RTMPS),
// with the context current when it was accepted; the sessions see plaintext.
class TcpServer final : private uv::TcpListener::Listener, private TcpSession::Listener {
 public:
  using Factory = std::function<std::unique_ptr<TcpSession>(std::unique_ptr<uv::TcpConnection>, TcpSession::Listener&)>;

  static Result<std::unique_ptr<TcpServer>> start(uv::Loop& loop, const ListenAddress& address, ConnectionLimits limits,
                                                  SessionMetrics& metrics, Factory factory,
                                                  std::shared_ptr<tls::TlsContext> tls = nullptr);
  ~TcpServer();

  uint16_t port() const { return listener_->port(); }
  size_t sessionCount() const { return sessions_.size(); }
  // Stops accepting and closes every session.
  void shutdown();

 private:
  TcpServer(uv::Loop& loop, ConnectionLimits limits, SessionMetrics& metrics, Factory factory,
            std::shared_ptr<tls::TlsContext> tls);
  void onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) override;
  void onSessionClosed(TcpSession& session) override;

  uv::Loop& loop_;
  ConnectionLimits limits_;
  SessionMetrics& metrics_;
  Factory factory_;
  std::shared_ptr<tls::TlsContext> tls_;
  std::unique_ptr<uv::TcpListener> listener_;
  struct Accepted {
    std::unique_ptr<TcpSession> session;
    std::string address;  // the client's, without port
  };
  std::map<uint64_t, Accepted> sessions_;
  std::map<std::string, size_t, std::less<>> perAddress_;  // open connections by client address
};

}  // namespace rtsedge
