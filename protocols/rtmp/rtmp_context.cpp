#include "protocols/rtmp/rtmp_context.h"

namespace rtsedge::rtmp {

RtmpMetrics::RtmpMetrics(metrics::Registry& registry)
    : sessionsClosed(registry.counter("rtsedge_session_closed_total", "Sessions closed, by protocol and reason.",
                                      {"protocol", "reason"})),
      sessions(registry.gauge("rtsedge_sessions", "Open sessions, by protocol and role.", {"protocol", "role"})),
      viewerSkips(registry
                      .counter("rtsedge_viewer_skips_total",
                               "Times a viewer fell past the soft queue bound and skipped to the next keyframe.",
                               {"protocol"})
                      .labels({"rtmp"})),
      bytesReceived(registry.counter("rtsedge_received_bytes_total", "Bytes received, by protocol.", {"protocol"})
                        .labels({"rtmp"})),
      bytesSent(
          registry.counter("rtsedge_sent_bytes_total", "Bytes sent, by protocol.", {"protocol"}).labels({"rtmp"})) {}

}  // namespace rtsedge::rtmp
