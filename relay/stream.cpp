#include "relay/stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace rtsedge {

namespace {
// A new source continues one frame interval after the previous one ended.
constexpr int64_t kResumeGapUs = 40'000;
// A source whose clock jumps further than this is re-based instead of making
// players wait (forward) or drop (backward).
constexpr int64_t kMaxBackwardJumpUs = 1'000'000;
constexpr int64_t kMaxForwardJumpUs = 10'000'000;
}  // namespace

Stream::Stream(std::string key, const StreamSettings& settings, const Clock& clock, StreamMetrics* metrics)
    : key_(std::move(key)),
      settings_(settings),
      clock_(clock),
      metrics_(metrics),
      sourceAbsentSince_(clock.now()),
      gopCache_(GopCacheLimits{settings.gopCache, settings.gopCacheMaxDuration, settings.gopCacheMaxBytes}) {}

Stream::~Stream() = default;

Status Stream::attachSource(Source& source) {
  if (source_ == &source) {
    return Status::ok();
  }
  if (source_ != nullptr) {
    if (settings_.onDuplicatePublish == DuplicatePublish::kReject) {
      return Error("stream " + key_ + " is already being published");
    }
    Source* old = source_;
    detachSource(*old);
    old->onSourceReplaced();
  }
  bool restoring = !subscribers_.empty();
  source_ = &source;
  startable_ = false;
  audioOnlySinceUs_.reset();
  sourceAbsentSince_.reset();
  offsetKnown_ = false;
  awaitingKeyframe_ = true;
  if (restoring) {
    forEachSubscriber([](Subscriber& s) { s.onSourceRestored(); });
  }
  return Status::ok();
}

void Stream::detachSource(Source& source) {
  if (source_ != &source) {
    return;
  }
  source_ = nullptr;
  lostUpstream_ = source.upstream();
  sourceAbsentSince_ = clock_.now();
  lastArrival_.reset();
  // What the next source sends replaces all of it; stale state must not reach new viewers.
  metadata_ = Bytes();
  videoConfig_.reset();
  audioConfig_.reset();
  gopCache_.clear();
  forEachSubscriber([](Subscriber& s) { s.onSourceLost(); });
}

void Stream::publishMetadata(Bytes amf0) {
  if (amf0 == metadata_) {
    return;
  }
  metadata_ = std::move(amf0);
  forEachSubscriber([this](Subscriber& s) { s.onMetadata(metadata_); });
}

void Stream::publishConfig(TrackConfigPtr config) {
  TrackConfigPtr& slot = config->kind == TrackKind::kVideo ? videoConfig_ : audioConfig_;
  if (slot && *slot == *config) {
    return;
  }
  slot = std::move(config);
  forEachSubscriber([&slot](Subscriber& s) { s.onTrackConfig(slot); });
}

void Stream::rebase(MediaFrame& frame) {
  if (!offsetKnown_) {
    offsetUs_ = timelineStarted_ ? lastDtsUs_ + kResumeGapUs - frame.dtsUs : 0;
    offsetKnown_ = true;
  }
  int64_t dts = frame.dtsUs + offsetUs_;
  if (timelineStarted_ && (dts < lastDtsUs_ - kMaxBackwardJumpUs || dts > lastDtsUs_ + kMaxForwardJumpUs)) {
    spdlog::info("stream {}: source clock jumped by {} ms, re-based", key_, (dts - lastDtsUs_) / 1000);
    offsetUs_ += lastDtsUs_ + kResumeGapUs - dts;
    dts = lastDtsUs_ + kResumeGapUs;
  }
  frame.ptsUs += dts - frame.dtsUs;
  frame.dtsUs = dts;
  lastDtsUs_ = std::max(lastDtsUs_, dts);
  timelineStarted_ = true;
}

