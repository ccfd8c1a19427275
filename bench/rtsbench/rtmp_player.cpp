#include "bench/rtsbench/rtmp_player.h"

namespace rtsedge::bench {

namespace {

rtmp::ClientOptions clientOptions(const PlayUrl& url) {
  rtmp::ClientOptions options;
  options.host = url.host;
  options.port = url.port;
  options.app = url.app;
  options.streamName = url.streamName;
  options.mode = rtmp::ClientMode::kPlay;
  options.connectTimeout = kConnectTimeout;
  options.handshakeTimeout = kConnectTimeout;
  return options;
}

FailureKind failureKind(rtmp::ClientFailure failure) {
  switch (failure) {
    case rtmp::ClientFailure::kConnect:
    case rtmp::ClientFailure::kTimeout: return FailureKind::kConnect;
    case rtmp::ClientFailure::kRefused:
    case rtmp::ClientFailure::kNotFound: return FailureKind::kRefused;
    case rtmp::ClientFailure::kClosed: return FailureKind::kClosed;
    case rtmp::ClientFailure::kHandshake:
    case rtmp::ClientFailure::kProtocol: break;
  }
  return FailureKind::kProtocol;
}

}  // namespace

RtmpPlayer::RtmpPlayer(PlayerContext& context)
    : Player(context),
      publisher_(context.clock, context.framesReceived, static_cast<StreamSource::Listener&>(*this)),
      client_(context.loop, context.clock, clientOptions(context.url),
              static_cast<rtmp::RtmpClient::Listener&>(*this)) {}

void RtmpPlayer::start() {
  meter_.onConnecting();
  if (Status attached = publisher_.attachTo(meter_.stream()); !attached) {
    fail(FailureKind::kProtocol, attached.error().message());
    return;
  }
  if (Status started = client_.start(); !started) {
    fail(FailureKind::kConnect, started.error().message());
  }
}

void RtmpPlayer::close() {
  client_.close();
  publisher_.detach();
}

void RtmpPlayer::onClientMedia(const rtmp::Message& message) {
  if (Status status = publisher_.onMedia(message); !status) {
    fail(FailureKind::kProtocol, status.error().message());
  }
}

void RtmpPlayer::onClientFailed(rtmp::ClientFailure failure, std::string_view detail) {
  fail(failureKind(failure), detail);
}

}  // namespace rtsedge::bench
