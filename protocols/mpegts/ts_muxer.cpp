#include "protocols/mpegts/ts_muxer.h"

namespace rtsedge::mpegts {

TsMuxer::TsMuxer(Stream& stream) : program_(TsProgramWriter::of(stream)) {
  // The program is complete before the first keyframe's PMT is written.
  for (const TrackConfigPtr& config : {stream.videoConfig(), stream.audioConfig()}) {
    if (config) {
      program_.onTrackConfig(*config);
    }
  }
}

Bytes TsMuxer::trackConfig(const TrackConfig& config, int64_t) {
  // Parameter sets and PSI travel inside the keyframes' cached packets.
  program_.onTrackConfig(config);
  return {};
}

Bytes TsMuxer::frame(const FramePtr& frame) {
  if (frame->kind == TrackKind::kData || !tsCarries(frame->codec)) {
    return {};
  }
  return frame->serialized(EgressFormat::kMpegTs, [this](const MediaFrame& f) { return program_.serialize(f); });
}

}  // namespace rtsedge::mpegts
