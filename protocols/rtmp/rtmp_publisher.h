#pragma once

#include <cstdint>
#include <memory>

#include "metrics/registry.h"
#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/message.h"
#include "relay/clock.h"
#include "relay/status.h"
#include "relay/stream.h"
#include "relay/stream_source.h"

namespace rtsedge::rtmp {

// The publishing side of an RTMP session: turns audio, video, aggregate and data
// messages into configurations, metadata and frames of one Stream.
class RtmpPublisher final : public StreamSource {
 public:
  // Attach with attachTo().
  RtmpPublisher(const Clock& clock, metrics::Counter& framesReceived, Listener& listener)
      : StreamSource(listener), clock_(clock), framesReceived_(framesReceived) {}

  // Malformed media is an Error: the session closes.
  Status onMedia(const Message& message);
  Status onData(const Message& message, const std::vector<amf0::Value>& values);

 private:
  Status onVideo(const Bytes& body, int64_t dtsUs);
  Status onAudio(const Bytes& body, int64_t dtsUs);
  Status onAggregate(const Message& message);
  void publishFrame(TrackKind kind, Codec codec, int64_t dtsUs, int64_t ptsUs, bool keyframe, Bytes payload,
                    TrackConfigPtr config);
  int64_t extendTimestamp(uint32_t timestamp);

  const Clock& clock_;
  metrics::Counter& framesReceived_;
  TrackConfigPtr videoConfig_;
  TrackConfigPtr audioConfig_;
  // RTMP timestamps are 32-bit milliseconds: count wraps to keep them monotonic.
  uint32_t lastTimestamp_ = 0;
  int64_t wraps_ = 0;
};

}  // namespace rtsedge::rtmp
