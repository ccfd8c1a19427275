#include "protocols/http/request_parser.h"

#include <algorithm>
#include <cctype>
#include <climits>

#include "relay/hex.h"
#include "relay/query.h"

namespace rtsedge::http {

namespace {

RequestParser& self(http_parser* parser) {
  return *static_cast<RequestParser*>(parser->data);
}

std::string percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hexDigitValue(text[i + 1]) >= 0 && hexDigitValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexDigitValue(text[i + 1]) * 16 + hexDigitValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view lowerName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowerName) {
      return &value;
    }
  }
  return nullptr;
}

std::optional<std::string> HttpRequest::queryParam(std::string_view name) const {
  std::optional<std::string> found;
  forEachQueryParam(query, [&](std::string_view key, std::string_view value) {
    if (!found && percentDecode(key) == name) {
      found = percentDecode(value);
    }
  });
  return found;
}

RequestParser::RequestParser(HttpLimits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::onMessageBegin;
  settings_.on_url = &RequestParser::onUrl;
  settings_.on_header_field = &RequestParser::onHeaderField;
  settings_.on_header_value = &RequestParser::onHeaderValue;
  settings_.on_headers_complete = &RequestParser::onHeadersComplete;
  settings_.on_body = &RequestParser::onBody;
  settings_.on_message_complete = &RequestParser::onMessageComplete;
}

std::optional<RequestParser::Failure> RequestParser::feed(std::span<const uint8_t> data,
                                                          std::vector<HttpRequest>& out) {
  out_ = &out;
  size_t parsed = http_parser_execute(&parser_, &settings_, reinterpret_cast<const char*>(data.data()), data.size());
  out_ = nullptr;
  if (failure_) {
    return failure_;
  }
  auto error = static_cast<http_errno>(parser_.http_errno);
  if (error != HPE_OK) {
    return Failure{400, std::string("malformed request: ") + http_errno_description(error)};
  }
  if (parser_.upgrade) {
    return Failure{400, "protocol upgrades are not supported"};
  }
  if (parsed != data.size()) {
    return Failure{400, "malformed request"};
  }
  return std::nullopt;
}

int RequestParser::fail(int status, std::string reason) {
  failure_ = Failure{status, std::move(reason)};
  // Stops http_parser_execute from any callback. Not 1: from on_headers_complete, 1
  // means "no body" and the refused request would complete (found by http_request_fuzz).
  return -1;
}

bool RequestParser::headerRoom(size_t length) {
  headerBytes_ += length;
  return headerBytes_ <= limits_.maxHeaderSize;
}

int RequestParser::onMessageBegin(http_parser* parser) {
  RequestParser& p = self(parser);
  p.current_ = HttpRequest();
  p.headerBytes_ = 0;
  p.lastWasValue_ = false;
  return 0;
}

int RequestParser::onUrl(http_parser* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  if (p.current_.target.size() + length > p.limits_.maxRequestLine) {
    return p.fail(414, "request target longer than " + std::to_string(p.limits_.maxRequestLine) + " bytes");
  }
  p.current_.target.append(at, length);
  return 0;
}

int RequestParser::onHeaderField(http_parser* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  if (!p.headerRoom(length)) {
    return p.fail(431, "headers larger than " + std::to_string(p.limits_.maxHeaderSize) + " bytes");
  }
  if (p.lastWasValue_ || p.current_.headers.empty()) {
    p.current_.headers.emplace_back();
  }
  p.lastWasValue_ = false;
  std::string& name = p.current_.headers.back().first;
  for (size_t i = 0; i < length; ++i) {
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
  }
  return 0;
}

int RequestParser::onHeaderValue(http_parser* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  if (!p.headerRoom(length)) {
    return p.fail(431, "headers larger than " + std::to_string(p.limits_.maxHeaderSize) + " bytes");
  }
  if (p.current_.headers.empty()) {
    return p.fail(400, "header value without a name");
  }
  p.lastWasValue_ = true;
  p.current_.headers.back().second.append(at, length);
  return 0;
}

int RequestParser::onHeadersComplete(http_parser* parser) {
  RequestParser& p = self(parser);
  HttpRequest& request = p.current_;
  request.method = http_method_str(static_cast<http_method>(parser->method));
  request.versionMajor = parser->http_major;
  request.versionMinor = parser->http_minor;
  request.keepAlive = http_should_keep_alive(parser) != 0;
  size_t mark = request.target.find('?');
  request.path = request.target.substr(0, mark);
  request.query = mark == std::string::npos ? "" : request.target.substr(mark + 1);
  if (request.path.empty() || request.path[0] != '/') {
    return p.fail(400, "request target is not an absolute path");
  }
  if (parser->content_length != ULLONG_MAX && parser->content_length > p.limits_.maxBodySize) {
    return p.fail(413, "body larger than " + std::to_string(p.limits_.maxBodySize) + " bytes");
  }
  return 0;
}

int RequestParser::onBody(http_parser* parser, const char* at, size_t length) {
  RequestParser& p = self(parser);
  if (p.current_.body.size() + length > p.limits_.maxBodySize) {
    return p.fail(413, "body larger than " + std::to_string(p.limits_.maxBodySize) + " bytes");
  }
  p.current_.body.append(at, length);
  return 0;
}

int RequestParser::onMessageComplete(http_parser* parser) {
  RequestParser& p = self(parser);
  // An HTTP/0.9 request line ("GET /x" with no version) completes without headers,
  // so nothing above checked its target: found by http_request_fuzz.
  if (parser->http_major == 0) {
    return p.fail(400, "HTTP/0.9 requests are not supported");
  }
  p.out_->push_back(std::move(p.current_));
  p.current_ = HttpRequest();
  return 0;
}

}  // namespace rtsedge::http
