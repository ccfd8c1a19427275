#include "relay/tcp_server.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "relay/config_values.h"
#include "security/cidr.h"

namespace rtsedge {

TcpServer::TcpServer(uv::Loop& loop, ConnectionLimits limits, SessionMetrics& metrics, Factory factory,
                     std::shared_ptr<tls::TlsContext> tls)
    : loop_(loop),
      limits_(limits),
      metrics_(metrics),
      factory_(std::move(factory)),
      tls_(std::move(tls)) {}

Result<std::unique_ptr<TcpServer>> TcpServer::start(uv::Loop& loop, const ListenAddress& address, ConnectionLimits limits,
                                                    SessionMetrics& metrics, Factory factory,
                                                    std::shared_ptr<tls::TlsContext> tls) {
  std::unique_ptr<TcpServer> server(new TcpServer(loop, limits, metrics, std::move(factory), std::move(tls)));
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
  for (auto& [id, accepted] : sessions_) {
    open.push_back(accepted.session.get());
  }
  for (TcpSession* session : open) {
    session->close(CloseReason::kShutdown, "server stopping");
  }
}

void TcpServer::onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) {
  std::string address(security::hostOfPeer(connection->peer()));
  size_t& fromAddress = perAddress_[address];
  if (sessions_.size() >= limits_.total || fromAddress >= limits_.perAddress) {
    metrics_.closed(CloseReason::kTooMany);
    bool total = sessions_.size() >= limits_.total;
    spdlog::warn("{}: {} refused: {} connections open{}", metrics_.protocol, connection->peer(),
                 total ? sessions_.size() : fromAddress, total ? "" : " from this address");
    if (fromAddress == 0) {
      perAddress_.erase(address);
    }
    return;  // the connection closes as it goes out of scope
  }
  ++fromAddress;
  metrics_.connectionsAccepted.inc();
  if (tls_) {
    connection->enableTls(tls_->current());
  }
  auto session = factory_(std::move(connection), *this);
  TcpSession& started = *session;
  sessions_.emplace(started.id(), Accepted{std::move(session), std::move(address)});
  started.start();
}

void TcpServer::onSessionClosed(TcpSession& session) {
  auto it = sessions_.find(session.id());
  if (it != sessions_.end()) {
    auto count = perAddress_.find(it->second.address);
    if (count != perAddress_.end() && --count->second == 0) {
      perAddress_.erase(count);
    }
    loop_.deferDelete(std::move(it->second.session));
    sessions_.erase(it);
  }
}

}  // namespace rtsedge
