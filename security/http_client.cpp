#include "security/http_client.h"

#include <fmt/format.h>
#include <http_parser.h>

#include <algorithm>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "relay/bytes.h"
#include "relay/config_values.h"
#include "relay/quoted.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"

namespace rtsedge::security {

namespace {

constexpr std::string_view kAccepted =
    "expected http://host[:port][/path], the host a numeric IPv4 address, an IPv6 address in brackets or localhost";
constexpr size_t kMaxHeaderBytes = 16 * 1024;  // status line and headers, up to the blank line
constexpr size_t kMaxBodyBytes = 64 * 1024;    // kept; the rest is read and dropped

// The exchange itself, apart from the HttpPost the caller holds: destroying the post
// (from inside `done`, a read, a timer) only detaches it and hands it to the loop, so
// no frame of a libuv callback, the connector's `done` or http_parser_execute ever
// returns into freed memory.
class Exchange final : public uv::DeferredDeletable, private uv::TcpConnection::Listener {
 public:
  Exchange(uv::Loop& loop, const HttpUrl& url, const std::string& contentType, const std::string& body,
           HttpPost::Done done)
      : loop_(loop),
        context_(fmt::format("http://{}{}", formatListenAddress(url.address), url.path)),
        request_(
            Bytes::copyOf(fmt::format("POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                                      "Connection: close\r\nUser-Agent: rtsedge\r\n\r\n{}",
                                      url.path, formatListenAddress(url.address), contentType, body.size(), body))),
        timer_(loop, [this] { onTimer(); }),
        done_(std::move(done)) {
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = this;
    http_parser_settings_init(&settings_);
    settings_.on_status = &Exchange::onStatus;
    settings_.on_headers_complete = &Exchange::onHeadersComplete;
    settings_.on_body = &Exchange::onBody;
    settings_.on_message_complete = &Exchange::onMessageComplete;
  }

  void begin(const HttpUrl& url, Millis timeout) {
    timeout_ = timeout;
    auto connector = uv::TcpConnector::start(
        loop_, url.address.host, url.address.port,
        [this](Result<std::unique_ptr<uv::TcpConnection>> connection) { onConnected(std::move(connection)); });
    if (!connector) {
      // `done` runs from the loop, never inside start(): the timer reports it at once.
      pending_ = connector.error();
      timer_.start(Millis(0));
      return;
    }
    connector_ = std::move(*connector);
    timer_.start(timeout);
  }

  // The caller gave up: nothing is reported any more. What libuv still owes a callback
  // (a connect, a write) finds its owner gone, as in TcpConnector and TcpConnection.
  void abandon() {
    finished_ = true;
    done_ = nullptr;
    release();
  }

 private:
  static Exchange& self(http_parser* parser) { return *static_cast<Exchange*>(parser->data); }

  void onConnected(Result<std::unique_ptr<uv::TcpConnection>> connection) {
    if (finished_) {
      return;
    }
    if (!connection) {
      finish(connection.error());
      return;
    }
    connection_ = std::move(*connection);
    connection_->setListener(this);
    Status reading = connection_->startReading();
    if (!reading) {
      finish(reading.error());
      return;
    }
    std::vector<Bytes> batch{request_};
    connection_->write(batch);  // a failure comes back through onTcpClosed
  }

  void onTimer() {
    if (finished_) {
      return;
    }
    if (pending_) {
      finish(*pending_);
      return;
    }
    finish(Error(fmt::format("timed out after {}ms", timeout_.count())));
  }

  void onTcpData(std::span<const uint8_t> data) override {
    if (finished_) {
      return;
    }
    std::optional<Error> error = feed(data);
    if (complete_) {
      finish(std::move(reply_));
    } else if (error) {
      finish(std::move(*error));
    }
  }

  void onTcpWriteDone() override {}

  void onTcpClosed(std::string_view reason) override {
    if (finished_) {
      return;
    }
    if (reason != "peer closed") {
      finish(Error(std::string(reason)));
      return;
    }
    // The end of a close-delimited body, or of a response cut short.
    http_parser_execute(&parser_, &settings_, nullptr, 0);
    if (complete_) {
      finish(std::move(reply_));
    } else if (!received_) {
      finish(Error("the server closed the connection without answering"));
    } else {
      finish(Error("the server closed the connection before the response was complete"));
    }
  }

  // Parses what arrived. While the header section is incomplete only what is left of
  // its limit is handed over, so a header section past the limit is caught exactly.
  std::optional<Error> feed(std::span<const uint8_t> data) {
    received_ = received_ || !data.empty();
    while (!data.empty() && !complete_) {
      size_t length = data.size();
      if (!headersComplete_) {
        length = std::min(length, kMaxHeaderBytes - headerBytes_);
      }
      size_t parsed = http_parser_execute(&parser_, &settings_, reinterpret_cast<const char*>(data.data()), length);
      if (complete_) {
        return std::nullopt;  // anything after the response is ignored
      }
      auto error = static_cast<http_errno>(parser_.http_errno);
      if (error != HPE_OK) {
        return Error(std::string("malformed response: ") + http_errno_description(error));
      }
      if (parsed != length) {
        return Error("malformed response");
      }
      if (!headersComplete_) {
        headerBytes_ += length;
        if (headerBytes_ >= kMaxHeaderBytes) {
          return Error(fmt::format("malformed response: header section larger than {} bytes", kMaxHeaderBytes));
        }
      }
      data = data.subspan(length);
    }
    return std::nullopt;
  }

