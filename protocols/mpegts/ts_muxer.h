#pragma once

#include "protocols/mpegts/ts_program_writer.h"
#include "relay/egress_subscriber.h"

namespace rtsedge::mpegts {

// MPEG-TS for EgressSubscriber (HTTP-TS and SRT viewers): a frame's packets are
// made once by the stream's TsProgramWriter and cached on the frame; every TS
// viewer writes the same bytes.
class TsMuxer final : public Muxer {
 public:
  explicit TsMuxer(Stream& stream);

  Bytes metadata(const Bytes&) override { return {}; }  // TS has no place for AMF0 metadata
  Bytes trackConfig(const TrackConfig& config, int64_t dtsUs) override;
  Bytes frame(const FramePtr& frame) override;
  bool carriesAudio(Codec codec) const override { return tsCarries(codec); }

 private:
  TsProgramWriter& program_;
};

}  // namespace rtsedge::mpegts
