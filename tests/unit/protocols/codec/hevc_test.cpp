#include "protocols/codec/hevc.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "tests/unit/fixtures/hevc_records.h"

namespace rtsedge::codec {
namespace {

// HEVCDecoderConfigurationRecords (hvcC boxes) written by ffmpeg 5.1 + libx265 into MP4
// (-x265-params info=0): VPS, SPS, PPS arrays of one unit each.
// testsrc2=size=640x362: Main, coded 640x368 with a 6-row conformance window.
using fixtures::kHvcc640x362;
// testsrc2=size=1920x1080: Main, level 4.
constexpr uint8_t kHvcc1080p[] = {
    0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8,
    0x00, 0x00, 0x0f, 0x03, 0x20, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0x95, 0x98, 0x09, 0x21, 0x00, 0x01, 0x00, 0x2a,
    0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0xa0,
    0x03, 0xc0, 0x80, 0x10, 0xe5, 0x96, 0x56, 0x69, 0x24, 0xca, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80,
    0x00, 0x00, 0x0f, 0x04, 0x22, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};
// testsrc2=size=646x362, yuv422p, temporal-layers=1: RExt, two sub-layers, conformance window
// of 2 columns (1 chroma unit) and 6 rows (6 chroma units).
constexpr uint8_t kHvcc422[] = {
    0x01, 0x04, 0x08, 0x00, 0x00, 0x00, 0x9d, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3f, 0xf0, 0x00, 0xfc, 0xfe,
    0xf8, 0xf8, 0x00, 0x00, 0x13, 0x03, 0x20, 0x00, 0x01, 0x00, 0x1b, 0x40, 0x01, 0x0c, 0x02, 0xff, 0xff,
    0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9d, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x95,
    0x98, 0xac, 0xc0, 0x48, 0x21, 0x00, 0x01, 0x00, 0x2d, 0x42, 0x01, 0x02, 0x04, 0x08, 0x00, 0x00, 0x03,
    0x00, 0x9d, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x3f, 0x00, 0x00, 0xb0, 0x05, 0x12, 0x01, 0x71, 0xd4,
    0xf9, 0x65, 0x66, 0x2b, 0x34, 0x92, 0x65, 0x78, 0x0b, 0x40, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00,
    0x00, 0x07, 0x82, 0x22, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

// In the records above: numOfArrays, then the first array's type, count and unit length.
constexpr size_t kArrayCountAt = 22;
constexpr size_t kFirstNalCountAt = 24;
constexpr size_t kFirstNalLengthAt = 26;

H265SpsInfo spsOf(std::span<const uint8_t> record) {
  auto config = parseHevcDecoderConfigurationRecord(record);
  REQUIRE(config.isOk());
  auto sps = parseH265Sps(config->firstNalUnit(HevcNalType::kSps));
  REQUIRE_MESSAGE(sps.isOk(), sps.error().message());
  return *sps;
}

TEST_CASE("HEVC record: header fields and NAL arrays") {
  auto config = parseHevcDecoderConfigurationRecord(kHvcc640x362);
  REQUIRE(config.isOk());
  CHECK(config->version == 1);
  CHECK(config->profileSpace == 0);
  CHECK_FALSE(config->tier);
  CHECK(config->profileIdc == 1);
  CHECK(config->profileCompatibilityFlags == 0x60000000);
  CHECK(config->levelIdc == 63);
  CHECK(config->chromaFormatIdc == 1);
  CHECK(config->bitDepthLuma == 8);
  CHECK(config->bitDepthChroma == 8);
  CHECK(config->avgFrameRate == 0);
  CHECK(config->numTemporalLayers == 1);
  CHECK(config->nalLengthSize == 4);
  REQUIRE(config->arrays.size() == 3);
  CHECK(config->arrays[0].nalType == 32);
  CHECK(config->arrays[1].nalType == 33);
  CHECK(config->arrays[2].nalType == 34);
  const auto sps = config->firstNalUnit(HevcNalType::kSps);
  CHECK(sps.data() == kHvcc640x362 + 57);
  CHECK(sps.size() == 43);
  CHECK(config->firstNalUnit(HevcNalType::kPps).size() == 7);
  CHECK(config->firstNalUnit(HevcNalType::kVps).size() == 24);

  auto rext = parseHevcDecoderConfigurationRecord(kHvcc422);
  REQUIRE(rext.isOk());
  CHECK(rext->profileIdc == 4);
  CHECK(rext->chromaFormatIdc == 2);
  CHECK(rext->numTemporalLayers == 2);
}

TEST_CASE("H.265 SPS: picture size after the conformance window") {
  const H265SpsInfo small = spsOf(kHvcc640x362);
  CHECK(small.profileIdc == 1);
  CHECK(small.levelIdc == 63);
  CHECK(small.width == 640);
  CHECK(small.height == 362);

  const H265SpsInfo hd = spsOf(kHvcc1080p);
  CHECK(hd.levelIdc == 120);
  CHECK(hd.width == 1920);
  CHECK(hd.height == 1080);

  const H265SpsInfo rext = spsOf(kHvcc422);
  CHECK(rext.profileIdc == 4);
  CHECK(rext.chromaFormatIdc == 2);
  CHECK(rext.width == 646);
  CHECK(rext.height == 362);
}

TEST_CASE("HEVC record: every truncation fails") {
  for (size_t length = 0; length < sizeof(kHvcc640x362); ++length) {
    CAPTURE(length);
    CHECK_FALSE(parseHevcDecoderConfigurationRecord(std::span(kHvcc640x362, length)).isOk());
  }
}

TEST_CASE("HEVC record: versions, NAL length size and limits") {
  auto mutated = [](size_t index, uint8_t value) {
    std::vector<uint8_t> copy(std::begin(kHvcc640x362), std::end(kHvcc640x362));
    copy[index] = value;
    return parseHevcDecoderConfigurationRecord(copy);
  };
  CHECK(mutated(0, 0).isOk());  // early muxers
  CHECK_FALSE(mutated(0, 2).isOk());
  CHECK_FALSE(mutated(21, 0x0E).isOk());  // lengthSizeMinusOne 2
  CHECK(mutated(kArrayCountAt, 0)->arrays.empty());
  CHECK_FALSE(mutated(kArrayCountAt, kMaxHevcNalArrays + 1).isOk());
  CHECK_FALSE(mutated(kFirstNalCountAt, kMaxHevcNalUnitsPerArray + 1).isOk());
  CHECK_FALSE(mutated(kFirstNalLengthAt, 0xFF).isOk());
  auto zeroLength = mutated(kFirstNalLengthAt + 1, 0);
  CHECK_FALSE(zeroLength.isOk());

  auto empty = mutated(kFirstNalCountAt + 1, 0);  // VPS array with no unit: the rest misparses
  CHECK_FALSE(empty.isOk());
}

TEST_CASE("H.265 SPS: not an SPS, too many sub-layers") {
  auto config = parseHevcDecoderConfigurationRecord(kHvcc640x362);
  REQUIRE(config.isOk());
  CHECK_FALSE(parseH265Sps(config->firstNalUnit(HevcNalType::kPps)).isOk());
  CHECK_FALSE(parseH265Sps({}).isOk());
  auto sps = config->firstNalUnit(HevcNalType::kSps);
  std::vector<uint8_t> copy(sps.begin(), sps.end());
  copy[2] = 0x0F;  // sps_max_sub_layers_minus1 = 7
  CHECK_FALSE(parseH265Sps(copy).isOk());
}

TEST_CASE("HEVC record and SPS: truncations and bit flips never crash") {
  for (const auto record : {std::span<const uint8_t>(kHvcc640x362), std::span<const uint8_t>(kHvcc1080p),
                            std::span<const uint8_t>(kHvcc422)}) {
    std::vector<uint8_t> copy(record.begin(), record.end());
    for (size_t bit = 0; bit < copy.size() * 8; ++bit) {
      copy[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      if (auto config = parseHevcDecoderConfigurationRecord(copy)) {
        (void)parseH265Sps(config->firstNalUnit(HevcNalType::kSps));
      }
      copy[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
    auto sps = parseHevcDecoderConfigurationRecord(record)->firstNalUnit(HevcNalType::kSps);
    for (size_t length = 0; length <= sps.size(); ++length) {
      auto info = parseH265Sps(sps.first(length));
      if (info) {
        CHECK(info->width > 0);
      }
    }
  }
}

TEST_CASE("HEVC record and SPS: random garbage never crashes") {
  std::mt19937 random(20240602);
  std::vector<uint8_t> data;
  for (int round = 0; round < 20000; ++round) {
    data.resize(random() % 96);
    for (auto& byte : data) {
      byte = static_cast<uint8_t>(random());
    }
    (void)parseHevcDecoderConfigurationRecord(data);
    if (data.size() >= 2) {
      data[0] = 0x42;
      data[1] = 0x01;
    }
    (void)parseH265Sps(data);
  }
}

// testsrc=size=320x240:rate=25, -pix_fmt yuv420p10le (ffmpeg 5.1 + libx265 into MP4): Main 10.
constexpr uint8_t kHvccMain10[] = {
    0x01, 0x02, 0x20, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3c, 0xf0, 0x00, 0xfc, 0xfd, 0xfa, 0xfa,
    0x00, 0x00, 0x0f, 0x03, 0x20, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x02, 0x20, 0x00, 0x00,
    0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95, 0x98, 0x09, 0x21, 0x00, 0x01, 0x00, 0x2a,
    0x42, 0x01, 0x01, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0xa0,
    0x0a, 0x08, 0x0f, 0x13, 0x65, 0x95, 0x9a, 0x49, 0x32, 0xbc, 0x05, 0xa0, 0x20, 0x00, 0x00, 0x03, 0x00, 0x20, 0x00,
    0x00, 0x03, 0x03, 0x21, 0x22, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

using Units = std::vector<std::span<const uint8_t>>;

bool sameUnits(const Units& actual, const Units& expected) {
  return std::equal(actual.begin(), actual.end(), expected.begin(), expected.end(),
                    [](auto a, auto b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); });
}

Units unitsOf(const HevcConfig& config, HevcNalType type) {
  for (const auto& array : config.arrays) {
    if (array.nalType == static_cast<uint8_t>(type)) {
      return array.units;
    }
  }
  return {};
}

Result<Bytes> rebuild(const HevcConfig& config) {
  return buildHevcDecoderConfigurationRecord(unitsOf(config, HevcNalType::kVps), unitsOf(config, HevcNalType::kSps),
                                             unitsOf(config, HevcNalType::kPps));
}

TEST_CASE("H.265 SPS: general profile_tier_level read through emulation prevention, sub-layers, bit depths") {
  // The 640x362 SPS escapes its constraint flags: 60 00 00 03 00 90 00 00 03 00 00 03 00 3f.
  const H265SpsInfo main = spsOf(kHvcc640x362);
  CHECK(main.profileSpace == 0);
  CHECK_FALSE(main.tier);
  CHECK(main.profileCompatibilityFlags == 0x60000000);
  CHECK(main.constraintIndicatorFlags == 0x900000000000);
  CHECK(main.levelIdc == 63);
  CHECK(main.maxSubLayers == 1);
  CHECK(main.temporalIdNesting);
  CHECK(main.bitDepthLuma == 8);
  CHECK(main.bitDepthChroma == 8);

  const H265SpsInfo rext = spsOf(kHvcc422);
  CHECK(rext.profileCompatibilityFlags == 0x08000000);
  CHECK(rext.constraintIndicatorFlags == 0x9d0800000000);
  CHECK(rext.maxSubLayers == 2);
  CHECK_FALSE(rext.temporalIdNesting);

  const H265SpsInfo main10 = spsOf(kHvccMain10);
  CHECK(main10.profileIdc == 2);
  CHECK(main10.bitDepthLuma == 10);
  CHECK(main10.bitDepthChroma == 10);
  CHECK(main10.width == 320);
  CHECK(main10.height == 240);
}

TEST_CASE("HEVC record build: ffmpeg's records rebuilt from their parameter sets, arrays marked complete") {
  for (const auto record : {std::span<const uint8_t>(kHvcc640x362), std::span<const uint8_t>(kHvcc1080p),
                            std::span<const uint8_t>(kHvcc422), std::span<const uint8_t>(kHvccMain10)}) {
    auto config = parseHevcDecoderConfigurationRecord(record);
    REQUIRE(config.isOk());
    auto rebuilt = rebuild(*config);
    REQUIRE_MESSAGE(rebuilt.isOk(), rebuilt.error().message());

    // ffmpeg writes array_completeness 0; otherwise the bytes are the same.
    std::vector<uint8_t> expected(record.begin(), record.end());
    for (const auto& array : config->arrays) {
      const size_t arrayHeaderAt = static_cast<size_t>(array.units.front().data() - record.data()) - 5;
      expected[arrayHeaderAt] |= 0x80;
    }
    CHECK(*rebuilt == Bytes::copyOf(expected));

    auto reparsed = parseHevcDecoderConfigurationRecord(rebuilt->span());
    REQUIRE(reparsed.isOk());
    CHECK(reparsed->version == 1);
    CHECK(reparsed->profileSpace == config->profileSpace);
    CHECK(reparsed->tier == config->tier);
    CHECK(reparsed->profileIdc == config->profileIdc);
    CHECK(reparsed->profileCompatibilityFlags == config->profileCompatibilityFlags);
    CHECK(reparsed->levelIdc == config->levelIdc);
    CHECK(reparsed->chromaFormatIdc == config->chromaFormatIdc);
    CHECK(reparsed->bitDepthLuma == config->bitDepthLuma);
    CHECK(reparsed->bitDepthChroma == config->bitDepthChroma);
    CHECK(reparsed->avgFrameRate == 0);
    CHECK(reparsed->numTemporalLayers == config->numTemporalLayers);
    CHECK(reparsed->nalLengthSize == 4);
    REQUIRE(reparsed->arrays.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(reparsed->arrays[i].complete);
      CHECK(reparsed->arrays[i].nalType == config->arrays[i].nalType);
      CHECK(sameUnits(reparsed->arrays[i].units, config->arrays[i].units));
    }
  }
}

TEST_CASE("HEVC record build: parameter sets it refuses") {
  auto config = parseHevcDecoderConfigurationRecord(kHvcc640x362);
  REQUIRE(config.isOk());
  const auto vps = config->firstNalUnit(HevcNalType::kVps);
  const auto sps = config->firstNalUnit(HevcNalType::kSps);
  const auto pps = config->firstNalUnit(HevcNalType::kPps);
  const std::vector<uint8_t> headerOnly = {0x44, 0x01};
  CHECK(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units{pps}).isOk());
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{}, Units{sps}, Units{pps}).isOk());
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{vps}, Units{}, Units{pps}).isOk());
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units{}).isOk());
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{pps}, Units{sps}, Units{pps}).isOk());
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{vps}, Units{vps}, Units{pps}).isOk());
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units{pps, sps}).isOk());
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units{headerOnly}).isOk());

  CHECK(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units(kMaxHevcNalUnitsPerArray, pps)).isOk());
  CHECK_FALSE(
      buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units(kMaxHevcNalUnitsPerArray + 1, pps)).isOk());
  std::vector<uint8_t> longPps(65536, 0xaa);
  longPps[0] = 0x44;
  longPps[1] = 0x01;
  CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units{longPps}).isOk());
  longPps.pop_back();
  CHECK(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units{longPps}).isOk());

  // Every SPS truncated before its bit depths.
  for (size_t length = 0; length < 20; ++length) {
    CHECK_FALSE(buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps.first(length)}, Units{pps}).isOk());
  }
}

TEST_CASE("HEVC record build: random SPS never crash, and what is built parses back") {
  auto config = parseHevcDecoderConfigurationRecord(kHvcc640x362);
  REQUIRE(config.isOk());
  const auto vps = config->firstNalUnit(HevcNalType::kVps);
  const auto pps = config->firstNalUnit(HevcNalType::kPps);
  std::mt19937 random(20240614);
  std::vector<uint8_t> sps;
  for (int round = 0; round < 20000; ++round) {
    sps.resize(2 + random() % 40);
    for (auto& byte : sps) {
      byte = static_cast<uint8_t>(random());
    }
    sps[0] = 0x42;
    sps[1] = 0x01;
    if (auto record = buildHevcDecoderConfigurationRecord(Units{vps}, Units{sps}, Units{pps})) {
      auto reparsed = parseHevcDecoderConfigurationRecord(record->span());
      REQUIRE(reparsed.isOk());
      CHECK(sameUnits(unitsOf(*reparsed, HevcNalType::kSps), Units{sps}));
    }
  }
}

}  // namespace
}  // namespace rtsedge::codec
