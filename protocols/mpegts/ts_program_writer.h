#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "protocols/mpegts/ts_types.h"
#include "relay/bytes.h"
#include "relay/media_frame.h"
#include "relay/stream.h"

namespace rtsedge::mpegts {

// PIDs of the one program rtsedge writes.
inline constexpr uint16_t kPmtPid = 0x1000;
inline constexpr uint16_t kVideoPid = 0x100;
inline constexpr uint16_t kAudioPid = 0x101;

// Whether MPEG-TS can carry a frame of this codec.
bool tsCarries(Codec codec);

// The MPEG-TS program of one stream, shared by all its TS viewers (HTTP-TS, SRT):
// the elementary streams, the PMT version and the continuity counters. Frames are
// serialized once each, in stream order (fan-out order), so every viewer that gets
// consecutive frames of a PID sees continuous counters. PAT and PMT go in front of
// every video keyframe, or of every audio frame in a program without video, so a
// viewer starting at any sync point gets them first.
class TsProgramWriter final : public EgressState {
 public:
  // The stream's writer, made by its first TS viewer.
  static TsProgramWriter& of(Stream& stream);

  // A track's configuration, seen before its frames: the PMT lists it from now on.
  void onTrackConfig(const TrackConfig& config);
  // The frame's TS packets (PSI first where due); empty for a codec TS does not carry
  // or a frame that cannot be written (no configuration, malformed payload).
  Bytes serialize(const MediaFrame& frame);

 private:
  void setTrack(TrackKind kind, Codec codec, uint8_t channels, uint32_t sampleRate);
  void appendPsi(BytesBuilder& out);
  // The access unit as Annex-B, parameter sets in front of keyframes.
  std::optional<Bytes> videoElementaryStream(const MediaFrame& frame);
  std::optional<Bytes> audioElementaryStream(const MediaFrame& frame);
  const Bytes& parameterSets(const TrackConfigPtr& config);

  std::optional<ElementaryStream> video_;
  std::optional<ElementaryStream> audio_;
  uint8_t pmtVersion_ = 0;
  uint8_t patContinuity_ = 0;
  uint8_t pmtContinuity_ = 0;
  uint8_t videoContinuity_ = 0;
  uint8_t audioContinuity_ = 0;
  std::optional<int64_t> lastPsiDtsUs_;
  TrackConfigPtr parameterSetsConfig_;  // the configuration parameterSets_ was made of
  Bytes parameterSets_;
};

}  // namespace rtsedge::mpegts
