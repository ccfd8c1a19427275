#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/status.h"

namespace rtsedge::bench {

// An HTTP/1.1 response, de-framed: the head is read and its status checked (200 for an
// HTTP-FLV GET, 201 for a WHEP POST, any when the caller judges it), then the body comes
// out as sent, de-chunked when the head says "Transfer-Encoding: chunked", or cut at its
// Content-Length. Input may be split at any byte.
class HttpResponseReader {
 public:
  // expectedStatus: the one status accepted; nullopt accepts every status.
  explicit HttpResponseReader(std::optional<int> expectedStatus = 200) : expectedStatus_(expectedStatus) {}

  // Consumes all of `data`, appending the body bytes in it to `body` as slices of `data`.
  // An Error for a malformed head or chunk framing, or a status other than the expected
  // one (status() tells which); the reader is not fed again after one.
  Status feed(std::span<const uint8_t> data, std::vector<std::span<const uint8_t>>& body);

  bool headComplete() const { return phase_ != Phase::kHead; }
  // The status code, once the status line is in.
  std::optional<int> status() const { return status_; }
  // A chunked body's last chunk came, or a Content-Length body is whole: the server
  // ended the response.
  bool bodyEnded() const { return phase_ == Phase::kEnded; }
  // The head gave no length and no chunking: the body ends with the connection.
  bool bodyUntilClose() const { return phase_ == Phase::kRaw; }
  // A header's value (the first of that name; leading and trailing blanks trimmed), once
  // the head is in; `lowercaseName` as "location".
  const std::string* header(std::string_view lowercaseName) const;

 private:
  enum class Phase { kHead, kRaw, kLength, kChunkSize, kChunkData, kChunkEnd, kEnded };

  Status onHead();
  Status onChunkSizeLine();
  // Moves the front of `data` into line_ up to a line feed; true once the line is whole.
  Result<bool> readLine(std::span<const uint8_t>& data);

  Phase phase_ = Phase::kHead;
  std::string head_;
  std::string line_;  // a chunk-size line, or the CRLF after a chunk's data
  uint64_t chunkLeft_ = 0;  // of a chunk, or of a Content-Length body
  std::optional<int> expectedStatus_;
  std::optional<int> status_;
  std::vector<std::pair<std::string, std::string>> headers_;  // lower-cased names
};

}  // namespace rtsedge::bench
