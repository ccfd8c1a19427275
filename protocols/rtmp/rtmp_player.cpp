#include "protocols/rtmp/rtmp_player.h"

#include "protocols/flv/flv_tag.h"
#include "protocols/rtmp/rtmp_mux.h"

namespace rtsedge::rtmp {

RtmpPlayer::RtmpPlayer(Stream& stream, EgressQueue& queue, uint32_t chunkSize, Listener& listener)
    : stream_(&stream), queue_(queue), chunkSize_(chunkSize), listener_(listener) {
  stream.subscribe(*this);
}

RtmpPlayer::~RtmpPlayer() {
  if (stream_ != nullptr) {
    stream_->unsubscribe(*this);
  }
}

void RtmpPlayer::onMetadata(const Bytes& amf0) { pendingMetadata_ = amf0; }

void RtmpPlayer::onTrackConfig(const TrackConfigPtr& config) {
  if (config->kind == TrackKind::kVideo) {
    pendingVideoConfig_ = config;
    hasVideo_ = true;
  } else {
    pendingAudioConfig_ = config;
  }
}

void RtmpPlayer::queueHeaders(uint32_t timestamp) {
  if (!pendingMetadata_.empty()) {
    // At timestamp 0: ffmpeg's FLV demuxer takes onMetaData at any other time for
    // a subtitle track.
    queue_.pushControl(muxMetadata(pendingMetadata_, 0, chunkSize_));
    pendingMetadata_ = Bytes();
  }
  for (TrackConfigPtr* config : {&pendingVideoConfig_, &pendingAudioConfig_}) {
    if (*config) {
      Bytes message = muxTrackConfig(**config, timestamp, chunkSize_);
      if (!message.empty()) {
        queue_.pushControl(std::move(message));
      }
      config->reset();
    }
  }
}

void RtmpPlayer::onFrame(const FramePtr& frame) {
  if (frame->kind != TrackKind::kData && !flv::isFlvMediaCodec(frame->codec)) {
    return;  // a codec RTMP cannot carry (Opus from WebRTC, say): the other tracks still play
  }
  queueHeaders(rtmpTimestamp(frame->dtsUs));
  uint32_t chunkSize = chunkSize_;
  Bytes chunks = frame->serialized(EgressFormat::kRtmp,
                                   [chunkSize](const MediaFrame& f) { return muxFrame(f, chunkSize); });
  bool syncPoint = frame->kind == TrackKind::kVideo ? frame->keyframe
                   : frame->kind == TrackKind::kAudio ? !hasVideo_
                                                      : false;
  switch (queue_.pushFrame(std::move(chunks), syncPoint)) {
    case EgressQueue::Push::kOverflow:
      listener_.onPlayerOverflow();
      return;
    case EgressQueue::Push::kSkipped:
      listener_.onPlayerSkipped();
      break;
    case EgressQueue::Push::kQueued:
    case EgressQueue::Push::kDropped:
      break;
  }
  listener_.onPlayerOutput();
}

void RtmpPlayer::onSourceLost() {
  // Nothing is said to the player: a returning source continues the same play.
  // (NetStream.Play.UnpublishNotify would make ffmpeg and others stop reading.)
  hasVideo_ = false;
}

void RtmpPlayer::onSourceRestored() { queue_.requireSyncPoint(); }

void RtmpPlayer::onStreamEnded() {
  stream_ = nullptr;  // the stream detached us already
  listener_.onPlayerStreamEnded();
}

}  // namespace rtsedge::rtmp
