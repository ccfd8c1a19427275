#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "protocols/rtmp/message.h"
#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::rtmp {

struct ChunkReaderLimits {
  uint32_t maxMessageSize = 8 * 1024 * 1024;
  uint32_t maxChunkStreams = 64;
};

// Bytes -> RTMP messages. Knows no socket. Input may be split at any byte.
class ChunkReader {
 public:
  explicit ChunkReader(ChunkReaderLimits limits) : limits_(limits) {}

  // Consumes all of `data`, appending every completed message to `out`; partial
  // chunks and messages are kept for the next call. Set Chunk Size and Abort are
  // applied at once (later chunks in the same data use them) and also appended.
  // After an error the reader is not fed again.
  Status feed(std::span<const uint8_t> data, std::vector<Message>& out);
  uint32_t chunkSize() const { return chunkSize_; }

 private:
  struct ChunkStream {
    uint32_t id = 0;
    uint32_t timestamp = 0;       // absolute timestamp of the current or last message
    uint32_t timestampField = 0;  // the last header's timestamp: absolute (fmt 0) or a delta
    uint32_t length = 0;
    uint32_t streamId = 0;
    uint8_t typeId = 0;
    bool extended = false;  // the last header carried an extended timestamp
    bool inMessage = false;
    uint32_t received = 0;
    BytesBuilder payload;
  };

  // One parsing step over the front of `input`: how many bytes it took (at least one).
  Result<size_t> step(std::span<const uint8_t> input, std::vector<Message>& out);
  // The header length implied by the bytes so far; grows as they reveal more.
  size_t headerLength() const;
  Status onHeader(std::vector<Message>& out);
  Result<ChunkStream*> streamFor(uint32_t id, uint8_t format);
  Status startMessage(ChunkStream& stream);
  void readTimestamp(ChunkStream& stream, uint8_t format, size_t basic);
  Status endChunk(std::vector<Message>& out);
  Status applyControl(const Message& message);

  ChunkReaderLimits limits_;
  uint32_t chunkSize_ = kDefaultChunkSize;
  std::map<uint32_t, ChunkStream> streams_;

  std::array<uint8_t, 18> header_{};  // basic (<= 3) + message (<= 11) + extended timestamp (4)
  size_t headerSize_ = 0;
  ChunkStream* current_ = nullptr;  // set while a chunk's payload is being read
  uint32_t chunkLeft_ = 0;          // payload bytes left in the current chunk

  // A fmt-3 chunk's peeked "extended timestamp" that was payload after all (a peer
  // that omits it there): those bytes are parsed again before new input.
  std::array<uint8_t, 4> replay_{};
  size_t replayLeft_ = 0;
  bool peekFailed_ = false;
};

}  // namespace rtsedge::rtmp
