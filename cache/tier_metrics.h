#pragma once

#include <string_view>

#include "metrics/registry.h"

namespace rtsedge {

// The upstream series of a node with upstreams.
struct TierMetrics {
  explicit TierMetrics(metrics::Registry& registry);

  metrics::Counter& error(std::string_view kind) { return errors.labels({std::string(kind)}); }

  metrics::Gauge& pulls;            // active pulls
  metrics::Gauge& pushes;           // active pushes
  metrics::Histogram& pullConnect;  // pull started (or failed over) -> first media
  metrics::Counter& failovers;      // a playing pull moved to another upstream
  metrics::Counter& refused;        // requests refused for a loop or too many hops
  metrics::CounterFamily& errors;   // {kind}
};

}  // namespace rtsedge
