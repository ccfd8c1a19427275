#pragma once

#include "protocols/flv/flv_tag.h"
#include "relay/egress_subscriber.h"

namespace rtsedge::http {

// HTTP-FLV for EgressSubscriber. A frame's tag is built once, already framed as
// an HTTP chunk, and cached on the frame: chunked viewers write it whole,
// HTTP/1.0 viewers write the tag slice of the same bytes. No per-viewer copy.
class FlvMuxer final : public Muxer {
 public:
  explicit FlvMuxer(bool chunked) : chunked_(chunked) {}

  Bytes metadata(const Bytes& amf0) override;
  Bytes trackConfig(const TrackConfig& config, int64_t dtsUs) override;
  Bytes frame(const FramePtr& frame) override;
  bool carriesAudio(Codec codec) const override { return flv::isFlvMediaCodec(codec); }
  // Frames the session's own bytes (the file header) the same way.
  Bytes frameBody(const Bytes& body) const;

 private:
  bool chunked_;
};

}  // namespace rtsedge::http
