#include "protocols/rtmp/rtmp_upstream.h"

namespace rtsedge::rtmp {

namespace {

ClientOptions clientOptions(const RtmpUpstreamContext& context, const UpstreamSettings& upstream,
                            const PullTarget& target, ClientMode mode) {
  ClientOptions options;
  options.host = upstream.address.host;
  options.port = upstream.address.port;
  options.app = target.app;
  options.streamName = target.query.empty() ? target.name : target.name + "?" + target.query;
  options.mode = mode;
  options.connectTimeout = context.tier.connectTimeout;
  options.handshakeTimeout = context.tier.handshakeTimeout;
  options.chunkSize = context.rtmp.chunkSize;
  options.maxMessageSize = context.rtmp.maxMessageSize;
  options.queueLimits = EgressQueueLimits{context.viewers.queueSoftLimit, context.viewers.queueHardLimit};
  return options;
}

}  // namespace

RtmpPull::RtmpPull(RtmpUpstreamContext& context, Stream& stream, UpstreamAttempt::Listener& listener,
                   ClientOptions options)
    : context_(context),
      stream_(stream),
      listener_(listener),
      publisher_(context.clock, context.framesReceived, static_cast<StreamSource::Listener&>(*this)),
      client_(context.loop, context.clock, std::move(options), static_cast<RtmpClient::Listener&>(*this)) {
  publisher_.markUpstream();
}

Result<std::unique_ptr<UpstreamAttempt>> RtmpPull::start(RtmpUpstreamContext& context, const UpstreamSettings& upstream,
                                                         Stream& stream, const PullTarget& target,
                                                         UpstreamAttempt::Listener& listener) {
  std::unique_ptr<RtmpPull> self(
      new RtmpPull(context, stream, listener, clientOptions(context, upstream, target, ClientMode::kPlay)));
  if (Status started = self->client_.start(); !started) {
    return started.error();
  }
  return std::unique_ptr<UpstreamAttempt>(std::move(self));
}

void RtmpPull::stop() {
  stopped_ = true;
  client_.close();
  publisher_.detach();
}

void RtmpPull::fail(std::string_view kind, std::string_view detail) {
  if (stopped_) {
    return;
  }
  stop();
  listener_.onAttemptFailed(kind, detail);
}

bool RtmpPull::attach() {
  if (!attached_) {
    if (Status attached = publisher_.attachTo(stream_); !attached) {
      fail("refused", attached.error().message());
      return false;
    }
    attached_ = true;
  }
  return true;
}

void RtmpPull::onClientMedia(const Message& message) {
  if (stopped_ || !attach()) {
    return;
  }
  if (Status status = publisher_.onMedia(message); !status) {
    fail("protocol", status.error().message());
    return;
  }
  bool first = !lastMedia_;
  lastMedia_ = context_.clock.now();
  if (first) {
    listener_.onAttemptPlaying();
  }
}

void RtmpPull::onClientData(const Message& message, const std::vector<amf0::Value>& values) {
  if (stopped_ || !attach()) {
    return;
  }
  if (Status status = publisher_.onData(message, values); !status) {
    fail("protocol", status.error().message());
  }
}

void RtmpPull::onClientFailed(ClientFailure failure, std::string_view detail) {
  fail(clientFailureName(failure), detail);
}

void RtmpPull::onPublisherReplaced() {
  fail("refused", "a publisher took the stream over");
}

RtmpPush::RtmpPush(RtmpUpstreamContext& context, Stream& stream, UpstreamPusher::Listener& listener,
                   ClientOptions options)
    : stream_(stream),
      listener_(listener),
      client_(context.loop, context.clock, options, static_cast<RtmpClient::Listener&>(*this)),
      muxer_(options.chunkSize) {}

Result<std::unique_ptr<UpstreamPusher>> RtmpPush::start(RtmpUpstreamContext& context, const UpstreamSettings& upstream,
                                                        Stream& stream, const PullTarget& target,
                                                        UpstreamPusher::Listener& listener) {
  std::unique_ptr<RtmpPush> self(
      new RtmpPush(context, stream, listener, clientOptions(context, upstream, target, ClientMode::kPublish)));
  if (Status started = self->client_.start(); !started) {
    return started.error();
  }
  return std::unique_ptr<UpstreamPusher>(std::move(self));
}

void RtmpPush::onClientStarted() {
  // Configurations, metadata and the cached GOP first, then live frames: the upstream's
  // viewers start at a keyframe at once.
  subscriber_ = std::make_unique<EgressSubscriber>(stream_, client_.queue(), muxer_, TrackFilter{},
                                                   static_cast<EgressSubscriber::Listener&>(*this));
  listener_.onPushStarted();
  client_.flush();
}

void RtmpPush::stop() {
  // The subscriber goes with the push (deferred deletion): stop() may run inside one
  // of its callbacks. Until then what it queues is never written.
  stopped_ = true;
  client_.close();
}

void RtmpPush::fail(std::string_view kind, std::string_view detail) {
  if (stopped_) {
    return;
  }
  stop();
  listener_.onPushFailed(kind, detail);
}

void RtmpPush::onClientFailed(ClientFailure failure, std::string_view detail) {
  fail(clientFailureName(failure), detail);
}

}  // namespace rtsedge::rtmp
