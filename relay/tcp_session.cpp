#include "relay/tcp_session.h"

namespace rtsedge {

namespace {
// How long a closing session may take to write what it has queued.
constexpr Millis kCloseFlushTimeout{2000};
}  // namespace

TcpSession::TcpSession(const Context& context, std::unique_ptr<uv::TcpConnection> connection, Listener& listener)
    : context_(context),
      metrics_(&context.metrics),
      connection_(std::move(connection)),
      listener_(listener),
      id_(context.clients.add(*this)),
      since_(context.clock.now()),
      role_(context.metrics),
      queue_(context.queueLimits, context.clock),
      closeTimer_(context.loop, [this] {
        auto [reason, detail] = *pendingClose_;
        close(reason, detail + " (not flushed in time)");
      }) {
  connection_->setListener(this);
}

TcpSession::~TcpSession() {
  if (flushScheduled_) {
    context_.loop.cancelFlush(*this);
  }
  context_.clients.remove(id_);
  closeTimer_.close();
  connection_->close();
}

ClientInfo TcpSession::clientInfo() const {
  return ClientInfo{.id = id_,
                    .protocol = metrics_->protocol,
                    .role = role_.name(),
                    .stream = streamKey_ ? streamKey_->key() : std::string(),
                    .remote = connection_->peer(),
                    .since = since_,
                    .bytesReceived = bytesReceived_,
                    .bytesSent = connection_->bytesWritten(),
                    .transport = {}};
}

void TcpSession::countAs(SessionMetrics& metrics) {
  metrics_ = &metrics;
  role_.countAs(metrics);
}

void TcpSession::countReceived(size_t bytes) {
  bytesReceived_ += bytes;
  metrics_->bytesReceived.inc(bytes);
}

void TcpSession::flush() {
  if (closed_ || connection_->writing()) {
    return;
  }
  queue_.takeBatch(batch_);
  if (!batch_.empty()) {
    for (const Bytes& bytes : batch_) {
      metrics_->bytesSent.inc(bytes.size());
    }
    connection_->write(batch_);
  } else if (pendingClose_) {
    auto [reason, detail] = *pendingClose_;
    close(reason, detail);
  } else {
    onQueueDrained();
  }
}

void TcpSession::flushSoon() {
  if (!flushScheduled_ && !closed_) {
    flushScheduled_ = true;
    context_.loop.deferFlush(*this);
  }
}

void TcpSession::runDeferredFlush() {
  flushScheduled_ = false;
  flush();
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
    metrics_->protocolErrors.labels({metrics_->protocol, std::string(kind)}).inc();
  }
  close(CloseReason::kProtocolError, detail);
}

void TcpSession::close(CloseReason reason, std::string_view detail) {
  if (closed_) {
    return;
  }
  closed_ = true;
  metrics_->logClose(id_, connection_->peer(), streamKey_ ? streamKey_->key() : std::string(), !role_.none(), reason,
                     detail);
  queue_.finishTiming();
  onClose();
  role_.set("none");
  closeTimer_.close();
  connection_->close();
  context_.clients.remove(id_);
  listener_.onSessionClosed(*this);
}

}  // namespace rtsedge
