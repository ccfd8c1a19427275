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
        gopCacheBytes(registry.gauge("rtsedge_gop_cache_bytes", "Bytes held in GOP caches.", {}).labels({})),
        audioTranscodeErrors(registry
                                 .counter("rtsedge_audio_transcode_errors_total",
                                          "Audio transcoders that failed to start or to encode.", {})
                                 .labels({})),
        audioTranscoders(
            registry.gauge("rtsedge_audio_transcoders", "Audio transcoders running (AAC <-> Opus renditions).", {})
                .labels({})) {}

  metrics::Histogram& ingestGap;
  metrics::CounterFamily& framesDropped;  // {reason}: awaiting_keyframe
  metrics::GaugeFamily& streams;          // {state}: live, waiting
  metrics::Gauge& gopCacheBytes;
  metrics::Counter& audioTranscodeErrors;
  metrics::Gauge& audioTranscoders;  // kept by AudioRendition: +1 on start, -1 on stop
};

}  // namespace rtsedge