  static int onStatus(http_parser* parser, const char*, size_t) {
    self(parser).reply_.status = parser->status_code;
    return 0;
  }

  static int onHeadersComplete(http_parser* parser) {
    Exchange& p = self(parser);
    p.reply_.status = parser->status_code;  // also when the reason phrase is absent
    p.headersComplete_ = true;
    return 0;
  }

  static int onBody(http_parser* parser, const char* at, size_t length) {
    Exchange& p = self(parser);
    size_t room = kMaxBodyBytes - std::min(kMaxBodyBytes, p.reply_.body.size());
    p.reply_.body.append(at, std::min(room, length));
    return 0;
  }

  static int onMessageComplete(http_parser* parser) {
    Exchange& p = self(parser);
    if (parser->status_code >= 100 && parser->status_code < 200 && parser->status_code != 101) {
      // An interim response (103 Early Hints): the final one follows.
      p.reply_ = HttpReply();
      p.headersComplete_ = false;
      return 0;
    }
    p.complete_ = true;
    http_parser_pause(parser, 1);  // nothing after the response is parsed
    return 0;
  }

  void release() {
    timer_.close();
    if (connection_ != nullptr) {
      connection_->close();
    }
    // The connector (its `done` may be on the stack now) goes with the exchange.
  }

  // Exactly once: everything is closed before `done` runs, which may destroy the post.
  void finish(Result<HttpReply> result) {
    if (finished_) {
      return;
    }
    finished_ = true;
    release();
    HttpPost::Done done = std::move(done_);
    done_ = nullptr;
    if (done) {
      done(result ? std::move(result) : Result<HttpReply>(result.error().wrap(context_)));
    }
  }

  uv::Loop& loop_;
  std::string context_;  // "http://127.0.0.1:9000/hooks/publish", for errors
  Bytes request_;
  uv::Timer timer_;
  HttpPost::Done done_;
  Millis timeout_{0};
  std::optional<Error> pending_;  // a connect that could not start, reported from the loop
  std::unique_ptr<uv::TcpConnector> connector_;
  std::unique_ptr<uv::TcpConnection> connection_;
  http_parser parser_{};
  http_parser_settings settings_{};
  HttpReply reply_;
  size_t headerBytes_ = 0;
  bool headersComplete_ = false;
  bool complete_ = false;
  bool received_ = false;
  bool finished_ = false;
};

class HttpPostImpl final : public HttpPost {
 public:
  HttpPostImpl(uv::Loop& loop, std::unique_ptr<Exchange> exchange) : loop_(loop), exchange_(std::move(exchange)) {}
  ~HttpPostImpl() override {
    exchange_->abandon();
    loop_.deferDelete(std::move(exchange_));
  }
  HttpPostImpl(const HttpPostImpl&) = delete;
  HttpPostImpl& operator=(const HttpPostImpl&) = delete;

 private:
  uv::Loop& loop_;
  std::unique_ptr<Exchange> exchange_;
};

}  // namespace

Result<HttpUrl> parseHttpUrl(std::string_view text) {
  if (text.starts_with("https://")) {
    return Error(fmt::format("{}: https is not supported, only plain http ({})", quoted(text), kAccepted));
  }
  if (!text.starts_with("http://")) {
    return Error(fmt::format("{} is not an http:// URL ({})", quoted(text), kAccepted));
  }
  std::string_view rest = text.substr(7);
  if (rest.find('#') != std::string_view::npos) {
    return Error(fmt::format("{}: a fragment (#...) is never sent to the server ({})", quoted(text), kAccepted));
  }
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Error(
          fmt::format("{}: spaces and control characters are not allowed (percent-encode them)", quoted(text)));
    }
  }
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.empty() || authority.starts_with(':') || authority.starts_with("[]")) {
    return Error(fmt::format("{} has no host ({})", quoted(text), kAccepted));
  }
  if (authority.find('@') != std::string_view::npos) {
    return Error(fmt::format("{}: user information (user@host) is not supported ({})", quoted(text), kAccepted));
  }
  auto address = parseAuthority(authority, 80);
  if (!address) {
    return Error(fmt::format("{}: {} ({})", quoted(text), address.error().message(), kAccepted));
  }
  HttpUrl url{*address, std::string(target)};
  if (url.path.empty() || url.path[0] != '/') {
    url.path.insert(0, "/");
  }
  return url;
}

std::unique_ptr<HttpPost> HttpPost::start(uv::Loop& loop, const HttpUrl& url, std::string contentType, std::string body,
                                          Millis timeout, Done done) {
  auto exchange = std::make_unique<Exchange>(loop, url, contentType, body, std::move(done));
  exchange->begin(url, timeout);
  return std::make_unique<HttpPostImpl>(loop, std::move(exchange));
}

}  // namespace rtsedge::security
