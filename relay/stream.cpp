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
      gopCache_(GopCacheLimits{settings.gopCache, settings.gopCacheMaxDuration, settings.gopCacheMaxBytes}),
      rendition_(key_, gopCache_, metrics_) {}

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
  // The next source's audio may differ: the rendition starts again from its configuration.
  rendition_.stop();
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
  if (slot->kind == TrackKind::kVideo) {
    forEachSubscriber([&slot](Subscriber& s) { s.onTrackConfig(slot); });
    return;
  }
  if (slot->codec != routedAudioCodec_) {
    routedAudioCodec_ = slot->codec;
    reroute();
  }
  forEachSubscriber([&slot](Subscriber& s) { s.onTrackConfig(slot); }, AudioRoute::kOriginal);
  if (renditionSubscribers_ > 0) {
    startRendition();  // recreated for the new configuration
  } else {
    rendition_.stop();
  }
}

AudioRoute Stream::routeFor(const Subscriber& subscriber) const {
  if (routedAudioCodec_ == Codec::kUnknown || subscriber.acceptsAudio(routedAudioCodec_)) {
    return AudioRoute::kOriginal;  // not knowing the codec yet, promise nothing else
  }
  Codec other = AudioRendition::counterpart(routedAudioCodec_);
  return other != Codec::kUnknown && subscriber.acceptsAudio(other) ? AudioRoute::kRendition : AudioRoute::kNone;
}

void Stream::reroute() {
  renditionSubscribers_ = 0;
  for (Subscription& s : subscribers_) {
    if (s.subscriber != nullptr) {
      s.route = routeFor(*s.subscriber);
      renditionSubscribers_ += s.route == AudioRoute::kRendition ? 1 : 0;
    }
  }
}

// Starts the rendition for the current audio unless it was started for it already (and
// runs, or failed: the same configuration fails again), and announces its configuration
// to the subscribers on its route.
void Stream::startRendition() {
  if (!audioConfig_ || rendition_.startedFor(*audioConfig_) || !rendition_.start(audioConfig_)) {
    return;
  }
  TrackConfigPtr config = rendition_.config();  // a subscriber leaving may stop the rendition
  forEachSubscriber([&config](Subscriber& s) { s.onTrackConfig(config); }, AudioRoute::kRendition);
}

// After the source's frame went out: the rendition frames it completed go to theirs.
void Stream::transcode(const FramePtr& frame) {
  if (!rendition_.running()) {
    return;
  }
  for (const FramePtr& out : rendition_.push(frame)) {
    forEachSubscriber([&out](Subscriber& s) { s.onFrame(out); }, AudioRoute::kRendition);
  }
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
  rendition_.trimToGopCache();
  if (shared->kind != TrackKind::kAudio) {
    forEachSubscriber([&shared](Subscriber& s) { s.onFrame(shared); });
    return;
  }
  forEachSubscriber([&shared](Subscriber& s) { s.onFrame(shared); }, AudioRoute::kOriginal);
  transcode(shared);
}

void Stream::subscribe(Subscriber& subscriber) {
  AudioRoute route = routeFor(subscriber);
  if (route == AudioRoute::kRendition) {
    // Lazily: a stream no viewer needs transcoded never decodes anything.
    startRendition();
    ++renditionSubscribers_;
  }
  subscribers_.push_back({&subscriber, route});
  if (!metadata_.empty()) {
    subscriber.onMetadata(metadata_);
  }
  if (videoConfig_) {
    subscriber.onTrackConfig(videoConfig_);
  }
  TrackConfigPtr audio = route == AudioRoute::kOriginal    ? audioConfig_
                         : route == AudioRoute::kRendition ? rendition_.config()
                                                           : nullptr;
  if (audio) {
    subscriber.onTrackConfig(audio);
  }
  for (const FramePtr& frame : replayFrames(route)) {
    subscriber.onFrame(frame);
  }
}

// The GOP cache with the route's audio: the source's as cached, or the rendition's merged
// in by dts so FLV and RTMP players see monotonic timestamps. A copy: a subscriber's
// callback may change either cache.
std::vector<FramePtr> Stream::replayFrames(AudioRoute route) const {
  std::vector<FramePtr> out;
  const std::deque<FramePtr>& gop = gopCache_.frames();
  const std::deque<FramePtr>& rendition = rendition_.frames();
  auto next = rendition.begin();
  auto end = route == AudioRoute::kRendition ? rendition.end() : rendition.begin();
  out.reserve(gop.size() + static_cast<size_t>(end - next));
  for (const FramePtr& frame : gop) {
    if (frame->kind == TrackKind::kAudio) {
      if (route == AudioRoute::kOriginal) {
        out.push_back(frame);
      }
      continue;
    }
    for (; next != end && (*next)->dtsUs < frame->dtsUs; ++next) {
      out.push_back(*next);
    }
    out.push_back(frame);
  }
  out.insert(out.end(), next, end);
  return out;
}

void Stream::unsubscribe(Subscriber& subscriber) {
  auto it = std::find_if(subscribers_.begin(), subscribers_.end(),
                         [&subscriber](const Subscription& s) { return s.subscriber == &subscriber; });
  if (it == subscribers_.end()) {
    return;
  }
  it->subscriber = nullptr;
  // The last rendition viewer gone, the transcoder goes too rather than idling with the
  // stream: it costs a few percent of a core for as long as it runs, and a viewer who
  // comes back restarts it with the GOP's audio transcoded, so nothing is lost by it.
  if (it->route == AudioRoute::kRendition && --renditionSubscribers_ == 0) {
    rendition_.stop();
  }
  if (fanOutDepth_ == 0) {
    compactSubscribers();
  }
}

size_t Stream::subscriberCount() const {
  return static_cast<size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                           [](const Subscription& s) { return s.subscriber != nullptr; }));
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
  renditionSubscribers_ = 0;
  rendition_.stop();
  for (const Subscription& s : ended) {
    if (s.subscriber != nullptr) {
      s.subscriber->onStreamEnded();
    }
  }
}

template <class Fn>
void Stream::forEachSubscriber(Fn&& fn, std::optional<AudioRoute> route) {
  ++fanOutDepth_;
  // Index loop: a callback may subscribe (append) or unsubscribe (null a slot).
  for (size_t i = 0; i < subscribers_.size(); ++i) {
    const Subscription& s = subscribers_[i];
    if (s.subscriber != nullptr && (!route || s.route == *route)) {
      fn(*s.subscriber);
    }
  }
  if (--fanOutDepth_ == 0) {
    compactSubscribers();
  }
}

void Stream::compactSubscribers() {
  std::erase_if(subscribers_, [](const Subscription& s) { return s.subscriber == nullptr; });
}

}  // namespace rtsedge
