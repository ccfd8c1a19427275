#include "protocols/http/response.h"

#include <fmt/format.h>

namespace rtsedge::http {

std::string_view statusText(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

Bytes responseHead(const HeadOptions& options) {
  std::string head = fmt::format("HTTP/1.1 {} {}\r\nServer: rtsedge\r\n", options.status, statusText(options.status));
  head += "Access-Control-Allow-Origin: *\r\nCache-Control: no-cache\r\n";
  // "*" is no wildcard for a credentialed request: what WHIP/WHEP clients read is named too.
  head += "Access-Control-Expose-Headers: *, Location, ETag, Link, Accept-Post\r\n";
  if (!options.contentType.empty()) {
    head += fmt::format("Content-Type: {}\r\n", options.contentType);
  }
  bool noContent = options.status == 204;  // RFC 9110 8.6: a 204 has no Content-Length
  if (options.contentLength && !noContent) {
    head += fmt::format("Content-Length: {}\r\n", *options.contentLength);
  } else if (options.chunked && !noContent) {
    head += "Transfer-Encoding: chunked\r\n";
  }
  if (options.extraHeaders != nullptr) {
    for (const auto& [name, value] : *options.extraHeaders) {
      head += fmt::format("{}: {}\r\n", name, value);
    }
  }
  head += options.keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return Bytes::copyOf(head);
}

size_t chunkPrefixSize(size_t dataSize) {
  return fmt::formatted_size("{:x}\r\n", dataSize);
}

Bytes chunkFrame(std::span<const uint8_t> data) {
  std::string prefix = fmt::format("{:x}\r\n", data.size());
  BytesBuilder out(prefix.size() + data.size() + 2);
  out.append(std::span(reinterpret_cast<const uint8_t*>(prefix.data()), prefix.size()));
  out.append(data);
  out.appendU16(0x0d0a);
  return out.freeze();
}

Bytes lastChunk() {
  return Bytes::copyOf(std::string_view("0\r\n\r\n"));
}

}  // namespace rtsedge::http
