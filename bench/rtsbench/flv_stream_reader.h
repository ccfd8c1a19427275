#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocols/rtmp/message.h"
#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::bench {

// An FLV byte stream (an HTTP-FLV response body) -> its tags, as the RTMP messages they
// carry (type, 32-bit millisecond timestamp, body), so they feed an RtmpPublisher the way
// an RTMP play session's media does. Input may be split at any byte.
class FlvStreamReader {
 public:
  explicit FlvStreamReader(uint32_t maxTagSize = 8 * 1024 * 1024) : maxTagSize_(maxTagSize) {}

  // Consumes all of `data`, appending every completed tag to `out`. An Error for input
  // that is not FLV or a tag over the limit; the reader is not fed again after one.
  Status feed(std::span<const uint8_t> data, std::vector<rtmp::Message>& out);

 private:
  enum class Phase { kFileHeader, kTagHeader, kTagBody };

  // Fills header_ up to `size` bytes from the front of `data`; true once it holds them.
  bool fillHeader(std::span<const uint8_t>& data, size_t size);
  Status onFileHeader();
  Status onTagHeader(std::vector<rtmp::Message>& out);
  void endTag(std::vector<rtmp::Message>& out);

  uint32_t maxTagSize_;
  Phase phase_ = Phase::kFileHeader;
  std::array<uint8_t, 11> header_{};  // the file header (9) or a tag header (11)
  size_t headerSize_ = 0;
  uint64_t skip_ = 0;  // bytes to pass over: the header's extension, PreviousTagSize fields
  rtmp::Message tag_;
  BytesBuilder body_;
  uint32_t bodyLeft_ = 0;
};

}  // namespace rtsedge::bench
