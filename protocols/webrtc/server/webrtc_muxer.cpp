#include "protocols/webrtc/server/webrtc_muxer.h"

#include "protocols/webrtc/server/rtp_frame_blob.h"

namespace rtsedge::webrtc {

Bytes WebRtcMuxer::frame(const FramePtr& frame) {
  if (frame->codec != Codec::kH264 && frame->codec != Codec::kOpus) {
    return Bytes();
  }
  // Every viewer uses the same payload size, so the first one's block serves all.
  return frame->serialized(EgressFormat::kRtp, [this](const MediaFrame& media) {
    return RtpFrameBlob::build(media, maxPayloadSize_).value_or(Bytes());
  });
}

}  // namespace rtsedge::webrtc
