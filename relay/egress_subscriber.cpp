#include "relay/egress_subscriber.h"

namespace rtsedge {

EgressSubscriber::EgressSubscriber(Stream& stream, EgressQueue& queue, Muxer& muxer, TrackFilter filter,
                                   Listener& listener)
    : stream_(&stream), queue_(queue), muxer_(muxer), filter_(filter), listener_(listener) {
  stream.subscribe(*this);
}

EgressSubscriber::~EgressSubscriber() {
  if (stream_ != nullptr) {
    stream_->unsubscribe(*this);
  }
}

bool EgressSubscriber::wanted(TrackKind kind) const {
  switch (kind) {
    case TrackKind::kVideo: return filter_.video;
    case TrackKind::kAudio: return filter_.audio;
    case TrackKind::kData: break;
  }
  return filter_.data;
}

bool EgressSubscriber::acceptsAudio(Codec codec) const {
  return filter_.audio && muxer_.carriesAudio(codec);
}

void EgressSubscriber::onMetadata(const Bytes& amf0) {
  pendingMetadata_ = amf0;
}

void EgressSubscriber::onTrackConfig(const TrackConfigPtr& config) {
  if (!wanted(config->kind)) {
    return;
  }
  if (config->kind == TrackKind::kVideo) {
    pendingVideoConfig_ = config;
    hasVideo_ = true;
  } else {
    pendingAudioConfig_ = config;
  }
}

void EgressSubscriber::queueHeaders(int64_t dtsUs) {
  if (!pendingMetadata_.empty()) {
    if (Bytes bytes = muxer_.metadata(pendingMetadata_); !bytes.empty()) {
      queue_.pushControl(std::move(bytes));
    }
    pendingMetadata_ = Bytes();
  }
  for (TrackConfigPtr* config : {&pendingVideoConfig_, &pendingAudioConfig_}) {
    if (*config) {
      if (Bytes bytes = muxer_.trackConfig(**config, dtsUs); !bytes.empty()) {
        queue_.pushControl(std::move(bytes));
      }
      config->reset();
    }
  }
}

void EgressSubscriber::onFrame(const FramePtr& frame) {
  if (!wanted(frame->kind)) {
    return;
  }
  Bytes bytes = muxer_.frame(frame);
  if (bytes.empty()) {
    return;  // a codec this format cannot carry (Opus into FLV, say): the other tracks still play
  }
  queueHeaders(frame->dtsUs);
  bool syncPoint = frame->kind == TrackKind::kVideo   ? frame->keyframe
                   : frame->kind == TrackKind::kAudio ? !hasVideo_
                                                      : false;
  switch (queue_.pushFrame(std::move(bytes), FrameMark{syncPoint, frame->arrival, frame->dtsUs, frame->capture})) {
    case EgressQueue::Push::kOverflow: listener_.onEgressOverflow(); return;
    case EgressQueue::Push::kSkipped: listener_.onEgressSkipped(); break;
    case EgressQueue::Push::kQueued:
    case EgressQueue::Push::kDropped: break;
  }
  listener_.onEgressOutput();
}

void EgressSubscriber::onSourceLost() {
  // Nothing is said to the viewer: a returning source continues the same play.
  hasVideo_ = false;
  queue_.attributeGapTo(stream_->lostUpstream() ? StallCause::kUpstreamFailover : StallCause::kIngestGap);
}

void EgressSubscriber::onSourceRestored() {
  queue_.requireSyncPoint();
}

void EgressSubscriber::onStreamEnded() {
  stream_ = nullptr;  // the stream detached us already
  listener_.onEgressStreamEnded();
}

}  // namespace rtsedge
