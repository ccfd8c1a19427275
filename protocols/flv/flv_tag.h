#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "relay/bytes.h"
#include "relay/media_frame.h"
#include "relay/status.h"

namespace rtsedge::flv {

// The body of an FLV video tag, which is also the payload of an RTMP video message.
// Legacy header: frame type and codec id (7 = H.264, 12 = H.265 as Chinese CDNs send it),
// then AVCPacketType and an SI24 composition time. Enhanced RTMP (v1) ex-header: bit 0x80,
// frame type in bits 4-6, packet type in the low nibble, a FourCC (avc1, hvc1, av01, vp09),
// and a composition time only in CodedFrames of avc1/hvc1.
struct VideoTag {
  enum class Kind { kConfig, kFrame, kEndOfSequence, kIgnored };
  Kind kind = Kind::kIgnored;
  // kConfig: codec, record (a slice of the body), the picture size and frame rate when
  // the record's SPS could be read (zero otherwise: the config is relayed all the same).
  TrackConfigPtr config;
  Codec codec = Codec::kUnknown;
  bool keyframe = false;          // frame type 1
  int32_t compositionTimeMs = 0;  // pts - dts
  Bytes payload;                  // kFrame: the coded data after the header, a slice of the body
  std::string ignoredReason;      // kIgnored: why
};
// An Error only for a body too short for its own header; an empty body, command frames,
// codecs and packet types we do not relay come back as kIgnored.
Result<VideoTag> parseVideoTag(const Bytes& body);

// Sound format in the high nibble of byte 0: 10 = AAC (byte 1: 0 = AudioSpecificConfig,
// 1 = raw frame), 2 = MP3, other legacy formats relayed as Codec::kFlvLegacyAudio. MP3 and
// legacy formats have no sequence header: their configuration is the sound byte itself
// (see implicitAudioConfig).
struct AudioTag {
  enum class Kind { kConfig, kFrame, kIgnored };
  Kind kind = Kind::kIgnored;
  TrackConfigPtr config;  // kConfig: AAC, record = AudioSpecificConfig, rate and channels
  Codec codec = Codec::kUnknown;
  uint8_t soundByte = 0;  // byte 0
  Bytes payload;
  std::string ignoredReason;
};
Result<AudioTag> parseAudioTag(const Bytes& body);

// The configuration of an MP3 or legacy-format track, implied by its sound byte: rate and
// channels from the byte's low nibble. Build it when the sound byte changes, not per frame.
TrackConfigPtr implicitAudioConfig(Codec codec, uint8_t soundByte);

// Whether FLV/RTMP video or audio tags can carry this codec (data goes in script tags).
bool isFlvMediaCodec(Codec codec);

// The bytes that precede frame.payload in a tag body: built once per frame by FLV/RTMP egress.
struct TagHeader {
  std::array<uint8_t, 16> bytes{};
  uint8_t size = 0;
  std::span<const uint8_t> span() const { return {bytes.data(), size}; }
};
// Legacy 5-byte header for H.264 and for H.265 with config->flvLegacyHevc; otherwise the
// Enhanced RTMP ex-header (hvc1: CodedFrames with composition time, CodedFramesX when it is
// 0; av01, vp09: CodedFrames). frame.config may be null for H.264 only. Size 0 when FLV
// cannot carry the codec (see isFlvMediaCodec).
TagHeader videoFrameHeader(const MediaFrame& frame);
// AAC: AF 01. MP3 and legacy formats: the config's sound byte.
TagHeader audioFrameHeader(const MediaFrame& frame);

// Whole sequence-header tag bodies, sent to a new viewer before any frame. Empty for
// codecs without one (MP3, legacy audio) or that FLV cannot carry.
Bytes videoConfigBody(const TrackConfig& config);
Bytes audioConfigBody(const TrackConfig& config);

}  // namespace rtsedge::flv
