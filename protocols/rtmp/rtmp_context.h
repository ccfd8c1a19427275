#pragma once

#include "metrics/registry.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/uv/loop.h"

namespace rtsedge::rtmp {

// Counters every RTMP session updates, looked up once per process.
struct RtmpMetrics {
  explicit RtmpMetrics(metrics::Registry& registry);

  metrics::CounterFamily& sessionsClosed;  // {protocol, reason}
  metrics::GaugeFamily& sessions;          // {protocol, role}
  metrics::Counter& viewerSkips;
  metrics::Counter& bytesReceived;
  metrics::Counter& bytesSent;
};

// What an RTMP session needs from the process, passed by reference.
struct RtmpContext {
  uv::Loop& loop;
  Hub& hub;
  const Clock& clock;
  const RtmpSettings& settings;
  const ViewerSettings& viewers;
  RtmpMetrics& metrics;
};

}  // namespace rtsedge::rtmp
