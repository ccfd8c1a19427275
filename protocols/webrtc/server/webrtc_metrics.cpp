#include "protocols/webrtc/server/webrtc_metrics.h"

namespace rtsedge::webrtc {

namespace {
const std::vector<double> kRttBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6};
}  // namespace

WebRtcMetrics::WebRtcMetrics(metrics::Registry& registry)
    : bytesReceived(registry.counter("rtsedge_webrtc_udp_received_bytes_total",
                                     "Bytes of UDP datagrams the WebRTC port received.", {})
                        .labels({})),
      bytesSent(
          registry.counter("rtsedge_webrtc_udp_sent_bytes_total", "Bytes of UDP datagrams the WebRTC port sent.", {})
              .labels({})),
      nacksReceived(registry.counter("rtsedge_webrtc_nacks_received_total",
                                     "RTP packets WebRTC viewers asked for again (generic NACK).", {})
                        .labels({})),
      retransmitted(registry.counter("rtsedge_webrtc_retransmitted_packets_total",
                                     "RTP packets sent again to WebRTC viewers after a NACK.", {})
                        .labels({})),
      nacksSent(registry.counter("rtsedge_webrtc_nacks_sent_total",
                                 "RTP packets this node asked WebRTC publishers for again.", {})
                    .labels({})),
      plisReceived(registry.counter("rtsedge_webrtc_keyframe_requests_total",
                                    "Keyframe requests (PLI, FIR), by direction.", {"direction"})
                       .labels({"received"})),
      plisSent(registry.counter("rtsedge_webrtc_keyframe_requests_total", "", {"direction"}).labels({"sent"})),
      bFramesDropped(registry.counter("rtsedge_webrtc_bframes_dropped_total",
                                      "B-frames not sent to WebRTC viewers (webrtc.b_frames: drop).", {})
                         .labels({})),
      lostReceived(registry
                       .counter("rtsedge_webrtc_packets_lost_total",
                                "RTP packets lost on the way, by direction: received (from WHIP publishers, before "
                                "NACKs), sent (to WHEP viewers, as their receiver reports say).",
                                {"direction"})
                       .labels({"received"})),
      lostSent(registry.counter("rtsedge_webrtc_packets_lost_total", "", {"direction"}).labels({"sent"})),
      rtt(registry.histogram("rtsedge_webrtc_rtt_seconds", "Round-trip time to WebRTC peers from RTCP reports.", {},
                             kRttBuckets)
              .labels({})),
      sessions(registry.gauge("rtsedge_webrtc_sessions", "WebRTC sessions being set up or connected.", {}).labels({})),
      handshakes(registry.counter("rtsedge_webrtc_handshakes_total",
                                  "WebRTC session set-ups, by result: connected, ice_timeout, dtls_timeout, dtls_failed.",
                                  {"result"})),
      dropped_(registry.counter("rtsedge_webrtc_datagrams_dropped_total",
                                "Datagrams on the WebRTC port that reached no session or failed a check, by reason.",
                                {"reason"})) {}

}  // namespace rtsedge::webrtc
