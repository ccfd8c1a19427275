#include "bench/rtsbench/whep_http.h"

#include <fmt/format.h>

namespace rtsedge::bench {

HttpExchange::HttpExchange(uv::Loop& loop)
    : loop_(loop), timeout_(loop, [this] { finish(Error("no whole HTTP response in time")); }) {}

void HttpExchange::start(const std::string& host, uint16_t port, std::string request, Millis timeout, Done done) {
  close();
  done_ = std::move(done);
  request_ = std::move(request);
  response_ = HttpResponseReader(std::nullopt);
  reply_ = HttpReply{};
  timeout_.start(timeout);
  auto connector =
      uv::TcpConnector::start(loop_, host, port, [this](auto connection) { onConnected(std::move(connection)); });
  if (!connector) {
    finish(connector.error());
    return;
  }
  connector_ = std::move(*connector);
}

void HttpExchange::close() {
  done_ = nullptr;
  timeout_.stop();
  connector_.reset();
  if (connection_) {
    connection_->close();
    connection_.reset();
  }
}

void HttpExchange::finish(Result<HttpReply> result) {
  Done done = std::move(done_);
  close();
  if (done) {
    done(std::move(result));
  }
}

void HttpExchange::onConnected(Result<std::unique_ptr<uv::TcpConnection>> connection) {
  if (!connection) {
    finish(connection.error());
    return;
  }
  connection_ = std::move(*connection);
  connection_->setListener(this);
  if (Status reading = connection_->startReading(); !reading) {
    finish(reading.error());
    return;
  }
  std::vector<Bytes> batch{Bytes::copyOf(request_)};
  connection_->write(batch);
}

void HttpExchange::onTcpData(std::span<const uint8_t> data) {
  pieces_.clear();
  if (Status status = response_.feed(data, pieces_); !status) {
    finish(status.error());
    return;
  }
  for (std::span<const uint8_t> piece : pieces_) {
    if (reply_.body.size() + piece.size() > kMaxBody) {
      finish(Error(fmt::format("HTTP response body over {} bytes", kMaxBody)));
      return;
    }
    reply_.body.append(reinterpret_cast<const char*>(piece.data()), piece.size());
  }
  if (response_.bodyEnded()) {
    reply_.status = response_.status().value_or(0);
    if (const std::string* location = response_.header("location")) {
      reply_.location = *location;
    }
    finish(std::move(reply_));
  }
}

void HttpExchange::onTcpClosed(std::string_view reason) {
  connection_.reset();  // closed already
  if (response_.bodyUntilClose()) {
    // A body delimited by the connection's end (neither chunked nor Content-Length).
    reply_.status = response_.status().value_or(0);
    if (const std::string* location = response_.header("location")) {
      reply_.location = *location;
    }
    finish(std::move(reply_));
    return;
  }
  finish(Error(fmt::format("the server closed the connection before its response: {}", reason)));
}

}  // namespace rtsedge::bench
