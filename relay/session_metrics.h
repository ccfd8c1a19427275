#pragma once

#include <string>

#include "metrics/registry.h"
#include "relay/egress_queue.h"
#include "relay/session.h"

namespace rtsedge {

// The counters every session of one protocol updates, looked up once per process.
struct SessionMetrics {
  SessionMetrics(metrics::Registry& registry, std::string protocolName);

  void closed(CloseReason reason) { sessionsClosed.labels({protocol, std::string(closeReasonName(reason))}).inc(); }
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

}  // namespace rtsedge
