#pragma once

#include "bench/rtsbench/player.h"
#include "protocols/mpegts/ts_publisher.h"
#include "protocols/srt/srt_caller.h"

namespace rtsedge::bench {

// An SRT viewer (m=request): rtsedge's SrtCaller, the MPEG-TS it receives into a TsPublisher.
class SrtPlayer final : public Player, private srt::SrtCaller::Listener, private StreamSource::Listener {
 public:
  explicit SrtPlayer(PlayerContext& context);

  void start() override;
  uint64_t bytesReceived() const override { return bytes_; }

 private:
  void close() override;
  void onCallerConnected() override { meter_.onConnected(); }
  void onCallerReadable() override;
  void onCallerFailed(std::string_view kind, std::string_view detail) override;
  void onPublisherReplaced() override {}  // the meter's stream has no other source

  const PlayUrl& url_;
  mpegts::TsPublisher publisher_;
  srt::SrtCaller caller_;
  uint64_t bytes_ = 0;
};

}  // namespace rtsedge::bench
