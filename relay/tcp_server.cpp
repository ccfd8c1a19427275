#include "relay/tcp_server.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "relay/config_values.h"

namespace rtsedge {

TcpServer::TcpServer(uv::Loop& loop, size_t maxConnections, SessionMetrics& metrics, Factory factory,
                     std::shared_ptr<tls::TlsContext> tls)
    : loop_(loop),
      maxConnections_(maxConnections),
      metrics_(metrics),
      factory_(std::move(factory)),
      tls_(std::move(tls)) {}

Result<std::unique_ptr<TcpServer>> TcpServer::start(uv::Loop& loop, const ListenAddress& address, size_t maxConnections,
                                                    SessionMetrics& metrics, Factory factory,
                                                    std::shared_ptr<tls::TlsContext> tls) {
  std::unique_ptr<TcpServer> server(new TcpServer(loop, maxConnections, metrics, std::move(factory), std::move(tls)));
  auto listener =
      uv::TcpListener::listen(loop, address.host, address.port, static_cast<uv::TcpListener::Listener&>(*server));
  if (!listener) {
    return listener.error().wrap(metrics.protocol);
  }
  server->listener_ = std::move(*listener);
  spdlog::info("{} listening on {}{}", metrics.protocol, formatListenAddress({address.host, server->port()}),
               server->tls_ ? " (TLS)" : "");
  return server;
}

TcpServer::~TcpServer() {
  shutdown();
}

void TcpServer::shutdown() {
  if (listener_) {
    listener_->close();
  }
  // close() hands each session back through onSessionClosed, which erases it.
  std::vector<TcpSession*> open;
  for (auto& [id, session] : sessions_) {
    open.push_back(session.get());
  }
  for (TcpSession* session : open) {
    session->close(CloseReason::kShutdown, "server stopping");
  }
}

void TcpServer::onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) {
  if (sessions_.size() >= maxConnections_) {
    metrics_.closed(CloseReason::kTooMany);
    spdlog::warn("{}: {} refused: {} connections open", metrics_.protocol, connection->peer(), sessions_.size());
    return;  // the connection closes as it goes out of scope
  }
  metrics_.connectionsAccepted.inc();
  if (tls_) {
    connection->enableTls(tls_->current());
  }
  auto session = factory_(std::move(connection), *this);
  TcpSession& started = *session;
  sessions_.emplace(started.id(), std::move(session));
  started.start();
}

void TcpServer::onSessionClosed(TcpSession& session) {
  auto it = sessions_.find(session.id());
  if (it != sessions_.end()) {
    loop_.deferDelete(std::move(it->second));
    sessions_.erase(it);
  }
}

}  // namespace rtsedge
