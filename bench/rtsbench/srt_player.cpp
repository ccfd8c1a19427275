#include "bench/rtsbench/srt_player.h"

#include "protocols/srt/srt_receive.h"

namespace rtsedge::bench {

using srt::Received;
using srt::receiveMessages;

SrtPlayer::SrtPlayer(PlayerContext& context)
    : Player(context),
      url_(context.url),
      publisher_(context.clock, context.framesReceived, static_cast<StreamSource::Listener&>(*this)),
      caller_(*context.srt, static_cast<srt::SrtCaller::Listener&>(*this)) {}

void SrtPlayer::start() {
  meter_.onConnecting();
  if (Status attached = publisher_.attachTo(meter_.stream()); !attached) {
    fail(FailureKind::kProtocol, attached.error().message());
    return;
  }
  UpstreamSettings upstream;
  upstream.protocol = UpstreamProtocol::kSrt;
  upstream.address = ListenAddress{url_.host, url_.port};
  upstream.srtLatency = url_.srtLatency;
  upstream.srtPassphrase = url_.srtPassphrase;
  if (Status connecting = caller_.connect(upstream, url_.streamId); !connecting) {
    fail(FailureKind::kConnect, connecting.error().message());
  }
}

void SrtPlayer::close() {
  caller_.close();
  publisher_.detach();
}

void SrtPlayer::onCallerReadable() {
  Received end = receiveMessages(caller_.socket(), [this](std::span<const uint8_t> message) {
    bytes_ += message.size();
    publisher_.feed(message);
    return caller_.socket() != SRT_INVALID_SOCK;
  });
  if (end == Received::kFailed) {
    caller_.fail("closed", srt_getlasterror_str());
  }
}

void SrtPlayer::onCallerFailed(std::string_view kind, std::string_view detail) {
  FailureKind failure = kind == "connect"   ? FailureKind::kConnect
                        : kind == "refused" ? FailureKind::kRefused
                                            : FailureKind::kClosed;
  fail(failure, detail);
}

}  // namespace rtsedge::bench
