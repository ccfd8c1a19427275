#include "protocols/codec/avc.h"

#include <algorithm>
#include <array>
#include <string>

#include "protocols/codec/annexb.h"
#include "protocols/codec/bit_reader.h"
#include "relay/bytes.h"

namespace rtsedge::codec {
namespace {

constexpr size_t kAvcRecordHeaderSize = 6;  // through numOfSequenceParameterSets
constexpr uint8_t kNalTypeSps = 7;
constexpr uint32_t kMaxChromaFormatIdc = 3;
constexpr uint32_t kMaxBitDepthMinus8 = 6;
constexpr uint32_t kMaxPocCycleLength = 255;
constexpr uint32_t kMacroblockSize = 16;

// Reads `count` entries of (u16 length, bytes) from data at offset into out.
Status readParameterSets(std::span<const uint8_t> data, size_t& offset, size_t count,
                         std::vector<std::span<const uint8_t>>& out, const char* what) {
  for (size_t i = 0; i < count; ++i) {
    if (data.size() - offset < 2) {
      return Error(std::string("AVC record: truncated ") + what + " length");
    }
    const size_t length = loadU16(data.data() + offset);
    offset += 2;
    if (length == 0 || data.size() - offset < length) {
      return Error(std::string("AVC record: ") + what + " of " + std::to_string(length) + " bytes does not fit");
    }
    out.push_back(data.subspan(offset, length));
    offset += length;
  }
  return Status::ok();
}

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling lists.
constexpr std::array<uint8_t, 13> kProfilesWithChromaInfo = {100, 110, 122, 244, 44,  83, 86,
                                                             118, 128, 138, 139, 134, 135};

bool hasChromaInfo(uint8_t profileIdc) {
  return std::find(kProfilesWithChromaInfo.begin(), kProfilesWithChromaInfo.end(), profileIdc) !=
         kProfilesWithChromaInfo.end();
}

void skipScalingList(BitReader& reader, unsigned size) {
  int32_t lastScale = 8;
  int32_t nextScale = 8;
  for (unsigned j = 0; j < size && reader.ok(); ++j) {
    if (nextScale != 0) {
      const int64_t delta = reader.readSe();
      nextScale = static_cast<int32_t>(((lastScale + delta) % 256 + 256) % 256);
    }
    lastScale = nextScale == 0 ? lastScale : nextScale;
  }
}

// chroma_format_idc .. seq_scaling_matrix of the high profiles.
Status readChromaInfo(BitReader& reader, H264SpsInfo& info, bool& separateColourPlane) {
  const uint32_t chromaFormatIdc = reader.readUe();
  if (chromaFormatIdc > kMaxChromaFormatIdc) {
    return Error("H.264 SPS: chroma_format_idc " + std::to_string(chromaFormatIdc));
  }
  info.chromaFormatIdc = static_cast<uint8_t>(chromaFormatIdc);
  if (chromaFormatIdc == 3) {
    separateColourPlane = reader.readFlag();
  }
  const uint32_t bitDepthLumaMinus8 = reader.readUe();
  const uint32_t bitDepthChromaMinus8 = reader.readUe();
  if (bitDepthLumaMinus8 > kMaxBitDepthMinus8 || bitDepthChromaMinus8 > kMaxBitDepthMinus8) {
    return Error("H.264 SPS: bit depth minus 8 " + std::to_string(bitDepthLumaMinus8) + "/" +
                 std::to_string(bitDepthChromaMinus8));
  }
  info.bitDepthLuma = static_cast<uint8_t>(8 + bitDepthLumaMinus8);
  info.bitDepthChroma = static_cast<uint8_t>(8 + bitDepthChromaMinus8);
  reader.readFlag();        // qpprime_y_zero_transform_bypass_flag
  if (reader.readFlag()) {  // seq_scaling_matrix_present_flag
    const unsigned lists = chromaFormatIdc != 3 ? 8 : 12;
    for (unsigned i = 0; i < lists && reader.ok(); ++i) {
      if (reader.readFlag()) {
        skipScalingList(reader, i < 6 ? 16 : 64);
      }
    }
  }
  return Status::ok();
}

Status skipPicOrderCount(BitReader& reader) {
  const uint32_t picOrderCntType = reader.readUe();
  if (picOrderCntType == 0) {
    reader.readUe();  // log2_max_pic_order_cnt_lsb_minus4
  } else if (picOrderCntType == 1) {
    reader.readFlag();  // delta_pic_order_always_zero_flag
    reader.readSe();    // offset_for_non_ref_pic
    reader.readSe();    // offset_for_top_to_bottom_field
    const uint32_t cycle = reader.readUe();
    if (!reader.ok() || cycle > kMaxPocCycleLength) {
      return Error("H.264 SPS: bad num_ref_frames_in_pic_order_cnt_cycle");
    }
    for (uint32_t i = 0; i < cycle; ++i) {
      reader.readSe();
    }
  }
  return Status::ok();
}

// pic_width_in_mbs_minus1 .. frame_cropping: the displayed size.
Status readGeometry(BitReader& reader, H264SpsInfo& info, bool separateColourPlane) {
  const uint64_t widthMbs = uint64_t{reader.readUe()} + 1;
  const uint64_t heightMapUnits = uint64_t{reader.readUe()} + 1;
  const bool frameMbsOnly = reader.readFlag();
  if (!frameMbsOnly) {
    reader.readFlag();  // mb_adaptive_frame_field_flag
  }
  reader.readFlag();  // direct_8x8_inference_flag
  CropWindow crop;
  if (reader.readFlag()) {  // frame_cropping_flag
    crop = {reader.readUe(), reader.readUe(), reader.readUe(), reader.readUe()};
  }
  if (!reader.ok()) {
    return Error("H.264 SPS: truncated before the picture size");
  }
  const uint64_t fieldFactor = frameMbsOnly ? 1 : 2;
  auto size = croppedPictureSize(widthMbs * kMacroblockSize, heightMapUnits * kMacroblockSize * fieldFactor,
                                 separateColourPlane ? 0 : info.chromaFormatIdc, fieldFactor, crop);
  if (!size) {
    return size.error().wrap("H.264 SPS");
  }
  info.width = size->width;
  info.height = size->height;
  return Status::ok();
}

// VUI up to timing_info (Annex E.1.1): the frame rate, when the encoder wrote it.
void readVuiTiming(BitReader& reader, H264SpsInfo& info) {
  constexpr uint32_t kExtendedSar = 255;
  if (reader.readFlag() && reader.readBits(8) == kExtendedSar) {  // aspect_ratio_info_present
    reader.skipBits(32);                                          // sar_width, sar_height
  }
  if (reader.readFlag()) {  // overscan_info_present_flag
    reader.readFlag();
  }
  if (reader.readFlag()) {  // video_signal_type_present_flag
    reader.skipBits(4);     // video_format, video_full_range_flag
    if (reader.readFlag()) {
      reader.skipBits(24);  // colour_primaries, transfer, matrix
    }
  }
  if (reader.readFlag()) {  // chroma_loc_info_present_flag
    reader.readUe();
    reader.readUe();
  }
  if (reader.readFlag()) {  // timing_info_present_flag
    const uint32_t unitsInTick = reader.readBits(32);
    const uint32_t timeScale = reader.readBits(32);
    if (reader.ok() && unitsInTick != 0 && timeScale != 0) {
      info.frameRate = static_cast<double>(timeScale) / (2.0 * unitsInTick);
    }
  }
}

}  // namespace

Result<PictureSize> croppedPictureSize(uint64_t codedWidth, uint64_t codedHeight, uint32_t chromaArrayType,
                                       uint64_t fieldFactor, const CropWindow& crop) {
  const uint64_t subWidthC = (chromaArrayType == 1 || chromaArrayType == 2) ? 2 : 1;
  const uint64_t subHeightC = chromaArrayType == 1 ? 2 : 1;
  // Each offset is at most 2^32 - 2 (ue(v)): the sums below cannot overflow 64 bits.
  const uint64_t cropX = subWidthC * (crop.left + crop.right);
  const uint64_t cropY = subHeightC * fieldFactor * (crop.top + crop.bottom);
  if (codedWidth > kMaxPictureDimension || codedHeight > kMaxPictureDimension) {
    return Error("coded size " + std::to_string(codedWidth) + "x" + std::to_string(codedHeight) + " over the limit " +
                 std::to_string(kMaxPictureDimension));
  }
  if (cropX >= codedWidth || cropY >= codedHeight) {
    return Error("crop window larger than the picture");
  }
  return PictureSize{static_cast<uint32_t>(codedWidth - cropX), static_cast<uint32_t>(codedHeight - cropY)};
}

Result<AvcConfig> parseAvcDecoderConfigurationRecord(std::span<const uint8_t> record) {
  if (record.size() < kAvcRecordHeaderSize) {
    return Error("AVC record: " + std::to_string(record.size()) + " bytes, header needs 6");
  }
  AvcConfig config;
  config.version = record[0];
  if (config.version != 1) {
    return Error("AVC record: configurationVersion " + std::to_string(config.version));
  }
  config.profileIndication = record[1];
  config.profileCompatibility = record[2];
  config.levelIndication = record[3];
  config.nalLengthSize = static_cast<uint8_t>((record[4] & 0x03) + 1);
  if (config.nalLengthSize == 3) {
    return Error("AVC record: NAL length size 3");
  }
  size_t offset = kAvcRecordHeaderSize;
  if (auto status = readParameterSets(record, offset, record[5] & 0x1F, config.sps, "SPS"); !status) {
    return status.error();
  }
  if (offset >= record.size()) {
    return Error("AVC record: truncated before numOfPictureParameterSets");
  }
  const size_t ppsCount = record[offset++];
  if (auto status = readParameterSets(record, offset, ppsCount, config.pps, "PPS"); !status) {
    return status.error();
  }
  return config;
}

Result<H264SpsInfo> parseH264Sps(std::span<const uint8_t> nalUnit) {
  if (nalUnit.size() < 4 || (nalUnit[0] & 0x1F) != kNalTypeSps) {
    return Error("H.264 SPS: not an SPS NAL unit");
  }
  BitReader reader(nalUnit.subspan(1), BitReader::Mode::kRbsp);
  H264SpsInfo info;
  info.profileIdc = static_cast<uint8_t>(reader.readBits(8));
  info.constraintFlags = static_cast<uint8_t>(reader.readBits(8));
  info.levelIdc = static_cast<uint8_t>(reader.readBits(8));
  reader.readUe();  // seq_parameter_set_id
  bool separateColourPlane = false;
  if (hasChromaInfo(info.profileIdc)) {
    if (auto status = readChromaInfo(reader, info, separateColourPlane); !status) {
      return status.error();
    }
  }
  reader.readUe();  // log2_max_frame_num_minus4
  if (auto status = skipPicOrderCount(reader); !status) {
    return status.error();
  }
  reader.readUe();    // max_num_ref_frames
  reader.readFlag();  // gaps_in_frame_num_value_allowed_flag
  if (auto status = readGeometry(reader, info, separateColourPlane); !status) {
    return status.error();
  }
  if (reader.readFlag()) {  // vui_parameters_present_flag
    readVuiTiming(reader, info);
  }
  return info;
}

namespace {

constexpr uint8_t kNalTypePps = 8;
constexpr size_t kSpsLevelEnd = 4;  // NAL header, profile_idc, constraint flags, level_idc
constexpr size_t kMaxRecordSps = 31;
constexpr size_t kMaxRecordPps = 255;
constexpr uint8_t kRecordNalLengthSize = 4;
constexpr uint8_t kRecordUnitLengthSize = 2;

Status checkUnitTypes(std::span<const std::span<const uint8_t>> units, uint8_t type, size_t minSize, const char* what) {
  for (const auto unit : units) {
    if (unit.size() < minSize || (unit[0] & 0x1F) != type) {
      return Error(std::string("AVC record: ") + what + " list holds a unit of " + std::to_string(unit.size()) +
                   " bytes, type " + std::to_string(unit.empty() ? 0 : unit[0] & 0x1F));
    }
  }
  return Status::ok();
}

}  // namespace

Result<Bytes> buildAvcDecoderConfigurationRecord(std::span<const std::span<const uint8_t>> sps,
                                                 std::span<const std::span<const uint8_t>> pps) {
  if (sps.empty() || sps.size() > kMaxRecordSps || pps.size() > kMaxRecordPps) {
    return Error("AVC record: " + std::to_string(sps.size()) + " SPS and " + std::to_string(pps.size()) +
                 " PPS, limits 1..31 and 0..255");
  }
  if (auto status = checkUnitTypes(sps, kNalTypeSps, kSpsLevelEnd, "SPS"); !status) {
    return status.error();
  }
  if (auto status = checkUnitTypes(pps, kNalTypePps, 1, "PPS"); !status) {
    return status.error();
  }
  const auto first = sps.front();
  BytesBuilder out;
  out.appendByte(1);  // configurationVersion
  out.append(first.subspan(1, 3));
  out.appendByte(0xFC | (kRecordNalLengthSize - 1));  // lengthSizeMinusOne
  out.appendByte(static_cast<uint8_t>(0xE0 | sps.size()));
  if (auto status = appendLengthPrefixed(out, sps, kRecordUnitLengthSize); !status) {
    return status.error().wrap("AVC record");
  }
  out.appendByte(static_cast<uint8_t>(pps.size()));
  if (auto status = appendLengthPrefixed(out, pps, kRecordUnitLengthSize); !status) {
    return status.error().wrap("AVC record");
  }
  // The profiles whose SPS carries chroma format and bit depths repeat them in the record.
  if (hasChromaInfo(first[1])) {
    auto info = parseH264Sps(first);
    if (!info) {
      return info.error().wrap("AVC record");
    }
    out.appendByte(static_cast<uint8_t>(0xFC | info->chromaFormatIdc));
    out.appendByte(static_cast<uint8_t>(0xF8 | (info->bitDepthLuma - 8)));
    out.appendByte(static_cast<uint8_t>(0xF8 | (info->bitDepthChroma - 8)));
    out.appendByte(0);  // numOfSequenceParameterSetExt
  }
  return out.freeze();
}

}  // namespace rtsedge::codec
