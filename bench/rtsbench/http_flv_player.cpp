#include "bench/rtsbench/http_flv_player.h"

#include <fmt/format.h>

namespace rtsedge::bench {

HttpFlvPlayer::HttpFlvPlayer(PlayerContext& context)
    : Player(context),
      loop_(context.loop),
      url_(context.url),
      publisher_(context.clock, context.framesReceived, static_cast<StreamSource::Listener&>(*this)),
      timeout_(context.loop, [this] { fail(FailureKind::kConnect, "no response head in time"); }) {}

void HttpFlvPlayer::start() {
  meter_.onConnecting();
  if (Status attached = publisher_.attachTo(meter_.stream()); !attached) {
    fail(FailureKind::kProtocol, attached.error().message());
    return;
  }
  timeout_.start(kConnectTimeout);
  auto connector = uv::TcpConnector::start(loop_, url_.host, url_.port,
                                           [this](auto connection) { onTcpConnected(std::move(connection)); });
  if (!connector) {
    fail(FailureKind::kConnect, connector.error().message());
    return;
  }
  connector_ = std::move(*connector);
}

void HttpFlvPlayer::close() {
  timeout_.close();
  connector_.reset();
  if (connection_) {
    connection_->close();
  }
  publisher_.detach();
}

void HttpFlvPlayer::onTcpConnected(Result<std::unique_ptr<uv::TcpConnection>> connection) {
  if (!connection) {
    fail(FailureKind::kConnect, connection.error().message());
    return;
  }
  connection_ = std::move(*connection);
  connection_->setListener(this);
  if (Status reading = connection_->startReading(); !reading) {
    fail(FailureKind::kConnect, reading.error().message());
    return;
  }
  std::vector<Bytes> request{Bytes::copyOf(fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: rtsbench\r\nAccept: */*\r\n\r\n", url_.target, url_.authority))};
  connection_->write(request);
}

void HttpFlvPlayer::onTcpData(std::span<const uint8_t> data) {
  bytes_ += data.size();
  bool hadHead = response_.headComplete();
  body_.clear();
  if (Status status = response_.feed(data, body_); !status) {
    bool refused = response_.status() && *response_.status() != 200;
    fail(refused ? FailureKind::kRefused : FailureKind::kProtocol, status.error().message());
    return;
  }
  if (!hadHead && response_.headComplete()) {
    timeout_.stop();
    meter_.onConnected();
  }
  if (readBody() && response_.bodyEnded()) {
    fail(FailureKind::kClosed, "the server ended the response");
  }
}

bool HttpFlvPlayer::readBody() {
  for (std::span<const uint8_t> piece : body_) {
    tags_.clear();
    if (Status status = flv_.feed(piece, tags_); !status) {
      fail(FailureKind::kProtocol, status.error().message());
      return false;
    }
    for (const rtmp::Message& tag : tags_) {
      if (Status status = publisher_.onMedia(tag); !status) {
        fail(FailureKind::kProtocol, status.error().message());
        return false;
      }
    }
  }
  return true;
}

void HttpFlvPlayer::onTcpClosed(std::string_view reason) {
  fail(FailureKind::kClosed, reason);
}

}  // namespace rtsedge::bench
