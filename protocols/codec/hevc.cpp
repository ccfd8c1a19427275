#include "protocols/codec/hevc.h"

#include <array>
#include <string>

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

// profile_tier_level(1, maxSubLayersMinus1): keeps the general profile and level.
void readProfileTierLevel(BitReader& reader, unsigned maxSubLayersMinus1, H265SpsInfo& info) {
  reader.skipBits(3);  // general_profile_space, general_tier_flag
  info.profileIdc = static_cast<uint8_t>(reader.readBits(5));
  reader.skipBits(kProfileTierLevelBits - 8);
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
  reader.skipBits(1);  // sps_temporal_id_nesting_flag
  if (maxSubLayersMinus1 > kMaxSubLayersMinus1) {
    return Error("H.265 SPS: sps_max_sub_layers_minus1 out of range");
  }
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
  return info;
}

}  // namespace rtsedge::codec
