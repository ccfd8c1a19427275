#include "relay/audio_rendition.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "protocols/codec/audio_transcoder.h"

namespace rtsedge {

Codec AudioRendition::counterpart(Codec original) {
  switch (original) {
    case Codec::kAac: return Codec::kOpus;
    case Codec::kOpus: return Codec::kAac;
    default: return Codec::kUnknown;
  }
}

AudioRendition::AudioRendition(std::string streamKey, const GopCache& gopCache, StreamMetrics* metrics)
    : streamKey_(std::move(streamKey)), gopCache_(gopCache), metrics_(metrics) {}

AudioRendition::~AudioRendition() {
  setTranscoder(nullptr);
}

bool AudioRendition::start(const TrackConfigPtr& original) {
  stop();
  input_ = original;
  auto created = codec::AudioTranscoder::create(*original, counterpart(original->codec));
  if (!created) {
    fail("start", created.error().message());
    return false;
  }
  setTranscoder(std::move(*created));
  // Instant start: the cached GOP's audio, transcoded now, is what a viewer joining now
  // hears with the cached video. A GOP cache holds seconds at most; decoding and encoding
  // them takes a few milliseconds of this loop, once per start.
  std::vector<FramePtr> out;
  for (const FramePtr& frame : gopCache_.frames()) {
    if (frame->kind == TrackKind::kAudio && transcodes(*frame) && !transcodeInto(*frame, out)) {
      return false;
    }
  }
  cache_.assign(out.begin(), out.end());
  trimToGopCache();
  return true;
}

void AudioRendition::stop() {
  setTranscoder(nullptr);
  input_.reset();
  cache_.clear();
}

std::vector<FramePtr> AudioRendition::push(const FramePtr& frame) {
  std::vector<FramePtr> out;
  if (!transcoder_ || !transcodes(*frame) || !transcodeInto(*frame, out)) {
    return out;
  }
  cache_.insert(cache_.end(), out.begin(), out.end());
  trimToGopCache();
  return out;
}

void AudioRendition::trimToGopCache() {
  const auto& gop = gopCache_.frames();
  if (gop.empty()) {
    cache_.clear();
    return;
  }
  const int64_t firstUs = gop.front()->dtsUs;
  while (!cache_.empty() && cache_.front()->dtsUs < firstUs) {
    cache_.pop_front();
  }
}

// A frame of another configuration (the GOP cache's audio from before a configuration
// change, say) would decode into noise.
bool AudioRendition::transcodes(const MediaFrame& frame) const {
  return frame.codec == input_->codec && (!frame.config || frame.config == input_ || *frame.config == *input_);
}

bool AudioRendition::transcodeInto(const MediaFrame& frame, std::vector<FramePtr>& out) {
  auto frames = transcoder_->push(frame);
  if (!frames) {
    fail("encode", frames.error().message());
    return false;
  }
  // The transcoder stamps each output frame with the arrival and capture time of the input
  // frame that completed it, so relay and end-to-end latency hold for rendition viewers.
  out.insert(out.end(), frames->begin(), frames->end());
  return true;
}

void AudioRendition::setTranscoder(std::unique_ptr<codec::AudioTranscoder> transcoder) {
  if (metrics_ != nullptr) {
    metrics_->audioTranscoders.add((transcoder != nullptr ? 1 : 0) - (transcoder_ != nullptr ? 1 : 0));
  }
  transcoder_ = std::move(transcoder);
  config_ = transcoder_ ? transcoder_->config() : nullptr;
}

// The transcoder is gone; input_ stays, so the same configuration is not tried again.
void AudioRendition::fail(std::string_view what, const std::string& reason) {
  setTranscoder(nullptr);
  cache_.clear();
  if (metrics_ != nullptr) {
    metrics_->audioTranscodeErrors.inc();
  }
  auto level = warned_ ? spdlog::level::debug : spdlog::level::warn;
  warned_ = true;
  spdlog::log(level, "stream {}: audio rendition {} -> {} failed to {}: {}; its viewers get no audio", streamKey_,
              codecName(input_->codec), codecName(counterpart(input_->codec)), what, reason);
}

}  // namespace rtsedge
