#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::codec {

enum class HevcNalType : uint8_t { kVps = 32, kSps = 33, kPps = 34 };

// Named bounds on an HEVCDecoderConfigurationRecord: real ones carry 3 or 4 arrays
// (VPS, SPS, PPS, SEI) of one unit each.
constexpr size_t kMaxHevcNalArrays = 16;
constexpr size_t kMaxHevcNalUnitsPerArray = 64;

struct HevcNalArray {
  uint8_t nalType = 0;
  bool complete = false;
  std::vector<std::span<const uint8_t>> units;  // point into the parsed record
};

// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1).
struct HevcConfig {
  uint8_t version = 0;
  uint8_t profileSpace = 0;
  bool tier = false;
  uint8_t profileIdc = 0;
  uint32_t profileCompatibilityFlags = 0;
  uint8_t levelIdc = 0;
  uint8_t chromaFormatIdc = 0;
  uint8_t bitDepthLuma = 8;
  uint8_t bitDepthChroma = 8;
  uint16_t avgFrameRate = 0;  // frames per 256 s; 0 = unspecified
  uint8_t numTemporalLayers = 0;
  uint8_t nalLengthSize = 4;  // 1, 2 or 4
  std::vector<HevcNalArray> arrays;

  // The first NAL unit of that type, or an empty span.
  std::span<const uint8_t> firstNalUnit(HevcNalType type) const;
};
Result<HevcConfig> parseHevcDecoderConfigurationRecord(std::span<const uint8_t> record);

// What a player and an HEVC record need from an H.265 SPS (ITU-T H.265 7.3.2.2.1): the general
// profile_tier_level, the picture size after the conformance window, the bit depths.
struct H265SpsInfo {
  uint8_t profileIdc = 0;
  uint8_t levelIdc = 0;
  uint8_t chromaFormatIdc = 1;
  uint32_t width = 0;
  uint32_t height = 0;
  // The rest of the general profile_tier_level and what an HEVCDecoderConfigurationRecord repeats.
  uint8_t profileSpace = 0;
  bool tier = false;
  uint32_t profileCompatibilityFlags = 0;
  uint64_t constraintIndicatorFlags = 0;  // 48 bits: progressive_source_flag .. inbld/reserved
  uint8_t maxSubLayers = 1;               // sps_max_sub_layers_minus1 + 1
  bool temporalIdNesting = false;
  uint8_t bitDepthLuma = 8;
  uint8_t bitDepthChroma = 8;
};
// nalUnit: the SPS NAL unit with its two-byte header, emulation prevention bytes included.
Result<H265SpsInfo> parseH265Sps(std::span<const uint8_t> nalUnit);

// An HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) for parameter sets taken from
// an Annex B stream: NAL units without start codes, emulation prevention bytes included.
// Profile, level, chroma format, bit depths and temporal layers come from the first SPS;
// min_spatial_segmentation_idc, parallelismType, avgFrameRate and constantFrameRate are 0
// (unknown); nalLengthSize is 4; one complete array each of VPS, SPS and PPS. Fails on an
// empty list or one over kMaxHevcNalUnitsPerArray, on a unit not of its list's type or over
// a 16-bit length, and on a first SPS that does not parse.
Result<Bytes> buildHevcDecoderConfigurationRecord(std::span<const std::span<const uint8_t>> vps,
                                                  std::span<const std::span<const uint8_t>> sps,
                                                  std::span<const std::span<const uint8_t>> pps);

}  // namespace rtsedge::codec
