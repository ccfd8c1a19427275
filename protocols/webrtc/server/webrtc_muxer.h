#pragma once

#include "relay/egress_subscriber.h"

namespace rtsedge::webrtc {

// The Muxer of a WHEP viewer: a frame becomes its stream-wide RTP payload block
// (RtpFrameBlob, built once per frame and shared by every viewer); configurations and
// metadata become nothing, since H.264 parameter sets travel in front of each keyframe.
// Carries H.264 video and Opus audio (AAC streams reach it through the stream's Opus
// rendition).
class WebRtcMuxer final : public Muxer {
 public:
  explicit WebRtcMuxer(size_t maxPayloadSize) : maxPayloadSize_(maxPayloadSize) {}

  Bytes metadata(const Bytes&) override { return Bytes(); }
  Bytes trackConfig(const TrackConfig&, int64_t) override { return Bytes(); }
  Bytes frame(const FramePtr& frame) override;
  bool carriesAudio(Codec codec) const override { return codec == Codec::kOpus; }

 private:
  size_t maxPayloadSize_;
};

}  // namespace rtsedge::webrtc
