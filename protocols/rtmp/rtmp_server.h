#pragma once

#include <map>
#include <memory>

#include "protocols/rtmp/rtmp_context.h"
#include "protocols/rtmp/rtmp_session.h"
#include "relay/status.h"
#include "relay/uv/tcp.h"

namespace rtsedge::rtmp {

// The RTMP listener and the sessions it accepted.
class RtmpServer final : private uv::TcpListener::Listener, private RtmpSession::Listener {
 public:
  static Result<std::unique_ptr<RtmpServer>> start(RtmpContext& context);
  ~RtmpServer();

  uint16_t port() const { return listener_->port(); }
  size_t sessionCount() const { return sessions_.size(); }
  // Stops accepting and closes every session.
  void shutdown();

 private:
  explicit RtmpServer(RtmpContext& context) : context_(context) {}
  void onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) override;
  void onRtmpSessionClosed(RtmpSession& session) override;

  RtmpContext& context_;
  std::unique_ptr<uv::TcpListener> listener_;
  std::map<uint64_t, std::unique_ptr<RtmpSession>> sessions_;
};

}  // namespace rtsedge::rtmp
