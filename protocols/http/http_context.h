#pragma once

#include "relay/clients.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/session_metrics.h"
#include "relay/uv/loop.h"
#include "security/access_control.h"

namespace rtsedge::webrtc {
class Signaling;
}

namespace rtsedge::http {

class Api;

// Which routes a listener serves: everything, or with `api.listen` set, the media
// routes on the HTTP ports and the API, metrics and health on the API port.
enum class HttpRoutes : uint8_t { kAll, kMedia, kApi };

// What an HTTP session needs from the process, passed by reference.
struct HttpContext {
  uv::Loop& loop;
  Hub& hub;
  const Clock& clock;
  const HttpSettings& settings;
  const ViewerSettings& viewers;
  SessionMetrics& metrics;
  SessionMetrics& tsMetrics;  // what an HTTP-TS viewer counts as
  ClientRegistry& clients;
  Api& api;
  security::AccessControl& access;
  HttpRoutes routes = HttpRoutes::kAll;
  webrtc::Signaling* signaling = nullptr;  // WHIP/WHEP signalling; null: WebRTC is off (503)
};

}  // namespace rtsedge::http
