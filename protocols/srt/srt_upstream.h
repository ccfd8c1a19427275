#pragma once

#include <memory>
#include <optional>

#include "cache/push.h"
#include "cache/upstream_attempt.h"
#include "protocols/mpegts/ts_muxer.h"
#include "protocols/mpegts/ts_publisher.h"
#include "protocols/srt/srt_caller.h"
#include "protocols/srt/srt_sender.h"
#include "relay/egress_subscriber.h"

namespace rtsedge::srt {

// A pull over SRT (m=request), for lossy long-haul links between tiers. The upstream's
// MPEG-TS feeds a TsPublisher, attached to the stream with the first data.
class SrtPull final : public UpstreamAttempt, private SrtCaller::Listener, private StreamSource::Listener {
 public:
  static Result<std::unique_ptr<UpstreamAttempt>> start(SrtUpstreamContext& context, const UpstreamSettings& upstream,
                                                        Stream& stream, const PullTarget& target,
                                                        UpstreamAttempt::Listener& listener);

  std::optional<SteadyTime> lastMedia() const override { return lastMedia_; }
  void stop() override;

 private:
  SrtPull(SrtUpstreamContext& context, Stream& stream, UpstreamAttempt::Listener& listener);
  void onCallerReadable() override;
  void onCallerFailed(std::string_view kind, std::string_view detail) override;
  void onPublisherReplaced() override { caller_.fail("refused", "a publisher took the stream over"); }

  SrtUpstreamContext& context_;
  Stream& stream_;
  UpstreamAttempt::Listener& listener_;
  mpegts::TsPublisher publisher_;
  SrtCaller caller_;
  bool attached_ = false;
  std::optional<SteadyTime> lastMedia_;
};

// A push over SRT (m=publish): the local stream as MPEG-TS, the same packets its SRT
// and HTTP-TS viewers get.
class SrtPush final : public UpstreamPusher, private SrtCaller::Listener, private EgressSubscriber::Listener {
 public:
  static Result<std::unique_ptr<UpstreamPusher>> start(SrtUpstreamContext& context, const UpstreamSettings& upstream,
                                                       Stream& stream, const PullTarget& target,
                                                       UpstreamPusher::Listener& listener);
  void stop() override;

 private:
  SrtPush(SrtUpstreamContext& context, Stream& stream, UpstreamPusher::Listener& listener);
  void onCallerConnected() override;
  void onCallerWritable() override { send(); }
  void onCallerFailed(std::string_view kind, std::string_view detail) override;
  void onEgressOutput() override { send(); }
  void onEgressSkipped() override {}
  void onEgressOverflow() override { caller_.fail("timeout", "the upstream took no media for queue_hard_limit"); }
  void onEgressStreamEnded() override { caller_.fail("closed", "the stream ended"); }
  void send();

  Stream& stream_;
  UpstreamPusher::Listener& listener_;
  SrtCaller caller_;
  EgressQueue queue_;
  SrtSender sender_;
  mpegts::TsMuxer muxer_;
  std::unique_ptr<EgressSubscriber> subscriber_;
  bool stopped_ = false;
};

}  // namespace rtsedge::srt
