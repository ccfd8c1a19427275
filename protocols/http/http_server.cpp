#include "protocols/http/http_server.h"

#include <vector>

#include <spdlog/spdlog.h>

namespace rtsedge::http {

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpContext& context) {
  std::unique_ptr<HttpServer> server(new HttpServer(context));
  auto listener = uv::TcpListener::listen(context.loop, context.settings.listen.host, context.settings.listen.port,
                                          static_cast<uv::TcpListener::Listener&>(*server));
  if (!listener) {
    return listener.error().wrap("http");
  }
  server->listener_ = std::move(*listener);
  spdlog::info("http listening on {}:{}", context.settings.listen.host, server->port());
  return server;
}

HttpServer::~HttpServer() { shutdown(); }

void HttpServer::shutdown() {
  if (listener_) {
    listener_->close();
  }
  std::vector<HttpSession*> open;
  for (auto& [id, session] : sessions_) {
    open.push_back(session.get());
  }
  for (HttpSession* session : open) {
    session->close(CloseReason::kShutdown, "server stopping");
  }
}

void HttpServer::onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) {
  if (sessions_.size() >= context_.settings.maxConnections) {
    context_.metrics.closed(CloseReason::kTooMany);
    spdlog::warn("http: {} refused: {} connections open", connection->peer(), sessions_.size());
    return;  // the connection closes as it goes out of scope
  }
  auto session = std::make_unique<HttpSession>(context_, std::move(connection),
                                               static_cast<HttpSession::Listener&>(*this));
  HttpSession& started = *session;
  sessions_.emplace(started.id(), std::move(session));
  started.start();
}

void HttpServer::onHttpSessionClosed(HttpSession& session) {
  auto it = sessions_.find(session.id());
  if (it != sessions_.end()) {
    context_.loop.deferDelete(std::move(it->second));
    sessions_.erase(it);
  }
}

}  // namespace rtsedge::http
