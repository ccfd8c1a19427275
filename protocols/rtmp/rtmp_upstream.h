#pragma once

#include <memory>
#include <optional>

#include "cache/push.h"
#include "cache/upstream_attempt.h"
#include "metrics/registry.h"
#include "protocols/rtmp/rtmp_client.h"
#include "protocols/rtmp/rtmp_mux.h"
#include "protocols/rtmp/rtmp_publisher.h"
#include "relay/config.h"
#include "relay/egress_subscriber.h"

namespace rtsedge::rtmp {

// What RTMP pulls and pushes of a loop share.
struct RtmpUpstreamContext {
  uv::Loop& loop;
  const Clock& clock;
  const RtmpSettings& rtmp;
  const TierSettings& tier;
  const ViewerSettings& viewers;
  metrics::Counter& framesReceived;
};

// A pull over RTMP (play): works against any origin (rtsedge, nginx-rtmp, SRS). The
// upstream's messages feed an RtmpPublisher, attached to the stream with the first media.
class RtmpPull final : public UpstreamAttempt, private RtmpClient::Listener, private StreamSource::Listener {
 public:
  static Result<std::unique_ptr<UpstreamAttempt>> start(RtmpUpstreamContext& context, const UpstreamSettings& upstream,
                                                        Stream& stream, const PullTarget& target,
                                                        UpstreamAttempt::Listener& listener);

  std::optional<SteadyTime> lastMedia() const override { return lastMedia_; }
  void stop() override;

 private:
  RtmpPull(RtmpUpstreamContext& context, Stream& stream, UpstreamAttempt::Listener& listener, ClientOptions options);
  void onClientStarted() override {}
  void onClientMedia(const Message& message) override;
  void onClientData(const Message& message, const std::vector<amf0::Value>& values) override;
  void onClientFailed(ClientFailure failure, std::string_view detail) override;
  void onPublisherReplaced() override;
  bool attach();
  void fail(std::string_view kind, std::string_view detail);

  RtmpUpstreamContext& context_;
  Stream& stream_;
  UpstreamAttempt::Listener& listener_;
  RtmpPublisher publisher_;
  RtmpClient client_;
  bool attached_ = false;
  bool stopped_ = false;
  std::optional<SteadyTime> lastMedia_;
};

// A push over RTMP (publish): the local stream, as RTMP viewers get it, published on
// the upstream. Frames are chunked once and shared with the node's RTMP viewers.
class RtmpPush final : public UpstreamPusher, private RtmpClient::Listener, private EgressSubscriber::Listener {
 public:
  static Result<std::unique_ptr<UpstreamPusher>> start(RtmpUpstreamContext& context, const UpstreamSettings& upstream,
                                                       Stream& stream, const PullTarget& target,
                                                       UpstreamPusher::Listener& listener);
  void stop() override;

 private:
  RtmpPush(RtmpUpstreamContext& context, Stream& stream, UpstreamPusher::Listener& listener, ClientOptions options);
  void onClientStarted() override;
  void onClientMedia(const Message&) override {}
  void onClientData(const Message&, const std::vector<amf0::Value>&) override {}
  void onClientFailed(ClientFailure failure, std::string_view detail) override;
  void onEgressOutput() override { client_.flush(); }
  void onEgressSkipped() override {}
  void onEgressOverflow() override { fail("timeout", "the upstream took no media for queue_hard_limit"); }
  void onEgressStreamEnded() override { fail("closed", "the stream ended"); }
  void fail(std::string_view kind, std::string_view detail);

  Stream& stream_;
  UpstreamPusher::Listener& listener_;
  RtmpClient client_;
  RtmpMuxer muxer_;
  std::unique_ptr<EgressSubscriber> subscriber_;
  bool stopped_ = false;
};

}  // namespace rtsedge::rtmp