// A source that pauses shows as frames arriving later than their timestamps say.
// Gaps under kMinIngestGapUs are ordinary jitter and not recorded.
void Stream::detectIngestGap(const MediaFrame& frame) {
  constexpr int64_t kMinIngestGapUs = 100'000;
  if (lastArrival_ && metrics_ != nullptr) {
    auto [lastArrival, lastDtsUs] = *lastArrival_;
    int64_t lateUs = std::chrono::duration_cast<Micros>(frame.arrival - lastArrival).count() -
                     std::max<int64_t>(0, frame.dtsUs - lastDtsUs);
    if (lateUs > kMinIngestGapUs) {
      metrics_->ingestGap.observe(static_cast<double>(lateUs) / 1e6);
    }
  }
  lastArrival_.emplace(frame.arrival, frame.dtsUs);
}

void Stream::publishFrame(std::shared_ptr<MediaFrame> frame) {
  if (frame->kind == TrackKind::kVideo && awaitingKeyframe_) {
    if (!frame->keyframe) {
      if (metrics_ != nullptr) {
        metrics_->framesDropped.labels({"awaiting_keyframe"}).inc();
      }
      return;  // viewers resume at a keyframe
    }
    awaitingKeyframe_ = false;
  }
  if (!startable_) {
    // Audio alone makes a stream playable only once a second of it came without any
    // video: an MPEG-TS source sends audio before its first keyframe, and a viewer
    // started on that would be told the stream has no video.
    if (frame->kind == TrackKind::kAudio && !audioOnlySinceUs_) {
      audioOnlySinceUs_ = frame->dtsUs;
    }
    startable_ = frame->kind == TrackKind::kVideo || (frame->kind == TrackKind::kAudio && !videoConfig_ &&
                                                      frame->dtsUs - *audioOnlySinceUs_ >= kAudioOnlyStartUs);
  }
  rebase(*frame);
  detectIngestGap(*frame);
  stats_.onFrame(*frame, frame->arrival);
  FramePtr shared = std::move(frame);
  gopCache_.add(shared);
  forEachSubscriber([&shared](Subscriber& s) { s.onFrame(shared); });
}

void Stream::subscribe(Subscriber& subscriber) {
  subscribers_.push_back(&subscriber);
  if (!metadata_.empty()) {
    subscriber.onMetadata(metadata_);
  }
  for (const TrackConfigPtr* config : {&videoConfig_, &audioConfig_}) {
    if (*config) {
      subscriber.onTrackConfig(*config);
    }
  }
  for (const FramePtr& frame : gopCache_.frames()) {
    subscriber.onFrame(frame);
  }
}

void Stream::unsubscribe(Subscriber& subscriber) {
  auto it = std::find(subscribers_.begin(), subscribers_.end(), &subscriber);
  if (it == subscribers_.end()) {
    return;
  }
  *it = nullptr;
  if (fanOutDepth_ == 0) {
    compactSubscribers();
  }
}

size_t Stream::subscriberCount() const {
  return static_cast<size_t>(
      std::count_if(subscribers_.begin(), subscribers_.end(), [](const Subscriber* s) { return s != nullptr; }));
}

void Stream::tick() {
  if (source_ != nullptr || !sourceAbsentSince_ || subscribers_.empty()) {
    return;
  }
  if (clock_.now() - *sourceAbsentSince_ < settings_.sourceGrace) {
    return;
  }
  end();
}

void Stream::end() {
  auto ended = std::move(subscribers_);
  subscribers_.clear();
  for (Subscriber* subscriber : ended) {
    if (subscriber != nullptr) {
      subscriber->onStreamEnded();
    }
  }
}

template <class Fn>
void Stream::forEachSubscriber(Fn&& fn) {
  ++fanOutDepth_;
  // Index loop: a callback may subscribe (append) or unsubscribe (null a slot).
  for (size_t i = 0; i < subscribers_.size(); ++i) {
    if (Subscriber* subscriber = subscribers_[i]) {
      fn(*subscriber);
    }
  }
  if (--fanOutDepth_ == 0) {
    compactSubscribers();
  }
}

void Stream::compactSubscribers() {
  std::erase(subscribers_, nullptr);
}

}  // namespace rtsedge
