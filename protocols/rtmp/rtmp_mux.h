#pragma once

#include <cstdint>

#include "relay/bytes.h"
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
inline uint32_t rtmpTimestamp(int64_t us) { return static_cast<uint32_t>(static_cast<uint64_t>(us / 1000)); }

// The whole chunked message for one frame: the FLV tag header for its codec, then
// the payload, on the chunk stream of its track.
Bytes muxFrame(const MediaFrame& frame, uint32_t chunkSize);
// A sequence-header message (empty Bytes for codecs that have none).
Bytes muxTrackConfig(const TrackConfig& config, uint32_t timestamp, uint32_t chunkSize);
// An onMetaData data message.
Bytes muxMetadata(const Bytes& amf0, uint32_t timestamp, uint32_t chunkSize);

}  // namespace rtsedge::rtmp
