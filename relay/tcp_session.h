#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "relay/clients.h"
#include "relay/egress_queue.h"
#include "relay/session.h"
#include "relay/session_metrics.h"
#include "relay/stream_key.h"
#include "relay/uv/loop.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"

namespace rtsedge {

// What every TCP session of every protocol shares: the socket, the outgoing queue
// with one writev in flight, the client entry the API lists, the role gauge, and
// the close: logged once, counted by reason, optionally after what is queued has
// been written. A protocol session derives from it and owns its state machine.
class TcpSession : public uv::DeferredDeletable,
                   public Client,
                   protected uv::TcpConnection::Listener,
                   private uv::DeferredFlush {
 public:
  class Listener {
   public:
    // The session is closed; the owner destroys it on the next loop turn.
    virtual void onSessionClosed(TcpSession& session) = 0;

   protected:
    ~Listener() = default;
  };

  struct Context {
    uv::Loop& loop;
    const Clock& clock;
    ClientRegistry& clients;
    SessionMetrics& metrics;
    EgressQueueLimits queueLimits;

    // From a protocol's own context, which has these members and its viewer settings.
    template <class ProtocolContext>
    static Context of(const ProtocolContext& context) {
      return {context.loop, context.clock, context.clients, context.metrics,
              EgressQueueLimits{context.viewers.queueSoftLimit, context.viewers.queueHardLimit}};
    }
  };

  ~TcpSession() override;

  uint64_t id() const { return id_; }
  virtual void start() = 0;
  void close(CloseReason reason, std::string_view detail);
  // Malformed input: counted by kind (handshake, chunk, command, ...), then closed.
  void protocolError(std::string_view kind, std::string_view detail);

  ClientInfo clientInfo() const override;
  void kick() override { close(CloseReason::kKicked, "kicked through the API"); }

 protected:
  TcpSession(const Context& context, std::unique_ptr<uv::TcpConnection> connection, Listener& listener);

  // Releases what the session holds (its role in a stream, its timers) as it closes.
  virtual void onClose() = 0;
  // Everything queued has been written and no close is pending.
  virtual void onQueueDrained() {}

  void onTcpWriteDone() override;
  void onTcpClosed(std::string_view reason) override {
    if (reason.starts_with("tls: ")) {  // a TLS record or handshake that is not one: malformed input
      protocolError("tls", reason);
    } else {
      close(CloseReason::kPeerClosed, reason);
    }
  }

  void flush();
  // Flushes at the end of this loop turn: what every frame of the turn queued goes in one writev.
  void flushSoon();
  // Stops reading, writes what is queued (within a bound), then closes.
  void closeAfterFlush(CloseReason reason, std::string detail);
  bool closing() const { return closed_ || pendingClose_.has_value(); }
  void setRole(std::string role) { role_.set(std::move(role)); }
  const std::string& role() const { return role_.name(); }
  void countReceived(size_t bytes);

  uv::TcpConnection& connection() { return *connection_; }
  EgressQueue& queue() { return queue_; }
  SessionMetrics& metrics() { return *metrics_; }
  // From now on the session counts as another protocol (an HTTP connection that turns
  // out to be an HTTP-TS viewer). Only before it takes a role.
  void countAs(SessionMetrics& metrics);
  std::optional<StreamKey> streamKey_;

 private:
  const Context context_;
  SessionMetrics* metrics_;
  std::unique_ptr<uv::TcpConnection> connection_;
  Listener& listener_;
  uint64_t id_;
  SteadyTime since_;
  SessionRole role_;
  uint64_t bytesReceived_ = 0;
  EgressQueue queue_;
  std::vector<Bytes> batch_;  // reused between writes
  uv::Timer closeTimer_;
  std::optional<std::pair<CloseReason, std::string>> pendingClose_;
  bool closed_ = false;
  bool flushScheduled_ = false;

  void runDeferredFlush() override;
};

}  // namespace rtsedge
