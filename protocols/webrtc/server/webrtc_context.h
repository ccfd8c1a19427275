#pragma once

#include <memory>

#include "protocols/webrtc/dtls/dtls_certificate.h"
#include "protocols/webrtc/server/webrtc_metrics.h"
#include "protocols/webrtc/server/webrtc_transport.h"
#include "relay/clients.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/session_metrics.h"
#include "relay/uv/loop.h"
#include "security/access_control.h"

namespace rtsedge::webrtc {

// What every WebRTC session of a loop shares.
struct WebRtcContext {
  uv::Loop& loop;
  Hub& hub;
  const Clock& clock;
  const WebRtcSettings& settings;
  const ViewerSettings& viewers;
  Millis playWait;  // how long a WHEP offer for an absent stream waits (http.play_wait)
  SessionMetrics& metrics;
  WebRtcMetrics& webrtcMetrics;
  ClientRegistry& clients;
  security::AccessControl& access;
  std::shared_ptr<const DtlsCertificate> certificate;
  WebRtcTransport& transport;
};

}  // namespace rtsedge::webrtc
