#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/gop_cache.h"
#include "relay/media_frame.h"
#include "relay/stream_metrics.h"

namespace rtsedge {

namespace codec {
class AudioTranscoder;
}

// Which audio one viewer of a stream gets: the source's own, the stream's rendition in
// the other codec, or none (it plays neither).
enum class AudioRoute : uint8_t { kOriginal, kRendition, kNone };

// A stream's audio in the other codec, for the viewers that cannot play the source's:
// browsers take only Opus, RTMP and HTTP-FLV players only AAC. One transcoder per stream,
// never per viewer; its frames are shared and muxed once like any other frame.
//
// The Stream decides when it runs and who gets its frames; this class owns the
// transcoder and the rendition's own cache: the frames it produced since the GOP cache's
// first frame, so a viewer joining mid-GOP gets audio for the cached GOP too (instant
// start). That cache is trimmed to the GOP cache after every change of it, so it is
// empty when the GOP cache is and bounded by the GOP cache's limits.
//
// A transcoder that fails (to start, or to encode) is logged at warn once per stream and
// counted; the rendition then has no audio until the next start() (a new configuration
// or source). Loop-confined like its stream.
class AudioRendition {
 public:
  // The codec of the rendition of `original`: Opus for AAC, AAC for Opus, kUnknown for
  // any other (no rendition).
  static Codec counterpart(Codec original);

  // metrics may be null (tests).
  AudioRendition(std::string streamKey, const GopCache& gopCache, StreamMetrics* metrics);
  ~AudioRendition();
  AudioRendition(const AudioRendition&) = delete;
  AudioRendition& operator=(const AudioRendition&) = delete;

  // (Re)creates the transcoder for the source's audio `original` and transcodes the audio
  // of the GOP cache into the rendition's cache. False when it failed (logged, counted).
  bool start(const TrackConfigPtr& original);
  // Destroys the transcoder and the cache; what the transcoder buffered is dropped.
  void stop();
  bool running() const { return transcoder_ != nullptr; }
  // start() was called for this configuration, whether it still runs or failed since:
  // starting again would give the same result.
  bool startedFor(const TrackConfig& original) const { return input_ != nullptr && *input_ == original; }

  // Transcodes one audio frame of the source (already on the stream's timeline) and
  // returns the rendition frames it completed, cached too. Nothing when not running or
  // when the frame is of another configuration than the one started for.
  std::vector<FramePtr> push(const FramePtr& frame);
  // Drops cached frames older than the GOP cache's first frame, all of them when the GOP
  // cache is empty. The stream calls it after every frame it adds to its GOP cache.
  void trimToGopCache();

  // The rendition's track configuration; null unless running.
  const TrackConfigPtr& config() const { return config_; }
  // The cached rendition frames, in dts order.
  const std::deque<FramePtr>& frames() const { return cache_; }

 private:
  bool transcodes(const MediaFrame& frame) const;
  bool transcodeInto(const MediaFrame& frame, std::vector<FramePtr>& out);
  void setTranscoder(std::unique_ptr<codec::AudioTranscoder> transcoder);
  void fail(std::string_view what, const std::string& reason);

  std::string streamKey_;
  const GopCache& gopCache_;
  StreamMetrics* metrics_;
  TrackConfigPtr input_;  // the source configuration start() was last called for
  std::unique_ptr<codec::AudioTranscoder> transcoder_;
  TrackConfigPtr config_;
  std::deque<FramePtr> cache_;
  bool warned_ = false;  // the first failure of the stream is logged at warn, later ones at debug
};

}  // namespace rtsedge
