#include "protocols/rtmp/rtmp_session.h"

#include <spdlog/spdlog.h>

#include "protocols/rtmp/chunk_writer.h"
#include "protocols/rtmp/rtmp_mux.h"
#include "relay/config_values.h"

namespace rtsedge::rtmp {

RtmpSession::RtmpSession(RtmpContext& context, std::unique_ptr<uv::TcpConnection> connection,
                         TcpSession::Listener& listener)
    : TcpSession(TcpSession::Context::of(context), std::move(connection), listener),
      context_(context),
      reader_(ChunkReaderLimits{context.settings.maxMessageSize, 64}),
      muxer_(context.settings.chunkSize),
      timer_(context.loop, [this] { onTimer(); }),
      access_(context.access) {}

RtmpSession::~RtmpSession() {
  onClose();
}

void RtmpSession::onClose() {
  stopRole();
  timer_.close();
}

void RtmpSession::start() {
  spdlog::debug("rtmp#{} {}: connected", id(), connection().peer());
  armTimer();
  if (Status status = connection().startReading(); !status) {
    close(CloseReason::kPeerClosed, status.error().message());
  }
}

void RtmpSession::onTimer() {
  if (phase_ == Phase::kPublishing) {
    close(CloseReason::kTimeout,
          fmt::format("idle: nothing received for {}", formatDuration(context_.settings.idleTimeout)));
  } else if (phase_ != Phase::kPlaying) {
    close(CloseReason::kTimeout,
          fmt::format("no publish or play within {}", formatDuration(context_.settings.handshakeTimeout)));
  }
}

void RtmpSession::armTimer() {
  switch (phase_) {
    case Phase::kHandshake:
    case Phase::kConnected:  // after a role ends: publish or play again, or go
      timer_.start(context_.settings.handshakeTimeout);
      break;
    case Phase::kPublishing: timer_.start(context_.settings.idleTimeout); break;
    case Phase::kPlaying: timer_.stop(); break;
    case Phase::kConnecting:
    case Phase::kAuthorizing: break;  // the handshake timer keeps running until publish or play
  }
}

void RtmpSession::onTcpData(std::span<const uint8_t> data) {
  bytesReceived_ += data.size();
  countReceived(data.size());
  if (phase_ == Phase::kHandshake) {
    feedHandshake(data);
    if (phase_ == Phase::kHandshake || closing()) {
      return;
    }
  }
  if (closing()) {
    return;
  }
  Status status = reader_.feed(data, messages_);
  for (const Message& message : messages_) {
    handleMessage(message);
    if (closing()) {
      break;  // a handler may close us mid-loop
    }
  }
  messages_.clear();
  if (closing()) {
    return;
  }
  if (!status) {
    protocolError("chunk", status.error().message());
    return;
  }
  acknowledge();
  if (phase_ == Phase::kPublishing) {
    armTimer();
  }
}

void RtmpSession::feedHandshake(std::span<const uint8_t>& data) {
  size_t consumed = 0;
  std::vector<uint8_t> reply;
  auto done = handshake_.feed(data, consumed, reply);
  if (!done) {
    protocolError("handshake", done.error().wrap("handshake").message());
    return;
  }
  if (!reply.empty()) {
    sendControl(Bytes::copyOf(reply));
  }
  data = data.subspan(consumed);
  if (*done) {
    phase_ = Phase::kConnecting;
    spdlog::debug("rtmp#{}: {} handshake done", id(), handshake_.complex() ? "complex" : "simple");
  }
}

void RtmpSession::acknowledge() {
  if (peerWindowAckSize_ > 0 && bytesReceived_ - lastAcknowledged_ >= peerWindowAckSize_) {
    lastAcknowledged_ = bytesReceived_;
    sendControl(acknowledgementMessage(static_cast<uint32_t>(bytesReceived_)));
  }
}

void RtmpSession::handleMessage(const Message& message) {
  switch (static_cast<MessageType>(message.typeId)) {
    case MessageType::kWindowAckSize:
      if (message.payload.size() >= 4) {
        peerWindowAckSize_ = loadU32(message.payload.data());
      }
      break;
    case MessageType::kUserControl:
      if (message.payload.size() >= 6 &&
          loadU16(message.payload.data()) == static_cast<uint16_t>(UserControlEvent::kPingRequest)) {
        sendControl(userControlMessage(UserControlEvent::kPingResponse, loadU32(message.payload.data() + 2)));
      }
      break;
    case MessageType::kCommandAmf0: handleCommand(message, message.payload.span()); break;
    case MessageType::kCommandAmf3:
      // AMF3 command messages start with a format byte, then AMF0 values.
      handleCommand(message, message.payload.span().subspan(message.payload.empty() ? 0 : 1));
      break;
    case MessageType::kDataAmf0:
    case MessageType::kDataAmf3:
      if (publisher_) {
        handleData(message);
      }
      break;
    case MessageType::kAudio:
    case MessageType::kVideo:
    case MessageType::kAggregate:
      if (publisher_) {
        if (Status status = publisher_->onMedia(message); !status) {
          protocolError("media", status.error().message());
        }
      }
      break;
    default: break;  // set chunk size and abort were applied by the reader; the rest needs no answer
  }
}

void RtmpSession::handleData(const Message& message) {
  Message data = message;
  if (message.typeId == static_cast<uint8_t>(MessageType::kDataAmf3)) {
    data.payload = message.payload.slice(1);  // the AMF3 format byte; AMF0 values follow
  }
  auto values = amf0::decodeAll(data.payload.span());
  Status status = values ? publisher_->onData(data, *values) : Status(values.error());
  if (!status) {
    protocolError("data", status.error().wrap("data message").message());
  }
}

void RtmpSession::sendControl(Bytes message) {
  queue().pushControl(std::move(message));
  flush();
}

void RtmpSession::onPublisherReplaced() {
  close(CloseReason::kReplaced, "a new publisher took the stream over");
}

void RtmpSession::onEgressSkipped() {
  metrics().viewerSkips.inc();
  spdlog::debug("rtmp#{}: viewer behind by over {}, skipped to the next keyframe", id(),
                formatDuration(context_.viewers.queueSoftLimit));
}

void RtmpSession::onEgressOverflow() {
  close(CloseReason::kSlowViewer,
        fmt::format("a write was stuck for over {}", formatDuration(context_.viewers.queueHardLimit)));
}

void RtmpSession::onEgressStreamEnded() {
  if (!queue().deliveredFirstFrame()) {  // nothing came: an edge's pull found no upstream with the stream
    sendStatus(kMediaMessageStream, "error", "NetStream.Play.StreamNotFound", streamKey_->key() + " is not live");
    closeAfterFlush(CloseReason::kRefused, "the stream is not live anywhere upstream");
    return;
  }
  sendControl(userControlMessage(UserControlEvent::kStreamEof, kMediaMessageStream));
  sendStatus(kMediaMessageStream, "status", "NetStream.Play.UnpublishNotify", "the stream ended");
  sendStatus(kMediaMessageStream, "status", "NetStream.Play.Stop", "the stream ended");
  closeAfterFlush(CloseReason::kStreamEnded, "no source within the grace period");
}

}  // namespace rtsedge::rtmp
