#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/gop_cache.h"
#include "relay/audio_rendition.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/media_frame.h"
#include "relay/status.h"
#include "relay/stream_metrics.h"
#include "relay/stream_stats.h"
#include "relay/subscriber.h"

namespace rtsedge {

// What an egress format keeps per stream and shares across that stream's viewers
// (the MPEG-TS continuity counters and program). Loop-confined like the stream.
class EgressState {
 public:
  virtual ~EgressState() = default;
};

// One live stream `app/name`: at most one source, the latest configurations and
// metadata, the GOP cache and the subscribers. Loop-confined: every call comes from
// the loop the stream lives on.
//
// Audio routing: each subscriber gets the source's audio when it accepts that codec
// (Subscriber::acceptsAudio), else the stream's AudioRendition in the other codec (AAC
// <-> Opus) when it accepts that, else no audio. The route is decided when it subscribes
// and again only when the source's audio codec changes (a first configuration after it
// subscribed, a new source). Video, metadata and data go to every subscriber.
class Stream {
 public:
  // metrics may be null (tests).
  Stream(std::string key, const StreamSettings& settings, const Clock& clock, StreamMetrics* metrics = nullptr);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const std::string& key() const { return key_; }

  // Source side. With a source attached already the new one is refused, or
  // replaces it when the settings say so (the old one is told onSourceReplaced()).
  Status attachSource(Source& source);
  void detachSource(Source& source);
  bool hasSource() const { return source_ != nullptr; }
  // A viewer can start now: the source sent a frame to decode from (a keyframe, or
  // audio in a stream without video), so its configurations are all in.
  bool playable() const { return source_ != nullptr && startable_; }
  // The source lost last was an upstream pull (its loss is a failover, not an ingest gap).
  bool lostUpstream() const { return lostUpstream_; }
  void publishMetadata(Bytes amf0);
  void publishConfig(TrackConfigPtr config);
  // Moves the frame onto the stream's timeline (monotonic across sources), caches
  // it and fans it out. The frame is immutable from here on.
  void publishFrame(std::shared_ptr<MediaFrame> frame);

  // Subscriber side. A subscriber gets metadata, configurations and the cached GOP at
  // once; on the rendition route its audio is the rendition's, interleaved by dts.
  void subscribe(Subscriber& subscriber);
  void unsubscribe(Subscriber& subscriber);
  size_t subscriberCount() const;

  // Ends the stream for its subscribers once no source came within the grace period.
  void tick();
  // Ends it for its subscribers now: no source is coming (a pull found nothing upstream).
  void end();
  // Passes a viewer's keyframe request to the source, if any.
  void requestKeyframe() {
    if (source_ != nullptr) {
      source_->requestKeyframe();
    }
  }
  // No source, no subscriber and no pin: the hub may retire it.
  bool idle() const { return source_ == nullptr && subscriberCount() == 0 && pins_ == 0; }
  // Keeps a stream without source or subscribers alive (a pull still connecting).
  void pin() { ++pins_; }
  void unpin() { --pins_; }

  const GopCache& gopCache() const { return gopCache_; }
  const TrackConfigPtr& videoConfig() const { return videoConfig_; }
  const TrackConfigPtr& audioConfig() const { return audioConfig_; }
  StreamStats& stats() { return stats_; }
  // Runs only while a subscriber is on its route and the source's audio is known.
  const AudioRendition& audioRendition() const { return rendition_; }
  // Empty until the format's first viewer makes it; lives as long as the stream.
  std::unique_ptr<EgressState>& egressState(EgressFormat format) { return egressStates_[static_cast<size_t>(format)]; }

 private:
  struct Subscription {
    Subscriber* subscriber;  // null: unsubscribed during a fan-out, removed after it
    AudioRoute route;
  };

  void rebase(MediaFrame& frame);
  void detectIngestGap(const MediaFrame& frame);
  AudioRoute routeFor(const Subscriber& subscriber) const;
  void reroute();
  void startRendition();
  void transcode(const FramePtr& frame);
  std::vector<FramePtr> replayFrames(AudioRoute route) const;
  // Every subscriber, or those on `route` only.
  template <class Fn>
  void forEachSubscriber(Fn&& fn, std::optional<AudioRoute> route = std::nullopt);
  void compactSubscribers();

  std::string key_;
  const StreamSettings& settings_;
  const Clock& clock_;
  StreamMetrics* metrics_;
  Source* source_ = nullptr;
  bool lostUpstream_ = false;
  int pins_ = 0;
  std::optional<std::pair<SteadyTime, int64_t>> lastArrival_;  // arrival and dts of the last frame
  std::optional<SteadyTime> sourceAbsentSince_;

  Bytes metadata_;
  TrackConfigPtr videoConfig_;
  TrackConfigPtr audioConfig_;
  GopCache gopCache_;
  AudioRendition rendition_;
  // The audio codec the routes were decided for: the latest source's, kept while no
  // source is there (the next one most likely sends the same).
  Codec routedAudioCodec_ = Codec::kUnknown;
  size_t renditionSubscribers_ = 0;
  StreamStats stats_;

  // Timeline: source timestamps + offset_, re-based when a source starts or jumps.
  bool timelineStarted_ = false;
  bool offsetKnown_ = false;
  int64_t offsetUs_ = 0;
  int64_t lastDtsUs_ = 0;
  bool awaitingKeyframe_ = true;
  bool startable_ = false;  // since the source attached
  std::optional<int64_t> audioOnlySinceUs_;
  static constexpr int64_t kAudioOnlyStartUs = 1'000'000;

  std::array<std::unique_ptr<EgressState>, static_cast<size_t>(EgressFormat::kCount)> egressStates_;
  std::vector<Subscription> subscribers_;
  int fanOutDepth_ = 0;
};

}  // namespace rtsedge
