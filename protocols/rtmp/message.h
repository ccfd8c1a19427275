#pragma once

#include <cstdint>

#include "relay/bytes.h"

namespace rtsedge::rtmp {

// The chunk size both directions start with.
inline constexpr uint32_t kDefaultChunkSize = 128;
// The largest chunk size a Set Chunk Size may announce: its top bit must be zero.
inline constexpr uint32_t kMaxChunkSize = 0x7FFFFFFF;

enum class MessageType : uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kSharedObjectAmf3 = 16,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kSharedObjectAmf0 = 19,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

enum class UserControlEvent : uint16_t {
  kStreamBegin = 0,
  kStreamEof = 1,
  kStreamDry = 2,
  kSetBufferLength = 3,
  kStreamIsRecorded = 4,
  kPingRequest = 6,
  kPingResponse = 7,
};

// One reassembled RTMP message.
struct Message {
  uint32_t chunkStreamId = 0;
  uint32_t timestamp = 0;  // absolute, milliseconds
  uint8_t typeId = 0;
  uint32_t streamId = 0;
  Bytes payload;
};

}  // namespace rtsedge::rtmp
