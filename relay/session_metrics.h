#pragma once

#include <string>
#include <string_view>

#include "metrics/registry.h"
#include "relay/egress_queue.h"
#include "relay/session.h"

namespace rtsedge {

// The counters every session of one protocol updates, looked up once per process.
struct SessionMetrics {
  SessionMetrics(metrics::Registry& registry, std::string protocolName);

  void closed(CloseReason reason) { sessionsClosed.labels({protocol, std::string(closeReasonName(reason))}).inc(); }
  // Logs a session's close once, at a level that keeps routine closes quiet, and counts it.
  void logClose(uint64_t id, std::string_view peer, std::string_view stream, bool hadRole, CloseReason reason,
                std::string_view detail);
  metrics::Gauge& sessionsIn(const std::string& role) { return sessions.labels({protocol, role}); }
  EgressTimings egressTimings(Micros playerBuffer);

  std::string protocol;
  metrics::CounterFamily& sessionsClosed;  // {protocol, reason}
  metrics::GaugeFamily& sessions;          // {protocol, role}
  metrics::Counter& viewerSkips;
  metrics::Counter& bytesReceived;
  metrics::Counter& bytesSent;
  metrics::Histogram& firstFrame;
  metrics::Histogram& relayLatency;
  metrics::CounterFamily& stallEvents;   // {protocol, cause}
  metrics::CounterFamily& stallSeconds;  // {protocol, cause}
  metrics::Counter& watchSeconds;
  metrics::Histogram& e2eLatency;
  metrics::Counter& connectionsAccepted;
  metrics::Counter& framesReceived;
  metrics::Counter& framesSent;
  metrics::CounterFamily& protocolErrors;  // {protocol, kind}
};

// A session's role (publisher, player, none) as the {protocol, role} gauge counts it.
class SessionRole {
 public:
  explicit SessionRole(SessionMetrics& metrics) : metrics_(&metrics) {}
  ~SessionRole() { set("none"); }
  SessionRole(const SessionRole&) = delete;
  SessionRole& operator=(const SessionRole&) = delete;

  void set(std::string role);
  // The role moves to another protocol's gauge.
  void countAs(SessionMetrics& metrics);
  const std::string& name() const { return role_; }
  bool none() const { return role_ == "none"; }

 private:
  SessionMetrics* metrics_;
  std::string role_ = "none";
};

}  // namespace rtsedge
