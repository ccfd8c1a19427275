#include "relay/tcp_session.h"

#include <spdlog/spdlog.h>

namespace rtsedge {

namespace {
// How long a closing session may take to write what it has queued.
constexpr Millis kCloseFlushTimeout{2000};
}  // namespace

TcpSession::TcpSession(const Context& context, std::unique_ptr<uv::TcpConnection> connection, Listener& listener)
    : context_(context),
      metrics_(context.metrics),
      connection_(std::move(connection)),
      listener_(listener),
      id_(context.clients.add(*this)),
      since_(context.clock.now()),
      queue_(context.queueLimits, context.clock),
      closeTimer_(context.loop, [this] {
        auto [reason, detail] = *pendingClose_;
        close(reason, detail + " (not flushed in time)");
      }) {
  connection_->setListener(this);
}

TcpSession::~TcpSession() {
  context_.clients.remove(id_);
  closeTimer_.close();
  connection_->close();
}

ClientInfo TcpSession::clientInfo() const {
  return ClientInfo{.id = id_,
                    .protocol = metrics_.protocol,
                    .role = role_,
                    .stream = streamKey_ ? streamKey_->key() : std::string(),
                    .remote = connection_->peer(),
                    .since = since_,
                    .bytesReceived = bytesReceived_,
                    .bytesSent = connection_->bytesWritten()};
}

void TcpSession::setRole(std::string role) {
  if (role_ != "none") {
    metrics_.sessionsIn(role_).add(-1);
  }
  role_ = std::move(role);
  if (role_ != "none") {
    metrics_.sessionsIn(role_).add(1);
  }
}

void TcpSession::countReceived(size_t bytes) {
  bytesReceived_ += bytes;
  metrics_.bytesReceived.inc(bytes);
}

void TcpSession::flush() {
  if (closed_ || connection_->writing()) {
    return;
  }
  queue_.takeBatch(batch_);
  if (!batch_.empty()) {
    for (const Bytes& bytes : batch_) {
      metrics_.bytesSent.inc(bytes.size());
    }
    connection_->write(batch_);
  } else if (pendingClose_) {
    auto [reason, detail] = *pendingClose_;
    close(reason, detail);
  } else {
    onQueueDrained();
  }
}

void TcpSession::onTcpWriteDone() {
  queue_.onBatchWritten();
  flush();
}

void TcpSession::closeAfterFlush(CloseReason reason, std::string detail) {
  if (closing()) {
    return;
  }
  pendingClose_.emplace(reason, std::move(detail));
  connection_->stopReading();
  closeTimer_.start(kCloseFlushTimeout);
  flush();
}

void TcpSession::protocolError(std::string_view kind, std::string_view detail) {
  if (!closed_) {
    metrics_.protocolErrors.labels({metrics_.protocol, std::string(kind)}).inc();
  }
  close(CloseReason::kProtocolError, detail);
}

void TcpSession::close(CloseReason reason, std::string_view detail) {
  if (closed_) {
    return;
  }
  closed_ = true;
  bool expected = reason == CloseReason::kPeerClosed || reason == CloseReason::kShutdown ||
                  reason == CloseReason::kStreamEnded || reason == CloseReason::kKicked || reason == CloseReason::kIdle;
  // Requests and short visits without a role are routine: only their trouble is worth a line.
  auto level = role_ == "none" && expected ? spdlog::level::debug
               : expected                  ? spdlog::level::info
                                           : spdlog::level::warn;
  spdlog::log(level, "{}#{} {} {}: closed ({}): {}", metrics_.protocol, id_, connection_->peer(),
              streamKey_ ? streamKey_->key() : "-", closeReasonName(reason), detail);
  metrics_.closed(reason);
  queue_.finishTiming();
  onClose();
  setRole("none");
  closeTimer_.close();
  connection_->close();
  context_.clients.remove(id_);
  listener_.onSessionClosed(*this);
}

}  // namespace rtsedge
