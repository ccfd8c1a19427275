#pragma once

#include "relay/clients.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/session_metrics.h"
#include "relay/uv/loop.h"

namespace rtsedge::http {

class Api;

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
};

}  // namespace rtsedge::http
