#include "protocols/srt/srt_upstream.h"

#include "protocols/srt/srt_receive.h"

namespace rtsedge::srt {

SrtPull::SrtPull(SrtUpstreamContext& context, Stream& stream, UpstreamAttempt::Listener& listener)
    : context_(context),
      stream_(stream),
      listener_(listener),
      publisher_(context.clock, context.framesReceived, static_cast<StreamSource::Listener&>(*this)),
      caller_(context, static_cast<SrtCaller::Listener&>(*this)) {
  publisher_.markUpstream();
}

Result<std::unique_ptr<UpstreamAttempt>> SrtPull::start(SrtUpstreamContext& context, const UpstreamSettings& upstream,
                                                        Stream& stream, const PullTarget& target,
                                                        UpstreamAttempt::Listener& listener) {
  std::unique_ptr<SrtPull> self(new SrtPull(context, stream, listener));
  if (Status connecting = self->caller_.connect(upstream, callerStreamId(target.app, target.name, target.query, false));
      !connecting) {
    return connecting.error();
  }
  return std::unique_ptr<UpstreamAttempt>(std::move(self));
}

void SrtPull::stop() {
  caller_.close();
  publisher_.finish();
  publisher_.detach();
}

void SrtPull::onCallerFailed(std::string_view kind, std::string_view detail) {
  stop();
  listener_.onAttemptFailed(kind, detail);
}

void SrtPull::onCallerReadable() {
  Received end = receiveMessages(caller_.socket(), [this](std::span<const uint8_t> message) {
    if (!attached_) {
      if (Status attached = publisher_.attachTo(stream_); !attached) {
        caller_.fail("refused", attached.error().message());
        return false;
      }
      attached_ = true;
    }
    uint64_t before = publisher_.stats().framesPublished;
    publisher_.feed(message);
    if (publisher_.stats().framesPublished != before) {
      bool first = !lastMedia_;
      lastMedia_ = context_.clock.now();
      if (first) {
        listener_.onAttemptPlaying();
      }
    }
    return caller_.socket() != SRT_INVALID_SOCK;
  });
  if (end == Received::kFailed) {
    caller_.fail("closed", srt_getlasterror_str());
  }
}

SrtPush::SrtPush(SrtUpstreamContext& context, Stream& stream, UpstreamPusher::Listener& listener)
    : stream_(stream),
      listener_(listener),
      caller_(context, static_cast<SrtCaller::Listener&>(*this)),
      queue_(EgressQueueLimits{context.viewers.queueSoftLimit, context.viewers.queueHardLimit}, context.clock),
      sender_(queue_, context.settings.payloadSize),
      muxer_(stream) {}

Result<std::unique_ptr<UpstreamPusher>> SrtPush::start(SrtUpstreamContext& context, const UpstreamSettings& upstream,
                                                       Stream& stream, const PullTarget& target,
                                                       UpstreamPusher::Listener& listener) {
  std::unique_ptr<SrtPush> self(new SrtPush(context, stream, listener));
  if (Status connecting = self->caller_.connect(upstream, callerStreamId(target.app, target.name, target.query, true));
      !connecting) {
    return connecting.error();
  }
  return std::unique_ptr<UpstreamPusher>(std::move(self));
}

void SrtPush::onCallerConnected() {
  // An SRT publish has no answer to wait for: connected is started.
  subscriber_ = std::make_unique<EgressSubscriber>(stream_, queue_, muxer_, TrackFilter{},
                                                   static_cast<EgressSubscriber::Listener&>(*this));
  listener_.onPushStarted();
  send();
}

void SrtPush::send() {
  if (!stopped_ && caller_.socket() != SRT_INVALID_SOCK && !sender_.send(caller_.socket())) {
    caller_.fail("closed", srt_getlasterror_str());
  }
}

void SrtPush::stop() {
  // The subscriber goes with the push (deferred deletion): stop() may run inside one of its callbacks.
  stopped_ = true;
  caller_.close();
}

void SrtPush::onCallerFailed(std::string_view kind, std::string_view detail) {
  stopped_ = true;
  listener_.onPushFailed(kind, detail);
}

}  // namespace rtsedge::srt
