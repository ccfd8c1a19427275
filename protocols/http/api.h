#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "metrics/registry.h"
#include "protocols/http/request_parser.h"
#include "protocols/http/response.h"
#include "relay/clients.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "cache/pull_manager.h"
#include "relay/hub.h"

namespace rtsedge::http {

// {"error": {"code": status, "message": ...}} with that status.
HttpResponse errorResponse(int status, std::string message);

// The management API, health and metrics routes (docs/api.md).
class Api {
 public:
  Api(Hub& hub, ClientRegistry& clients, metrics::Registry& registry, const Config& config, const Clock& clock);

  HttpResponse handle(const HttpRequest& request);
  // Listeners are up: /readyz answers 200.
  void setReady(bool ready) { ready_ = ready; }
  // A node with upstreams: streams show where they come from.
  void setTier(const PullManager* tier) { tier_ = tier; }

 private:
  HttpResponse streams();
  HttpResponse stream(const std::string& key);
  nlohmann::json streamJson(Stream& stream);
  HttpResponse clients(const HttpRequest& request);
  HttpResponse kickClient(const std::string& id);
  HttpResponse server();
  std::string perStreamMetrics();

  Hub& hub_;
  ClientRegistry& clients_;
  metrics::Registry& registry_;
  const Config& config_;
  const Clock& clock_;
  SteadyTime started_;
  bool ready_ = false;
  const PullManager* tier_ = nullptr;
  metrics::Counter& apiRefused_;
};

}  // namespace rtsedge::http
