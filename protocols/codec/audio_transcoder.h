#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "relay/media_frame.h"
#include "relay/status.h"

namespace rtsedge::codec {

// What a transcoder did with its input so far.
struct AudioTranscoderStats {
  uint64_t inputFrames = 0;     // frames pushed
  uint64_t decodedFrames = 0;   // of which decoded into samples
  uint64_t skippedFrames = 0;   // of which failed to decode (empty, garbage, truncated): dropped
  uint64_t outputFrames = 0;    // encoded frames handed out
  uint64_t droppedSamples = 0;  // output-rate samples dropped because the buffer hit its cap
  uint64_t timelineResets = 0;  // input timestamp jumps over kTimelineJumpUs
  std::string lastError;        // why the last skipped frame failed, e.g. "aac decode: Invalid data ..."
};

// The audio bridge between browsers (WebRTC: Opus) and RTMP/SRT/TS (AAC): AAC -> Opus
// (48 kHz, the input's channels clamped to stereo, 20 ms frames, 64 kbit/s, in-band FEC)
// and Opus -> AAC (AAC-LC, the input's channels, 44.1 kHz when the input track says so,
// 48 kHz otherwise, 128 kbit/s). Decode, resample (swresample), re-frame, encode.
//
// Cost: a decoder, a resampler and an encoder, a few hundred kB and a few percent of a core
// per stream. Create ONE transcoder per stream and track, never one per viewer: its output
// frames are shared like any other frame (mux once, write many). Not thread-safe: one
// thread pushes. AVPacket/AVFrame buffers are allocated once and reused.
//
// Timestamps: output frames are on the input's timeline. The first output frame carries the
// first decoded input frame's pts; later ones advance by the samples encoded, so small input
// jitter never reaches the output. When an input pts is off by over kTimelineJumpUs (either
// way) from where the samples decoded since the timeline started put it (a jump, or lost
// frames and drift adding up), the timeline realigns: the buffered samples are padded to a
// whole frame and encoded, and output restarts at the new input time, never going backwards.
// The encoder's own delay (Opus: the OpusHead pre-skip; AAC: 1024 priming samples) stays in
// the stream as the codecs carry it.
//
// Untrusted input: a frame that fails to decode is skipped and counted (stats()), never
// fatal; buffered samples are capped at one second. push() fails only when the encoder does.
class AudioTranscoder {
 public:
  static constexpr int64_t kTimelineJumpUs = 100'000;

  // input: an audio track of kAac (record: AudioSpecificConfig, or empty with sampleRate and
  // channels) or kOpus (record: OpusHead, or empty with channels); output: the other codec.
  static Result<std::unique_ptr<AudioTranscoder>> create(const TrackConfig& input, Codec output);
  ~AudioTranscoder();
  AudioTranscoder(const AudioTranscoder&) = delete;
  AudioTranscoder& operator=(const AudioTranscoder&) = delete;

  // Decodes one input frame and returns the output frames it completed (often none or one).
  Result<std::vector<FramePtr>> push(const MediaFrame& frame);
  // Encodes what is buffered (the last frame padded with silence) and drains the encoder.
  // The transcoder stays usable; the next push starts a new timeline alignment.
  Result<std::vector<FramePtr>> flush();

  // The output track: OpusHead (with the encoder's pre-skip) or AudioSpecificConfig record,
  // sample rate, channels. Every output frame points to it.
  const TrackConfigPtr& config() const;
  const AudioTranscoderStats& stats() const;

 private:
  struct State;
  explicit AudioTranscoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace rtsedge::codec
