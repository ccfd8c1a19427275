#pragma once

#include <http_parser.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtsedge::http {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;
  std::string query;                                         // without the '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  int versionMajor = 1;
  int versionMinor = 1;
  bool keepAlive = true;

  const std::string* header(std::string_view lowerName) const;
  // The first value of a query parameter, percent-decoded; nullopt if absent.
  std::optional<std::string> queryParam(std::string_view name) const;
};

struct HttpLimits {
  size_t maxRequestLine = 8 * 1024;
  size_t maxHeaderSize = 16 * 1024;
  size_t maxBodySize = 1024 * 1024;
};

// Bytes -> HTTP/1.x requests, over libhttp-parser. Knows no socket; input may be
// split at any byte; pipelined requests come out in order. Limits are checked as
// bytes arrive, before anything grows past them.
class RequestParser {
 public:
  struct Failure {
    int status;  // what to answer: 400, 413, 414 or 431
    std::string reason;
  };

  explicit RequestParser(HttpLimits limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses all of `data`, appending complete requests. After a failure the
  // connection is answered with the status and closed; the parser is not fed again.
  std::optional<Failure> feed(std::span<const uint8_t> data, std::vector<HttpRequest>& out);

 private:
  static int onMessageBegin(http_parser* parser);
  static int onUrl(http_parser* parser, const char* at, size_t length);
  static int onHeaderField(http_parser* parser, const char* at, size_t length);
  static int onHeaderValue(http_parser* parser, const char* at, size_t length);
  static int onHeadersComplete(http_parser* parser);
  static int onBody(http_parser* parser, const char* at, size_t length);
  static int onMessageComplete(http_parser* parser);
  int fail(int status, std::string reason);
  bool headerRoom(size_t length);

  HttpLimits limits_;
  http_parser parser_{};
  http_parser_settings settings_{};
  HttpRequest current_;
  size_t headerBytes_ = 0;
  bool lastWasValue_ = false;
  std::optional<Failure> failure_;
  std::vector<HttpRequest>* out_ = nullptr;
};

}  // namespace rtsedge::http
