#include "protocols/rtmp/rtmp_server.h"

#include <vector>

#include <spdlog/spdlog.h>

namespace rtsedge::rtmp {

Result<std::unique_ptr<RtmpServer>> RtmpServer::start(RtmpContext& context) {
  std::unique_ptr<RtmpServer> server(new RtmpServer(context));
  auto listener = uv::TcpListener::listen(context.loop, context.settings.listen.host, context.settings.listen.port,
                                          static_cast<uv::TcpListener::Listener&>(*server));
  if (!listener) {
    return listener.error().wrap("rtmp");
  }
  server->listener_ = std::move(*listener);
  spdlog::info("rtmp listening on {}:{}", context.settings.listen.host, server->port());
  return server;
}

RtmpServer::~RtmpServer() { shutdown(); }

void RtmpServer::shutdown() {
  if (listener_) {
    listener_->close();
  }
  // close() hands each session back through onRtmpSessionClosed, which erases it.
  std::vector<RtmpSession*> open;
  for (auto& [id, session] : sessions_) {
    open.push_back(session.get());
  }
  for (RtmpSession* session : open) {
    session->close(CloseReason::kShutdown, "server stopping");
  }
}

void RtmpServer::onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) {
  auto session = std::make_unique<RtmpSession>(context_, std::move(connection),
                                                static_cast<RtmpSession::Listener&>(*this));
  RtmpSession& started = *session;
  sessions_.emplace(started.id(), std::move(session));
  started.start();
}

void RtmpServer::onRtmpSessionClosed(RtmpSession& session) {
  auto it = sessions_.find(session.id());
  if (it != sessions_.end()) {
    context_.loop.deferDelete(std::move(it->second));
    sessions_.erase(it);
  }
}

}  // namespace rtsedge::rtmp
