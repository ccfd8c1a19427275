#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/bytes.h"

namespace rtsedge::http {

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

std::string_view statusText(int status);

struct HeadOptions {
  int status = 200;
  std::string_view contentType;
  std::optional<size_t> contentLength;  // none: chunked (HTTP/1.1) or until close (HTTP/1.0)
  bool chunked = false;
  bool keepAlive = true;
  const std::vector<std::pair<std::string, std::string>>* extraHeaders = nullptr;
};

// The status line and headers, CORS included: browser players fetch cross-origin.
Bytes responseHead(const HeadOptions& options);

// Chunked transfer framing around `data`, and the final empty chunk.
Bytes chunkFrame(std::span<const uint8_t> data);
size_t chunkPrefixSize(size_t dataSize);
Bytes lastChunk();

}  // namespace rtsedge::http
