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

// The largest chunk size RTMP allows (a 31-bit field, but 24-bit lengths in practice).
inline constexpr uint32_t kMaxChunkSize = 0xFFFFFF;

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
    uint32_t timestamp = 0;       // absolute timestamp of the current/last message
    uint32_t timestampField = 0;  // the last header's timestamp field: absolute (fmt 0) or delta
    uint32_t length = 0;
    uint32_t streamId = 0;
    uint8_t typeId = 0;
    bool extended = false;  // the last header carried an extended timestamp
    bool inMessage = false;
    uint32_t received = 0;
    BytesBuilder payload;
  };

  // Total header length implied by the bytes so far, or an Error.
  Result<size_t> headerLength();
  Status onHeader();
  Status completeMessage(ChunkStream& stream, std::vector<Message>& out);
  Status applyControl(const Message& message);

  ChunkReaderLimits limits_;
  uint32_t chunkSize_ = 128;
  std::map<uint32_t, ChunkStream> streams_;

  std::array<uint8_t, 18> header_{};  // basic (<= 3) + message (<= 11) + extended (4)
  size_t headerSize_ = 0;
  bool inPayload_ = false;
  ChunkStream* current_ = nullptr;
  uint32_t chunkLeft_ = 0;  // payload bytes left in the current chunk
};

}  // namespace rtsedge::rtmp
