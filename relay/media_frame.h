#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "relay/bytes.h"
#include "relay/clock.h"

namespace rtsedge {

enum class TrackKind : uint8_t { kVideo, kAudio, kData };

enum class Codec : uint8_t {
  kUnknown,
  kH264,
  kH265,
  kAv1,
  kVp9,
  kAac,
  kMp3,
  kOpus,
  kFlvLegacyAudio,  // another FLV sound format, relayed as it came (see TrackConfig)
  kAmf0,            // data track: AMF0-encoded script data
};

std::string_view codecName(Codec codec);

// The decoder configuration of one track, plus what is derived from it once.
// Immutable once built and shared, like frames.
struct TrackConfig {
  TrackKind kind = TrackKind::kVideo;
  Codec codec = Codec::kUnknown;
  // AVC/HEVC decoder configuration record, av1C, vpcC, AudioSpecificConfig, OpusHead;
  // empty for codecs without one.
  Bytes record;

  uint32_t width = 0;
  uint32_t height = 0;
  double frameRate = 0;
  uint32_t sampleRate = 0;
  uint8_t channels = 0;
  uint8_t nalLengthSize = 4;  // H.264/H.265: bytes of each NAL unit's length prefix in frames

  // How an FLV source signalled the codec, so FLV/RTMP egress writes it the same way:
  // H.265 over the legacy codec id 12 instead of Enhanced RTMP's FourCC.
  bool flvLegacyHevc = false;
  // The low nibble of the FLV sound byte (rate, size, channels) for kMp3 and
  // kFlvLegacyAudio, and the sound format for kFlvLegacyAudio in the high nibble.
  uint8_t flvSoundByte = 0;

  bool operator==(const TrackConfig& other) const = default;
};
using TrackConfigPtr = std::shared_ptr<const TrackConfig>;

// Egress formats that cache their serialized form of a frame inside the frame.
enum class EgressFormat : uint8_t { kRtmp, kFlv, kMpegTs, kRtp, kCount };

// One access unit of one track. Built by an ingest session, handed to a Stream,
// then immutable and shared by reference count across sessions and threads.
struct MediaFrame {
  TrackKind kind = TrackKind::kVideo;
  Codec codec = Codec::kUnknown;
  int64_t dtsUs = 0;  // stream timeline, monotonic within a stream
  int64_t ptsUs = 0;
  bool keyframe = false;
  // H.264/H.265: length-prefixed NAL units (prefix size: config->nalLengthSize); AAC: raw frame;
  // Opus: packet; data: AMF0 body.
  Bytes payload;
  TrackConfigPtr config;            // the decoder configuration this frame decodes with
  SteadyTime arrival{};             // last byte read on this node
  std::optional<WallTime> capture;  // publisher's capture time, when it stamped one

  // Mux once, write many: the first egress session of a format serializes the frame
  // and every later one reuses the bytes. Safe to call from any thread.
  Bytes serialized(EgressFormat format, const std::function<Bytes(const MediaFrame&)>& build) const;

  MediaFrame() = default;
  MediaFrame(const MediaFrame& other);
  MediaFrame& operator=(const MediaFrame&) = delete;

 private:
  mutable std::array<std::atomic<std::shared_ptr<const Bytes>>, static_cast<size_t>(EgressFormat::kCount)> serialized_;
};
using FramePtr = std::shared_ptr<const MediaFrame>;

}  // namespace rtsedge
