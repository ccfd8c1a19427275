#pragma once

#include <memory>
#include <span>
#include <vector>

#include "bench/rtsbench/flv_stream_reader.h"
#include "bench/rtsbench/http_response_reader.h"
#include "bench/rtsbench/player.h"
#include "protocols/rtmp/rtmp_publisher.h"
#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"

namespace rtsedge::bench {

// An HTTP-FLV viewer: one GET, the response de-chunked and read as FLV tags, which are
// the RTMP messages an RtmpPublisher takes.
class HttpFlvPlayer final : public Player, private uv::TcpConnection::Listener, private StreamSource::Listener {
 public:
  explicit HttpFlvPlayer(PlayerContext& context);

  void start() override;
  uint64_t bytesReceived() const override { return bytes_; }

 private:
  void close() override;
  void onTcpConnected(Result<std::unique_ptr<uv::TcpConnection>> connection);
  void onTcpData(std::span<const uint8_t> data) override;
  void onTcpWriteDone() override {}
  void onTcpClosed(std::string_view reason) override;
  // The body bytes through the FLV reader into the publisher; false once failed.
  bool readBody();
  void onPublisherReplaced() override {}  // the meter's stream has no other source

  uv::Loop& loop_;
  const PlayUrl& url_;
  rtmp::RtmpPublisher publisher_;
  std::unique_ptr<uv::TcpConnector> connector_;
  std::unique_ptr<uv::TcpConnection> connection_;
  uv::Timer timeout_;
  HttpResponseReader response_;
  FlvStreamReader flv_;
  std::vector<std::span<const uint8_t>> body_;  // reused between reads
  std::vector<rtmp::Message> tags_;             // reused between reads
  uint64_t bytes_ = 0;
};

}  // namespace rtsedge::bench
