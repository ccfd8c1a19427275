#include "bench/rtsbench/srt_player.h"

#include <array>

namespace rtsedge::bench {

namespace {
constexpr size_t kReceiveBufferSize = 1500;  // one SRT message: at most the payload size
}  // namespace

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
  std::array<char, kReceiveBufferSize> buffer;
  while (caller_.socket() != SRT_INVALID_SOCK) {
    int received = srt_recvmsg(caller_.socket(), buffer.data(), static_cast<int>(buffer.size()));
    if (received == SRT_ERROR) {
      if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
        caller_.fail("closed", srt_getlasterror_str());
      }
      return;
    }
    if (received <= 0) {
      return;
    }
    bytes_ += static_cast<uint64_t>(received);
    publisher_.feed(std::span(reinterpret_cast<const uint8_t*>(buffer.data()), static_cast<size_t>(received)));
  }
}

void SrtPlayer::onCallerFailed(std::string_view kind, std::string_view detail) {
  FailureKind failure = kind == "connect"   ? FailureKind::kConnect
                        : kind == "refused" ? FailureKind::kRefused
                                            : FailureKind::kClosed;
  fail(failure, detail);
}

}  // namespace rtsedge::bench
