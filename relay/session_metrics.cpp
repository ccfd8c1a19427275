#include "relay/session_metrics.h"

namespace rtsedge {

SessionMetrics::SessionMetrics(metrics::Registry& registry, std::string protocolName)
    : protocol(std::move(protocolName)),
      sessionsClosed(registry.counter("rtsedge_session_closed_total", "Sessions closed, by protocol and reason.",
                                      {"protocol", "reason"})),
      sessions(registry.gauge("rtsedge_sessions", "Open sessions, by protocol and role.", {"protocol", "role"})),
      viewerSkips(registry
                      .counter("rtsedge_viewer_skips_total",
                               "Times a viewer fell past the soft queue bound and skipped to the next keyframe.",
                               {"protocol"})
                      .labels({protocol})),
      bytesReceived(
          registry.counter("rtsedge_received_bytes_total", "Bytes received, by protocol.", {"protocol"}).labels({protocol})),
      bytesSent(registry.counter("rtsedge_sent_bytes_total", "Bytes sent, by protocol.", {"protocol"}).labels({protocol})) {}

}  // namespace rtsedge
