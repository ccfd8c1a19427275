#include "protocols/rtmp/rtmp_client.h"

#include <fmt/format.h>

#include "protocols/rtmp/chunk_writer.h"
#include "relay/config_values.h"

namespace rtsedge::rtmp {

namespace {
// What we ask the server to acknowledge by, as ffmpeg does.
constexpr uint32_t kWindowAckSize = 2500000;
}  // namespace

RtmpClient::RtmpClient(uv::Loop& loop, const Clock& clock, ClientOptions options, Listener& listener)
    : loop_(loop),
      options_(std::move(options)),
      listener_(listener),
      timer_(loop, [this] { onTimer(); }),
      reader_(ChunkReaderLimits{options_.maxMessageSize, 64}),
      queue_(options_.queueLimits, clock) {}

RtmpClient::~RtmpClient() {
  close();
  timer_.close();
}

Status RtmpClient::start() {
  if (phase_ != Phase::kIdle) {
    return Error("rtmp client started twice");
  }
  if (options_.chunkSize == 0 || options_.chunkSize > kMaxChunkSize) {
    return Error(fmt::format("chunk size {} not in 1..{}", options_.chunkSize, kMaxChunkSize));
  }
  auto connector = uv::TcpConnector::start(
      loop_, options_.host, options_.port,
      [this](Result<std::unique_ptr<uv::TcpConnection>> connection) { onTcpConnected(std::move(connection)); });
  if (!connector) {
    return connector.error();
  }
  connector_ = std::move(*connector);
  phase_ = Phase::kTcpConnect;
  timer_.start(options_.connectTimeout);
  return Status::ok();
}

void RtmpClient::close() {
  if (phase_ == Phase::kStopped) {
    return;
  }
  phase_ = Phase::kStopped;
  timer_.stop();
  connector_.reset();
  if (connection_) {
    connection_->close();  // kept, closed, for bytesSent()
  }
}

void RtmpClient::fail(ClientFailure failure, std::string_view detail) {
  if (phase_ == Phase::kStopped) {
    return;
  }
  std::string text(detail);  // may point into what close() releases
  close();
  listener_.onClientFailed(failure, text);
}

void RtmpClient::onTcpConnected(Result<std::unique_ptr<uv::TcpConnection>> connection) {
  if (!connection) {
    fail(ClientFailure::kConnect, connection.error().message());
    return;
  }
  connection_ = std::move(*connection);
  connection_->setListener(this);
  phase_ = Phase::kHandshake;
  timer_.start(options_.handshakeTimeout);
  if (Status status = connection_->startReading(); !status) {
    fail(ClientFailure::kConnect, status.error().message());
    return;
  }
  std::vector<uint8_t> c0c1 = handshake_.start();
  send(Bytes::copyOf(c0c1));
}

void RtmpClient::onTimer() {
  if (phase_ == Phase::kTcpConnect) {
    fail(ClientFailure::kConnect, "no TCP connection within " + formatDuration(options_.connectTimeout));
  } else if (phase_ != Phase::kStarted && phase_ != Phase::kStopped) {
    fail(ClientFailure::kTimeout,
         fmt::format("not started within {}: waiting for {}", formatDuration(options_.handshakeTimeout), waitingFor()));
  }
}

std::string_view RtmpClient::waitingFor() const {
  switch (phase_) {
    case Phase::kTcpConnect: return "the TCP connection";
    case Phase::kHandshake: return "the handshake";
    case Phase::kConnect: return "the connect result";
    case Phase::kCreateStream: return "the createStream result";
    case Phase::kStart: return options_.mode == ClientMode::kPlay ? "NetStream.Play.Start" : "NetStream.Publish.Start";
    case Phase::kIdle:
    case Phase::kStarted:
    case Phase::kStopped: break;
  }
  return "nothing";
}

void RtmpClient::onTcpClosed(std::string_view reason) {
  if (phase_ == Phase::kStarted) {
    fail(ClientFailure::kClosed, reason);
  } else {
    fail(ClientFailure::kClosed, fmt::format("{} while waiting for {}", reason, waitingFor()));
  }
}

void RtmpClient::send(Bytes message) {
  queue_.pushControl(std::move(message));
  flush();
}

void RtmpClient::flush() {
  if (phase_ == Phase::kStopped || !connection_ || connection_->writing()) {
    return;
  }
  queue_.takeBatch(batch_);
  if (!batch_.empty()) {
    connection_->write(batch_);  // a failed write reports through onTcpClosed
  }
}

void RtmpClient::onTcpWriteDone() {
  queue_.onBatchWritten();
  flush();
  if (options_.mode == ClientMode::kPublish && phase_ == Phase::kStarted && !connection_->writing()) {
    listener_.onClientDrained();
  }
}

void RtmpClient::onTcpData(std::span<const uint8_t> data) {
  bytesReceived_ += data.size();
  if (phase_ == Phase::kHandshake && !feedHandshake(data)) {
    return;
  }
  Status status = reader_.feed(data, messages_);
  for (const Message& message : messages_) {
    handleMessage(message);
    if (phase_ == Phase::kStopped) {
      break;  // failed, or the listener closed us
    }
  }
  messages_.clear();
  if (phase_ == Phase::kStopped) {
    return;
  }
  if (!status) {
    fail(ClientFailure::kProtocol, status.error().wrap("chunk").message());
    return;
  }
  acknowledge();
}

bool RtmpClient::feedHandshake(std::span<const uint8_t>& data) {
  size_t consumed = 0;
  std::vector<uint8_t> reply;
  auto done = handshake_.feed(data, consumed, reply);
  if (!done) {
    fail(ClientFailure::kHandshake, done.error().message());
    return false;
  }
  if (!reply.empty()) {
    send(Bytes::copyOf(reply));
  }
  data = data.subspan(consumed);
  if (!*done) {
    return false;
  }
  phase_ = Phase::kConnect;
  send(setChunkSizeMessage(options_.chunkSize));
  send(windowAckSizeMessage(kWindowAckSize));
  sendCommand(0, connectCommand(options_.host, options_.port, options_.app));
  return phase_ != Phase::kStopped;
}

void RtmpClient::acknowledge() {
  if (peerWindowAckSize_ > 0 && bytesReceived_ - lastAcknowledged_ >= peerWindowAckSize_) {
    lastAcknowledged_ = bytesReceived_;
    send(acknowledgementMessage(static_cast<uint32_t>(bytesReceived_)));
  }
}

bool RtmpClient::mediaExpected() const {
  return options_.mode == ClientMode::kPlay && (phase_ == Phase::kStart || phase_ == Phase::kStarted);
}

void RtmpClient::handleMessage(const Message& message) {
  switch (static_cast<MessageType>(message.typeId)) {
    case MessageType::kWindowAckSize:
      if (message.payload.size() >= 4) {
        peerWindowAckSize_ = loadU32(message.payload.data());
      }
      break;
    case MessageType::kUserControl: handleUserControl(message); break;
    case MessageType::kCommandAmf0: handleCommand(message.payload.span()); break;
    case MessageType::kCommandAmf3:
      // AMF3 command messages start with a format byte, then AMF0 values.
      handleCommand(message.payload.span().subspan(message.payload.empty() ? 0 : 1));
      break;
    case MessageType::kDataAmf0:
    case MessageType::kDataAmf3:
      if (mediaExpected()) {
        handleData(message);
      }
      break;
    case MessageType::kAudio:
    case MessageType::kVideo:
    case MessageType::kAggregate:
      if (mediaExpected()) {
        listener_.onClientMedia(message);
      }
      break;
    default: break;  // set chunk size and abort were applied by the reader; the rest needs no answer
  }
}

void RtmpClient::handleUserControl(const Message& message) {
  if (message.payload.size() < 6) {
    return;
  }
  auto event = static_cast<UserControlEvent>(loadU16(message.payload.data()));
  uint32_t value = loadU32(message.payload.data() + 2);
  if (event == UserControlEvent::kPingRequest) {
    send(userControlMessage(UserControlEvent::kPingResponse, value));
  } else if (event == UserControlEvent::kStreamEof && phase_ == Phase::kStarted && options_.mode == ClientMode::kPlay &&
             value == streamId_) {
    fail(ClientFailure::kClosed, "the server ended the stream (StreamEOF)");
  }
}

void RtmpClient::handleData(const Message& message) {
  Message data = message;
  if (message.typeId == static_cast<uint8_t>(MessageType::kDataAmf3)) {
    data.payload = message.payload.slice(1);  // the AMF3 format byte; AMF0 values follow
  }
  auto values = amf0::decodeAll(data.payload.span());
  if (!values) {
    fail(ClientFailure::kProtocol, values.error().wrap("data message").message());
    return;
  }
  // The server talking to its player, not the publisher's data: nginx-rtmp and SRS
  // grant "|RtmpSampleAccess", SRS announces NetStream.Data.Start in an onStatus.
  auto name = values->empty() ? std::nullopt : (*values)[0].asString();
  if (name && (*name == "|RtmpSampleAccess" || *name == "onStatus")) {
    return;
  }
  listener_.onClientData(data, *values);
}

}  // namespace rtsedge::rtmp
