#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/chunk_reader.h"
#include "protocols/rtmp/handshake.h"
#include "protocols/rtmp/message.h"
#include "protocols/rtmp/rtmp_context.h"
#include "protocols/rtmp/rtmp_mux.h"
#include "protocols/rtmp/rtmp_publisher.h"
#include "relay/egress_queue.h"
#include "relay/egress_subscriber.h"
#include "relay/session.h"
#include "relay/stream_key.h"
#include "relay/tcp_session.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"
#include "security/session_access.h"

namespace rtsedge::rtmp {

// One RTMP connection: owns the handshake, the chunk reader, the command exchange
// and the close decision. Media goes to an RtmpPublisher or comes from an
// EgressSubscriber, whichever role the client asks for.
class RtmpSession final : public TcpSession, private RtmpPublisher::Listener, private EgressSubscriber::Listener {
 public:
  RtmpSession(RtmpContext& context, std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& listener);
  ~RtmpSession() override;

  void start() override;

 private:
  // kAuthorizing: a publish or play waits for access control (a hook's answer).
  enum class Phase { kHandshake, kConnecting, kConnected, kAuthorizing, kPublishing, kPlaying };

  void onClose() override;
  void onTcpData(std::span<const uint8_t> data) override;
  // RtmpPublisher::Listener
  void onPublisherReplaced() override;
  // EgressSubscriber::Listener
  void onEgressOutput() override { flushSoon(); }
  void onEgressSkipped() override;
  void onEgressOverflow() override;
  void onEgressStreamEnded() override;

  void onTimer();
  void feedHandshake(std::span<const uint8_t>& data);
  void handleMessage(const Message& message);
  void handleData(const Message& message);
  void handleCommand(const Message& message, std::span<const uint8_t> amf0Body);
  void onConnect(double transaction, const std::vector<amf0::Value>& args);
  void onPublish(const Message& message, double transaction, const std::vector<amf0::Value>& args);
  void onPlay(const Message& message, const std::vector<amf0::Value>& args);
  // Access control first; then start() runs, or the refusal is sent with `refusedCode`.
  void authorize(security::AccessAction action, const StreamKey& key, uint32_t streamId, std::string refusedCode,
                 std::function<void()> start);
  void startPublishing(uint32_t streamId, const StreamKey& key);
  void startPlaying(uint32_t streamId, const StreamKey& key);
  void stopRole();
  Result<StreamKey> streamKeyFrom(const std::vector<amf0::Value>& args);

  void sendControl(Bytes message);
  void sendResult(double transaction, std::vector<amf0::Value> values);
  void sendStatus(uint32_t streamId, std::string_view level, std::string_view code, std::string_view description);
  void acknowledge();
  void armTimer();

  RtmpContext& context_;
  Phase phase_ = Phase::kHandshake;

  ServerHandshake handshake_;
  ChunkReader reader_;
  std::vector<Message> messages_;  // reused between reads
  RtmpMuxer muxer_;
  uv::Timer timer_;

  std::string app_;
  security::SessionAccess access_;
  std::unique_ptr<RtmpPublisher> publisher_;
  std::unique_ptr<EgressSubscriber> player_;

  uint64_t bytesReceived_ = 0;
  uint64_t lastAcknowledged_ = 0;
  uint32_t peerWindowAckSize_ = 0;
};

}  // namespace rtsedge::rtmp
