#pragma once

#include <srt/srt.h>

#include <memory>
#include <optional>
#include <string>

#include "cache/upstream_attempt.h"
#include "metrics/registry.h"
#include "protocols/mpegts/ts_publisher.h"
#include "protocols/srt/srt_poller.h"
#include "relay/config.h"
#include "relay/uv/timer.h"

namespace rtsedge::srt {

// What SRT pulls of a loop share.
struct SrtPullContext {
  uv::Loop& loop;
  const Clock& clock;
  SrtPoller& poller;
  const SrtSettings& settings;  // latency, passphrase, payload size: the node's, unless the URL says otherwise
  const TierSettings& tier;
  metrics::Counter& framesReceived;
};

// A pull over SRT (caller, m=request): for lossy long-haul links between tiers. The
// upstream's MPEG-TS feeds a TsPublisher, attached to the stream with its first data.
class SrtPull final : public UpstreamAttempt, private SrtPoller::Handler, private StreamSource::Listener {
 public:
  static Result<std::unique_ptr<UpstreamAttempt>> start(SrtPullContext& context, const UpstreamSettings& upstream,
                                                        Stream& stream, const PullTarget& target,
                                                        UpstreamAttempt::Listener& listener);
  ~SrtPull() override;

  std::optional<SteadyTime> lastMedia() const override { return lastMedia_; }
  void stop() override;

 private:
  SrtPull(SrtPullContext& context, Stream& stream, UpstreamAttempt::Listener& listener, std::string url);
  void onSrtEvents(int events) override;
  void onPublisherReplaced() override { fail("refused", "a publisher took the stream over"); }
  void receive();
  void fail(std::string_view kind, std::string_view detail);

  SrtPullContext& context_;
  Stream& stream_;
  UpstreamAttempt::Listener& listener_;
  std::string url_;
  SRTSOCKET socket_ = SRT_INVALID_SOCK;
  bool connected_ = false;
  bool stopped_ = false;
  uv::Timer connectTimer_;
  mpegts::TsPublisher publisher_;
  bool attached_ = false;
  std::optional<SteadyTime> lastMedia_;
};

// The stream id an SRT pull asks for: "#!::r=app/name?query,m=request".
std::string pullStreamId(const PullTarget& target);

}  // namespace rtsedge::srt
