#include "relay/session_metrics.h"

#include <spdlog/spdlog.h>

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
      bytesReceived(registry.counter("rtsedge_received_bytes_total", "Bytes received, by protocol.", {"protocol"})
                        .labels({protocol})),
      bytesSent(
          registry.counter("rtsedge_sent_bytes_total", "Bytes sent, by protocol.", {"protocol"}).labels({protocol})),
      firstFrame(registry
                     .histogram("rtsedge_first_frame_seconds",
                                "Play request accepted to the first keyframe handed to the socket.", {"protocol"},
                                metrics::kLatencyBuckets)
                     .labels({protocol})),
      relayLatency(registry
                       .histogram("rtsedge_relay_latency_seconds",
                                  "A frame's arrival on this node to its bytes handed to a viewer's socket.",
                                  {"protocol"}, metrics::kLatencyBuckets)
                       .labels({protocol})),
      stallEvents(registry.counter("rtsedge_stall_events_total",
                                   "Stalls of the player model run per viewer, by protocol and cause.",
                                   {"protocol", "cause"})),
      stallSeconds(registry.counter("rtsedge_stall_seconds_total",
                                    "Time viewers spent stalled in the player model, by protocol and cause.",
                                    {"protocol", "cause"})),
      watchSeconds(registry
                       .counter("rtsedge_watch_seconds_total", "Time viewers spent watching since playback started.",
                                {"protocol"})
                       .labels({protocol})),
      e2eLatency(registry
                     .histogram("rtsedge_e2e_latency_seconds",
                                "A publisher's capture time (SEI stamp) to the frame handed to a viewer's socket.",
                                {"protocol"}, metrics::kLatencyBuckets)
                     .labels({protocol})),
      connectionsAccepted(
          registry.counter("rtsedge_connections_accepted_total", "Connections accepted, by protocol.", {"protocol"})
              .labels({protocol})),
      framesReceived(
          registry.counter("rtsedge_received_frames_total", "Frames received from sources, by protocol.", {"protocol"})
              .labels({protocol})),
      framesSent(
          registry.counter("rtsedge_sent_frames_total", "Frames handed to viewers' sockets, by protocol.", {"protocol"})
              .labels({protocol})),
      protocolErrors(registry.counter("rtsedge_protocol_errors_total",
                                      "Malformed input that closed a session, by protocol and what was malformed.",
                                      {"protocol", "kind"})) {}

EgressTimings SessionMetrics::egressTimings(Micros playerBuffer) {
  EgressTimings timings{&firstFrame, &relayLatency, {}, {}, &watchSeconds, &e2eLatency, &framesSent, playerBuffer};
  for (size_t i = 0; i < static_cast<size_t>(StallCause::kCount); ++i) {
    std::string cause(stallCauseName(static_cast<StallCause>(i)));
    timings.stallEvents[i] = &stallEvents.labels({protocol, cause});
    timings.stallSeconds[i] = &stallSeconds.labels({protocol, cause});
  }
  return timings;
}

void SessionMetrics::logClose(uint64_t id, std::string_view peer, std::string_view stream, bool hadRole,
                              CloseReason reason, std::string_view detail) {
  bool expected = reason == CloseReason::kPeerClosed || reason == CloseReason::kShutdown ||
                  reason == CloseReason::kStreamEnded || reason == CloseReason::kKicked || reason == CloseReason::kIdle;
  // Requests and short visits without a role are routine: only their trouble is worth a line.
  auto level = !hadRole && expected ? spdlog::level::debug : expected ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(level, "{}#{} {} {}: closed ({}): {}", protocol, id, peer, stream.empty() ? "-" : stream,
              closeReasonName(reason), detail);
  closed(reason);
}

void SessionRole::set(std::string role) {
  if (role_ != "none") {
    metrics_->sessionsIn(role_).add(-1);
  }
  role_ = std::move(role);
  if (role_ != "none") {
    metrics_->sessionsIn(role_).add(1);
  }
}

void SessionRole::countAs(SessionMetrics& metrics) {
  std::string role = role_;
  set("none");
  metrics_ = &metrics;
  set(std::move(role));
}

}  // namespace rtsedge
