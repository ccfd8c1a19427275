#pragma once

#include "protocols/srt/srt_poller.h"
#include "protocols/srt/srt_stats.h"
#include "relay/clients.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/session_metrics.h"
#include "relay/uv/loop.h"
#include "security/access_control.h"

namespace rtsedge::srt {

// What every SRT session of a loop shares.
struct SrtContext {
  uv::Loop& loop;
  Hub& hub;
  const Clock& clock;
  const SrtSettings& settings;
  const ViewerSettings& viewers;
  SessionMetrics& metrics;
  ClientRegistry& clients;
  SrtPoller& poller;
  SrtMetrics& srtMetrics;
  security::AccessControl& access;
};

}  // namespace rtsedge::srt
