#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/message.h"
#include "relay/bytes.h"

namespace rtsedge::rtmp {

struct MessageHeader {
  uint32_t chunkStreamId = 0;  // 2..65599
  uint32_t timestamp = 0;
  uint8_t typeId = 0;
  uint32_t streamId = 0;
};

// Exact number of bytes appendChunked() writes, to size a builder once. For both:
// the chunk size is ours to choose, 1..kMaxChunkSize, and the payload fits the
// 24-bit message length.
size_t chunkedSize(const MessageHeader& header, size_t payloadSize, uint32_t chunkSize);

// Writes one message as chunks: a type-0 header on the first chunk and type-3 on
// the rest, with the extended timestamp (on type-3 chunks too, as ffmpeg and OBS
// expect) when the timestamp needs it. `pieces` form the payload in order without
// being copied together first.
void appendChunked(BytesBuilder& out, const MessageHeader& header,
                   std::initializer_list<std::span<const uint8_t>> pieces, uint32_t chunkSize);

// Whole protocol control messages (chunk stream 2, message stream 0).
Bytes setChunkSizeMessage(uint32_t size);
Bytes windowAckSizeMessage(uint32_t size);
Bytes setPeerBandwidthMessage(uint32_t size, uint8_t limitType);
Bytes acknowledgementMessage(uint32_t sequence);
Bytes userControlMessage(UserControlEvent event, uint32_t value);

// An AMF0 command (type 20) or data (type 18) message.
Bytes amf0Message(const MessageHeader& header, const std::vector<amf0::Value>& values, uint32_t chunkSize);

}  // namespace rtsedge::rtmp
