#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "relay/status.h"

namespace rtsedge::bench {

// The response to an HTTP-FLV GET, de-framed: the head is read and checked (status 200),
// then the body comes out as sent, or de-chunked when the head says
// "Transfer-Encoding: chunked". Input may be split at any byte.
class HttpResponseReader {
 public:
  // Consumes all of `data`, appending the body bytes in it to `body` as slices of `data`.
  // An Error for a malformed head or chunk framing, or a status other than 200 (status()
  // tells which); the reader is not fed again after one.
  Status feed(std::span<const uint8_t> data, std::vector<std::span<const uint8_t>>& body);

  bool headComplete() const { return phase_ != Phase::kHead; }
  // The status code, once the status line is in.
  std::optional<int> status() const { return status_; }
  // A chunked body's last chunk came: the server ended the stream.
  bool bodyEnded() const { return phase_ == Phase::kEnded; }

 private:
  enum class Phase { kHead, kRaw, kChunkSize, kChunkData, kChunkEnd, kEnded };

  Status onHead();
  Status onChunkSizeLine();
  // Moves the front of `data` into line_ up to a line feed; true once the line is whole.
  Result<bool> readLine(std::span<const uint8_t>& data);

  Phase phase_ = Phase::kHead;
  std::string head_;
  std::string line_;  // a chunk-size line, or the CRLF after a chunk's data
  uint64_t chunkLeft_ = 0;
  std::optional<int> status_;
};

}  // namespace rtsedge::bench
