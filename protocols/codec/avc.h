#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::codec {

// Sanity bound on a decoded picture side (H.264 level 6.2 and H.265 level 6.2 stay far below).
constexpr uint32_t kMaxPictureDimension = 32768;

// The displayed size of a picture: the coded size minus the crop (H.264) or conformance
// (H.265) window, whose offsets count chroma samples. Shared by both SPS parsers.
struct CropWindow {
  uint64_t left = 0;
  uint64_t right = 0;
  uint64_t top = 0;
  uint64_t bottom = 0;
};
struct PictureSize {
  uint32_t width = 0;
  uint32_t height = 0;
};
// fieldFactor: 2 for an H.264 SPS without frame_mbs_only_flag (offsets count field rows), else 1.
Result<PictureSize> croppedPictureSize(uint64_t codedWidth, uint64_t codedHeight, uint32_t chromaArrayType,
                                       uint64_t fieldFactor, const CropWindow& crop);

// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1). The parameter set spans point
// into the record passed in: they live as long as its bytes.
struct AvcConfig {
  uint8_t version = 0;
  uint8_t profileIndication = 0;
  uint8_t profileCompatibility = 0;
  uint8_t levelIndication = 0;
  uint8_t nalLengthSize = 4;  // bytes in each NAL unit length prefix: 1, 2 or 4
  // Bounded by the record's own fields: at most 31 SPS, 255 PPS.
  std::vector<std::span<const uint8_t>> sps;
  std::vector<std::span<const uint8_t>> pps;
};
Result<AvcConfig> parseAvcDecoderConfigurationRecord(std::span<const uint8_t> record);

// What a player needs from an H.264 sequence parameter set (ITU-T H.264 7.3.2.1.1).
struct H264SpsInfo {
  uint8_t profileIdc = 0;
  uint8_t constraintFlags = 0;
  uint8_t levelIdc = 0;
  uint8_t chromaFormatIdc = 1;
  uint8_t bitDepthLuma = 8;
  uint32_t width = 0;    // after cropping
  uint32_t height = 0;   // after cropping
  double frameRate = 0;  // from VUI timing; 0 when the SPS carries none
  uint8_t bitDepthChroma = 8;
};
// nalUnit: the SPS NAL unit with its one-byte header, emulation prevention bytes included.
Result<H264SpsInfo> parseH264Sps(std::span<const uint8_t> nalUnit);

// An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) for parameter sets taken from
// an Annex B stream: NAL units without start codes, emulation prevention bytes included.
// Profile, compatibility and level come from the first SPS; nalLengthSize is 4. Fails on
// no SPS, on more than 31 SPS or 255 PPS, on a unit that is not of its list's type or
// does not fit a 16-bit length, and on a first SPS the high-profile fields cannot be read from.
Result<Bytes> buildAvcDecoderConfigurationRecord(std::span<const std::span<const uint8_t>> sps,
                                                 std::span<const std::span<const uint8_t>> pps);

}  // namespace rtsedge::codec
