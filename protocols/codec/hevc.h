#pragma once

#include <cstdint>
#include <span>
#include <vector>

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

// The picture size from an H.265 SPS (ITU-T H.265 7.3.2.2.1), after the conformance window.
struct H265SpsInfo {
  uint8_t profileIdc = 0;
  uint8_t levelIdc = 0;
  uint8_t chromaFormatIdc = 1;
  uint32_t width = 0;
  uint32_t height = 0;
};
// nalUnit: the SPS NAL unit with its two-byte header, emulation prevention bytes included.
Result<H265SpsInfo> parseH265Sps(std::span<const uint8_t> nalUnit);

}  // namespace rtsedge::codec
