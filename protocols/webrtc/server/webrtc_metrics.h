#pragma once

#include <string>

#include "metrics/registry.h"

namespace rtsedge::webrtc {

// What the WebRTC transport and sessions count beyond every protocol's session
// metrics (SessionMetrics with protocol "webrtc"): retransmission, keyframe requests,
// round-trip time and loss as the peers' RTCP reports them, and datagrams dropped.
class WebRtcMetrics {
 public:
  explicit WebRtcMetrics(metrics::Registry& registry);

  // {reason}: unknown_kind, malformed_stun, unknown_ufrag, unknown_address, srtp, send_buffer_full, ...
  metrics::Counter& dropped(const std::string& reason) { return dropped_.labels({reason}); }

  metrics::Counter& bytesReceived;
  metrics::Counter& bytesSent;
  metrics::Counter& nacksReceived;     // sequence numbers viewers asked for again
  metrics::Counter& retransmitted;     // packets sent again to viewers
  metrics::Counter& nacksSent;         // sequence numbers we asked publishers for again
  metrics::Counter& plisReceived;      // keyframe requests (PLI, FIR) from viewers
  metrics::Counter& plisSent;          // keyframe requests to publishers
  metrics::Counter& bFramesDropped;    // B-frames not sent to viewers (webrtc.b_frames: drop)
  metrics::Counter& lostReceived;      // packets of publishers that did not arrive (before NACKs)
  metrics::Counter& lostSent;          // packets to viewers that did not arrive, as their reports say
  metrics::Histogram& rtt;             // round-trip time from RTCP reports, seconds
  metrics::Gauge& sessions;            // WHIP and WHEP sessions, set up or connected
  metrics::CounterFamily& handshakes;  // {result}: connected, ice_timeout, dtls_failed, dtls_timeout

 private:
  metrics::CounterFamily& dropped_;
};

}  // namespace rtsedge::webrtc
