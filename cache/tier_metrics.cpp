#include "cache/tier_metrics.h"

namespace rtsedge {

TierMetrics::TierMetrics(metrics::Registry& registry)
    : pulls(registry.gauge("rtsedge_upstream_pulls", "Streams this node is pulling from an upstream.", {}).labels({})),
      pushes(registry.gauge("rtsedge_upstream_pushes", "Streams published here and pushed to an upstream.", {})
                 .labels({})),
      pullConnect(registry
                      .histogram("rtsedge_upstream_pull_connect_seconds",
                                 "A pull's start, or its failover, to the first media from the upstream.", {},
                                 metrics::kLatencyBuckets)
                      .labels({})),
      failovers(registry
                    .counter("rtsedge_upstream_failovers_total",
                             "Pulls that lost their upstream while playing and moved to another.", {})
                    .labels({})),
      refused(registry
                  .counter("rtsedge_upstream_refused_total",
                           "Pull or push requests refused: a loop through this node, or too many hops.", {})
                  .labels({})),
      errors(registry.counter("rtsedge_upstream_errors_total",
                              "Failed upstream attempts (pulls and pushes), by kind: connect, handshake, refused, "
                              "not_found, timeout, no_media, closed, protocol.",
                              {"kind"})) {}

}  // namespace rtsedge
