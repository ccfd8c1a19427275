#pragma once

#include "metrics/registry.h"

namespace rtsedge {

// What streams record, shared by every stream of the process. Per-stream series
// are left out on purpose: label cardinality stays bounded by protocols and reasons.
struct StreamMetrics {
  explicit StreamMetrics(metrics::Registry& registry)
      : ingestGap(registry
                      .histogram("rtsedge_ingest_gap_seconds",
                                 "Pauses in a source's frames beyond their media time (arrival gap minus media gap).",
                                 {}, metrics::kLatencyBuckets)
                      .labels({})),
        framesDropped(registry.counter("rtsedge_dropped_frames_total", "Frames not relayed, by reason.", {"reason"})),
        streams(registry.gauge("rtsedge_streams", "Streams on this node, by state.", {"state"})),
        gopCacheBytes(registry.gauge("rtsedge_gop_cache_bytes", "Bytes held in GOP caches.", {}).labels({})) {}

  metrics::Histogram& ingestGap;
  metrics::CounterFamily& framesDropped;  // {reason}: awaiting_keyframe
  metrics::GaugeFamily& streams;          // {state}: live, waiting
  metrics::Gauge& gopCacheBytes;
};

}  // namespace rtsedge
