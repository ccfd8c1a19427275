#pragma once

#include <cstdint>

#include "protocols/flv/flv_tag.h"
#include "relay/bytes.h"
#include "relay/egress_subscriber.h"
#include "relay/media_frame.h"

namespace rtsedge::rtmp {

// Chunk streams and the message stream every RTMP viewer of ours uses. Fixed, so
// one frame's chunks are the same bytes for every viewer (mux once, write many).
inline constexpr uint32_t kControlChunkStream = 2;
inline constexpr uint32_t kCommandChunkStream = 3;
inline constexpr uint32_t kAudioChunkStream = 4;
inline constexpr uint32_t kDataChunkStream = 5;
inline constexpr uint32_t kVideoChunkStream = 6;
inline constexpr uint32_t kMediaMessageStream = 1;

// RTMP carries 32-bit millisecond timestamps that wrap.
inline uint32_t rtmpTimestamp(int64_t us) {
  return static_cast<uint32_t>(static_cast<uint64_t>(us / 1000));
}

// The whole chunked message for one frame: the FLV tag header for its codec, then
// the payload, on the chunk stream of its track.
Bytes muxFrame(const MediaFrame& frame, uint32_t chunkSize);
// A sequence-header message (empty Bytes for codecs that have none).
Bytes muxTrackConfig(const TrackConfig& config, uint32_t timestamp, uint32_t chunkSize);
// An onMetaData data message.
Bytes muxMetadata(const Bytes& amf0, uint32_t timestamp, uint32_t chunkSize);

// The RTMP form of a stream for EgressSubscriber: frames chunked once and cached
// on the frame, onMetaData at timestamp 0 (ffmpeg's FLV demuxer takes it at any
// other time for a subtitle track).
class RtmpMuxer final : public Muxer {
 public:
  explicit RtmpMuxer(uint32_t chunkSize) : chunkSize_(chunkSize) {}

  Bytes metadata(const Bytes& amf0) override { return muxMetadata(amf0, 0, chunkSize_); }
  Bytes trackConfig(const TrackConfig& config, int64_t dtsUs) override {
    return muxTrackConfig(config, rtmpTimestamp(dtsUs), chunkSize_);
  }
  Bytes frame(const FramePtr& frame) override;
  bool carriesAudio(Codec codec) const override { return flv::isFlvMediaCodec(codec); }

 private:
  uint32_t chunkSize_;
};

}  // namespace rtsedge::rtmp
