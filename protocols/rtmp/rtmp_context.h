#pragma once

#include "relay/clients.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/session_metrics.h"
#include "relay/uv/loop.h"
#include "security/access_control.h"

namespace rtsedge::rtmp {

// What an RTMP session needs from the process, passed by reference.
struct RtmpContext {
  uv::Loop& loop;
  Hub& hub;
  const Clock& clock;
  const RtmpSettings& settings;
  const ViewerSettings& viewers;
  SessionMetrics& metrics;
  ClientRegistry& clients;
  security::AccessControl& access;
};

}  // namespace rtsedge::rtmp
