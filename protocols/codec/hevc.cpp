#include "protocols/codec/hevc.h"

#include <array>
#include <string>
#include <utility>

#include "protocols/codec/annexb.h"
#include "protocols/codec/avc.h"
#include "protocols/codec/bit_reader.h"
#include "relay/bytes.h"

namespace rtsedge::codec {
namespace {

constexpr size_t kHevcRecordHeaderSize = 23;  // through numOfArrays
constexpr size_t kNalHeaderSize = 2;
constexpr unsigned kProfileTierLevelBits = 88;  // profile space .. reserved bits, no level
constexpr unsigned kMaxSubLayers = 8;           // the syntax's array size
constexpr unsigned kMaxSubLayersMinus1 = 6;     // the semantics' limit
constexpr uint32_t kMaxChromaFormatIdc = 3;
constexpr uint32_t kMaxBitDepthMinus8 = 8;

Status readNalArray(std::span<const uint8_t> record, size_t& offset, HevcNalArray& array) {
  if (record.size() - offset < 3) {
    return Error("HEVC record: truncated array header");
  }
  array.complete = (record[offset] & 0x80) != 0;
  array.nalType = record[offset] & 0x3F;
  const size_t count = loadU16(record.data() + offset + 1);
  offset += 3;
  if (count > kMaxHevcNalUnitsPerArray) {
    return Error("HEVC record: " + std::to_string(count) + " NAL units in one array, limit " +
                 std::to_string(kMaxHevcNalUnitsPerArray));
  }
  for (size_t i = 0; i < count; ++i) {
    if (record.size() - offset < 2) {
      return Error("HEVC record: truncated NAL unit length");
    }
    const size_t length = loadU16(record.data() + offset);
    offset += 2;
    if (length == 0 || record.size() - offset < length) {
      return Error("HEVC record: NAL unit of " + std::to_string(length) + " bytes does not fit");
    }
    array.units.push_back(record.subspan(offset, length));
    offset += length;
  }
  return Status::ok();
}

// profile_tier_level(1, maxSubLayersMinus1): keeps the general profile, tier and level.
void readProfileTierLevel(BitReader& reader, unsigned maxSubLayersMinus1, H265SpsInfo& info) {
  info.profileSpace = static_cast<uint8_t>(reader.readBits(2));
  info.tier = reader.readFlag();
  info.profileIdc = static_cast<uint8_t>(reader.readBits(5));
  info.profileCompatibilityFlags = reader.readBits(32);
  const uint64_t constraintHigh = reader.readBits(16);
  info.constraintIndicatorFlags = (constraintHigh << 32) | reader.readBits(32);
  info.levelIdc = static_cast<uint8_t>(reader.readBits(8));
  std::array<bool, kMaxSubLayers> profilePresent{};
  std::array<bool, kMaxSubLayers> levelPresent{};
  for (unsigned i = 0; i < maxSubLayersMinus1; ++i) {
    profilePresent[i] = reader.readFlag();
    levelPresent[i] = reader.readFlag();
  }
  if (maxSubLayersMinus1 > 0) {
    reader.skipBits(2 * (kMaxSubLayers - maxSubLayersMinus1));  // reserved_zero_2bits
  }
  for (unsigned i = 0; i < maxSubLayersMinus1; ++i) {
    reader.skipBits((profilePresent[i] ? kProfileTierLevelBits : 0) + (levelPresent[i] ? 8 : 0));
  }
}

}  // namespace

std::span<const uint8_t> HevcConfig::firstNalUnit(HevcNalType type) const {
  for (const auto& array : arrays) {
    if (array.nalType == static_cast<uint8_t>(type) && !array.units.empty()) {
      return array.units.front();
    }
  }
  return {};
}

Result<HevcConfig> parseHevcDecoderConfigurationRecord(std::span<const uint8_t> record) {
  if (record.size() < kHevcRecordHeaderSize) {
    return Error("HEVC record: " + std::to_string(record.size()) + " bytes, header needs 23");
  }
  HevcConfig config;
  config.version = record[0];
  // Some early muxers wrote version 0 with the same layout.
  if (config.version > 1) {
    return Error("HEVC record: configurationVersion " + std::to_string(config.version));
  }
  config.profileSpace = record[1] >> 6;
  config.tier = (record[1] & 0x20) != 0;
  config.profileIdc = record[1] & 0x1F;
  config.profileCompatibilityFlags = loadU32(record.data() + 2);
  config.levelIdc = record[12];
  config.chromaFormatIdc = record[16] & 0x03;
  config.bitDepthLuma = static_cast<uint8_t>((record[17] & 0x07) + 8);
  config.bitDepthChroma = static_cast<uint8_t>((record[18] & 0x07) + 8);
  config.avgFrameRate = loadU16(record.data() + 19);
  config.numTemporalLayers = (record[21] >> 3) & 0x07;
  config.nalLengthSize = static_cast<uint8_t>((record[21] & 0x03) + 1);
  if (config.nalLengthSize == 3) {
    return Error("HEVC record: NAL length size 3");
  }
  const size_t arrayCount = record[22];
  if (arrayCount > kMaxHevcNalArrays) {
    return Error("HEVC record: " + std::to_string(arrayCount) + " arrays, limit " + std::to_string(kMaxHevcNalArrays));
  }
  size_t offset = kHevcRecordHeaderSize;
  config.arrays.resize(arrayCount);
  for (auto& array : config.arrays) {
    if (auto status = readNalArray(record, offset, array); !status) {
      return status.error();
    }
  }
  return config;
}

Result<H265SpsInfo> parseH265Sps(std::span<const uint8_t> nalUnit) {
  constexpr uint8_t kSpsType = static_cast<uint8_t>(HevcNalType::kSps);
  if (nalUnit.size() <= kNalHeaderSize || ((nalUnit[0] >> 1) & 0x3F) != kSpsType) {
    return Error("H.265 SPS: not an SPS NAL unit");
  }
  BitReader reader(nalUnit.subspan(kNalHeaderSize), BitReader::Mode::kRbsp);
  H265SpsInfo info;
  reader.skipBits(4);  // sps_video_parameter_set_id
  const unsigned maxSubLayersMinus1 = reader.readBits(3);
  info.temporalIdNesting = reader.readFlag();
  if (maxSubLayersMinus1 > kMaxSubLayersMinus1) {
    return Error("H.265 SPS: sps_max_sub_layers_minus1 out of range");
  }
  info.maxSubLayers = static_cast<uint8_t>(maxSubLayersMinus1 + 1);
  readProfileTierLevel(reader, maxSubLayersMinus1, info);
  reader.readUe();  // sps_seq_parameter_set_id
  const uint32_t chromaFormatIdc = reader.readUe();
  if (chromaFormatIdc > kMaxChromaFormatIdc) {
    return Error("H.265 SPS: chroma_format_idc " + std::to_string(chromaFormatIdc));
  }
  info.chromaFormatIdc = static_cast<uint8_t>(chromaFormatIdc);
  const bool separateColourPlane = chromaFormatIdc == 3 && reader.readFlag();
  const uint64_t width = reader.readUe();
  const uint64_t height = reader.readUe();
  CropWindow window;
  if (reader.readFlag()) {  // conformance_window_flag
    window = {reader.readUe(), reader.readUe(), reader.readUe(), reader.readUe()};
  }
  if (!reader.ok()) {
    return Error("H.265 SPS: truncated before the picture size");
  }
  auto size = croppedPictureSize(width, height, separateColourPlane ? 0 : chromaFormatIdc, 1, window);
  if (!size) {
    return size.error().wrap("H.265 SPS");
  }
  info.width = size->width;
  info.height = size->height;
  const uint32_t bitDepthLumaMinus8 = reader.readUe();
  const uint32_t bitDepthChromaMinus8 = reader.readUe();
  if (!reader.ok() || bitDepthLumaMinus8 > kMaxBitDepthMinus8 || bitDepthChromaMinus8 > kMaxBitDepthMinus8) {
    return Error("H.265 SPS: truncated or bad bit depths");
  }
  info.bitDepthLuma = static_cast<uint8_t>(8 + bitDepthLumaMinus8);
  info.bitDepthChroma = static_cast<uint8_t>(8 + bitDepthChromaMinus8);
  return info;
}

namespace {

constexpr uint8_t kRecordNalLengthSize = 4;
constexpr uint8_t kRecordUnitLengthSize = 2;
constexpr uint8_t kMaxRecordBitDepth = 8 + 7;  // bit_depth_*_minus8 is 3 bits in the record

Status appendNalArray(BytesBuilder& out, HevcNalType type, std::span<const std::span<const uint8_t>> units) {
  const auto typeValue = static_cast<uint8_t>(type);
  if (units.empty() || units.size() > kMaxHevcNalUnitsPerArray) {
    return Error("HEVC record: " + std::to_string(units.size()) + " units of NAL type " + std::to_string(typeValue) +
                 ", limits 1.." + std::to_string(kMaxHevcNalUnitsPerArray));
  }
  for (const auto unit : units) {
    if (unit.size() <= kNalHeaderSize || ((unit[0] >> 1) & 0x3F) != typeValue) {
      return Error("HEVC record: a unit of " + std::to_string(unit.size()) + " bytes in the array of NAL type " +
                   std::to_string(typeValue) + " is not of that type");
    }
  }
  // array_completeness 1: every parameter set of the type is here, as 'hvc1' requires.
  out.appendByte(static_cast<uint8_t>(0x80 | typeValue));
  out.appendU16(static_cast<uint16_t>(units.size()));
  if (auto status = appendLengthPrefixed(out, units, kRecordUnitLengthSize); !status) {
    return status.error().wrap("HEVC record");
  }
  return Status::ok();
}

}  // namespace

Result<Bytes> buildHevcDecoderConfigurationRecord(std::span<const std::span<const uint8_t>> vps,
                                                  std::span<const std::span<const uint8_t>> sps,
                                                  std::span<const std::span<const uint8_t>> pps) {
  if (sps.empty()) {
    return Error("HEVC record: no SPS");
  }
  auto info = parseH265Sps(sps.front());
  if (!info) {
    return info.error().wrap("HEVC record");
  }
  if (info->bitDepthLuma > kMaxRecordBitDepth || info->bitDepthChroma > kMaxRecordBitDepth) {
    return Error("HEVC record: bit depth over 15");
  }
  BytesBuilder out;
  out.appendByte(1);  // configurationVersion
  out.appendByte(static_cast<uint8_t>((info->profileSpace << 6) | (info->tier ? 0x20 : 0) | info->profileIdc));
  out.appendU32(info->profileCompatibilityFlags);
  out.appendU16(static_cast<uint16_t>(info->constraintIndicatorFlags >> 32));
  out.appendU32(static_cast<uint32_t>(info->constraintIndicatorFlags));
  out.appendByte(info->levelIdc);
  out.appendU16(0xF000);  // min_spatial_segmentation_idc 0: the VUI restrictions are not read
  out.appendByte(0xFC);   // parallelismType 0: unknown
  out.appendByte(static_cast<uint8_t>(0xFC | info->chromaFormatIdc));
  out.appendByte(static_cast<uint8_t>(0xF8 | (info->bitDepthLuma - 8)));
  out.appendByte(static_cast<uint8_t>(0xF8 | (info->bitDepthChroma - 8)));
  out.appendU16(0);  // avgFrameRate unspecified
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne.
  out.appendByte(static_cast<uint8_t>((info->maxSubLayers << 3) | (info->temporalIdNesting ? 0x04 : 0) |
                                      (kRecordNalLengthSize - 1)));
  constexpr uint8_t kArrayCount = 3;
  out.appendByte(kArrayCount);
  for (const auto& [type, units] :
       {std::pair{HevcNalType::kVps, vps}, std::pair{HevcNalType::kSps, sps}, std::pair{HevcNalType::kPps, pps}}) {
    if (auto status = appendNalArray(out, type, units); !status) {
      return status.error();
    }
  }
  return out.freeze();
}

}  // namespace rtsedge::codec
