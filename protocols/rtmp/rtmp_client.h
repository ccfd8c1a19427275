#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/chunk_reader.h"
#include "protocols/rtmp/client_messages.h"
#include "protocols/rtmp/handshake.h"
#include "protocols/rtmp/message.h"
#include "relay/clock.h"
#include "relay/egress_queue.h"
#include "relay/status.h"
#include "relay/uv/loop.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"

namespace rtsedge::rtmp {

struct ClientOptions {
  std::string host;  // a numeric IPv4/IPv6 address or "localhost"
  uint16_t port = 1935;
  std::string app;         // the connect command's app, e.g. "live"
  std::string streamName;  // the play/publish name, sent as is with any "?query" (tokens, hop counts)
  ClientMode mode = ClientMode::kPlay;
  Millis connectTimeout{2000};    // TCP connect
  Millis handshakeTimeout{3000};  // from TCP connected to Play.Start / Publish.Start
  // What we announce for our outgoing chunks. In publish mode the media pushed into
  // queue() must be chunked at this size (RtmpMuxer(chunkSize)).
  uint32_t chunkSize = 4096;
  uint32_t maxMessageSize = 8 * 1024 * 1024;  // incoming limit, as ChunkReaderLimits
  EgressQueueLimits queueLimits;              // publish mode: the slow-upstream policy, as for a viewer
};

// An outgoing RTMP connection that plays or publishes one stream on an upstream
// (rtsedge, nginx-rtmp, SRS): the transport of an edge's pull and push. It runs the
// handshake and the command exchange and hands over media; what the media means,
// and whether to try again elsewhere, is the owner's business.
//
// Callbacks come from the loop. Inside one the owner may call close(), but must not
// destroy the client: it defers that (uv::Loop::deferDelete) until the callback returns.
class RtmpClient final : public uv::DeferredDeletable, private uv::TcpConnection::Listener {
 public:
  class Listener {
   public:
    // NetStream.Play.Start / NetStream.Publish.Start received.
    virtual void onClientStarted() = 0;
    // Play mode, from the play command on (some servers send media before Play.Start):
    // each audio, video and aggregate message, and each data message with its values
    // (an AMF3 data message arrives without its format byte).
    virtual void onClientMedia(const Message& message) = 0;
    virtual void onClientData(const Message& message, const std::vector<amf0::Value>& values) = 0;
    // Publish mode: what was queued has been written; more can be queued.
    virtual void onClientDrained() {}
    // The client stopped; the connection is closed already. At most once, never from
    // start(); from flush() when a write fails at once.
    virtual void onClientFailed(ClientFailure failure, std::string_view detail) = 0;

   protected:
    ~Listener() = default;
  };

  RtmpClient(uv::Loop& loop, const Clock& clock, ClientOptions options, Listener& listener);
  ~RtmpClient() override;  // closes: no callback afterwards
  RtmpClient(const RtmpClient&) = delete;
  RtmpClient& operator=(const RtmpClient&) = delete;

  // Begins the TCP connect. An Error only when the attempt cannot even start (a bad
  // address or option); every later failure comes through onClientFailed.
  Status start();
  // Stops at once, without onClientFailed.
  void close();

  // Publish mode, after onClientStarted: the chunked messages to send, e.g. an
  // EgressSubscriber's with an RtmpMuxer(options.chunkSize). RtmpMuxer writes message
  // stream kMediaMessageStream, which is the stream id we insist on. Call flush()
  // after pushing; it does nothing once the client has stopped.
  EgressQueue& queue() { return queue_; }
  void flush();

  const ClientOptions& options() const { return options_; }
  // The message stream the server created for us (0 until createStream is answered).
  uint32_t streamId() const { return streamId_; }
  uint64_t bytesReceived() const { return bytesReceived_; }
  uint64_t bytesSent() const { return connection_ ? connection_->bytesWritten() : 0; }

 private:
  enum class Phase { kIdle, kTcpConnect, kHandshake, kConnect, kCreateStream, kStart, kStarted, kStopped };

  // uv::TcpConnection::Listener
  void onTcpData(std::span<const uint8_t> data) override;
  void onTcpWriteDone() override;
  void onTcpClosed(std::string_view reason) override;

  void onTcpConnected(Result<std::unique_ptr<uv::TcpConnection>> connection);
  void onTimer();
  // False when the handshake is not done yet, or failed.
  bool feedHandshake(std::span<const uint8_t>& data);
  void handleMessage(const Message& message);
  void handleUserControl(const Message& message);
  void handleData(const Message& message);
  void acknowledge();

  // The command exchange (rtmp_client_commands.cpp).
  void handleCommand(std::span<const uint8_t> amf0Body);
  void onResult(double transaction, const std::vector<amf0::Value>& args);
  void onError(double transaction, const std::vector<amf0::Value>& args);
  void onStatus(const std::vector<amf0::Value>& args);
  void onConnected();
  void onStreamCreated(const std::vector<amf0::Value>& args);
  void sendCommand(uint32_t streamId, const std::vector<amf0::Value>& values);
  double nextTransaction() { return ++lastTransaction_; }

  void send(Bytes message);
  void fail(ClientFailure failure, std::string_view detail);
  bool mediaExpected() const;
  std::string_view waitingFor() const;

  uv::Loop& loop_;
  const ClientOptions options_;
  Listener& listener_;
  Phase phase_ = Phase::kIdle;

  std::unique_ptr<uv::TcpConnector> connector_;
  std::unique_ptr<uv::TcpConnection> connection_;
  uv::Timer timer_;
  ClientHandshake handshake_{true};  // the complex form, as ffmpeg plays
  ChunkReader reader_;
  std::vector<Message> messages_;  // reused between reads
  EgressQueue queue_;
  std::vector<Bytes> batch_;  // reused between writes

  double lastTransaction_ = kConnectTransaction;
  double createStreamTransaction_ = 0;
  double startTransaction_ = 0;  // play's or publish's
  uint32_t streamId_ = 0;

  uint64_t bytesReceived_ = 0;
  uint64_t lastAcknowledged_ = 0;
  uint32_t peerWindowAckSize_ = 0;
};

}  // namespace rtsedge::rtmp
