#pragma once

#include "bench/rtsbench/player.h"
#include "protocols/rtmp/rtmp_client.h"
#include "protocols/rtmp/rtmp_publisher.h"

namespace rtsedge::bench {

// An RTMP viewer: rtsedge's RtmpClient in play mode, its media into an RtmpPublisher.
class RtmpPlayer final : public Player, private rtmp::RtmpClient::Listener, private StreamSource::Listener {
 public:
  explicit RtmpPlayer(PlayerContext& context);

  void start() override;
  uint64_t bytesReceived() const override { return client_.bytesReceived(); }

 private:
  void close() override;
  void onClientStarted() override { meter_.onConnected(); }
  void onClientMedia(const rtmp::Message& message) override;
  // Metadata and data frames say nothing about delivery.
  void onClientData(const rtmp::Message&, const std::vector<amf0::Value>&) override {}
  void onClientFailed(rtmp::ClientFailure failure, std::string_view detail) override;
  void onPublisherReplaced() override {}  // the meter's stream has no other source

  rtmp::RtmpPublisher publisher_;
  rtmp::RtmpClient client_;
};

}  // namespace rtsedge::bench
