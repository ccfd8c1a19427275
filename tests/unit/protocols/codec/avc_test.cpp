#include "protocols/codec/avc.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace rtsedge::codec {
namespace {

// AVCDecoderConfigurationRecords written by ffmpeg 5.1 + libx264 into FLV (-x264-params info=0).
// testsrc2=size=1280x720:rate=25, High profile.
constexpr uint8_t kRecord720p25[] = {
    0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50,
    0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83,
    0x19, 0x60, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};
// testsrc2=size=1920x1080:rate=30, High: coded 1920x1088, cropped by 8 rows.
constexpr uint8_t kRecord1080p30[] = {
    0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x1b, 0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78,
    0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c,
    0x60, 0xc6, 0x58, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};
// testsrc2=size=320x240:rate=30, -profile:v baseline (no chroma fields in the SPS).
constexpr uint8_t kRecordBaseline240p[] = {
    0x01, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0x00, 0x18, 0x67, 0x42, 0xc0, 0x0d, 0xd9, 0x01,
    0x41, 0xfb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0,
    0xf1, 0x42, 0xa4, 0x80, 0x01, 0x00, 0x05, 0x68, 0xcb, 0x83, 0xcb, 0x20,
};
// testsrc2=size=1920x1080:rate=25, interlaced=1: frame_mbs_only_flag 0, crop counted in field rows.
constexpr uint8_t kRecordInterlaced1080i[] = {
    0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78,
    0x04, 0x4f, 0xde, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x43, 0xe2, 0xc5,
    0xb2, 0xc0, 0x01, 0x00, 0x06, 0x68, 0xfb, 0xa3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};
// testsrc2=size=1280x720:rate=30000/1001, -pix_fmt yuv444p: High 4:4:4 Predictive,
// chroma_format_idc 3.
constexpr uint8_t kRecordHigh444[] = {
    0x01, 0xf4, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x18, 0x67, 0xf4, 0x00, 0x1f, 0x91, 0x9b, 0x28,
    0x0a, 0x00, 0xb7, 0x60, 0x22, 0x00, 0x00, 0x07, 0xd2, 0x00, 0x01, 0xd4, 0xc0, 0x1e, 0x30,
    0x63, 0x2c, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xc4, 0x48, 0x44, 0xff, 0xf8, 0xf8, 0x00,
};

// Crafted Baseline SPSs (67 42 00 1e, then the fields named), emulation prevention applied.
constexpr uint8_t kSpsWidth32768[] = {0x67, 0x42, 0x00, 0x1e, 0xda, 0x00, 0x08, 0x00, 0xe4};
constexpr uint8_t kSpsWidth32784[] = {0x67, 0x42, 0x00, 0x1e, 0xda, 0x00, 0x08, 0x01, 0xe4};
// pic_width_in_mbs_minus1 = 2^32 - 2, the largest ue(v).
constexpr uint8_t kSpsWidthMaxUe[] = {0x67, 0x42, 0x00, 0x1e, 0xda, 0x00, 0x00, 0x03,
                                      0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xe4};
// One macroblock, frame_crop_left_offset 8: 16 luma columns cropped from 16.
constexpr uint8_t kSpsCropAll[] = {0x67, 0x42, 0x00, 0x1e, 0xda, 0x7c, 0x4f, 0x40};
// pic_order_cnt_type 1 with a cycle of 2, then a 16x16 picture.
constexpr uint8_t kSpsPocCycle2[] = {0x67, 0x42, 0x00, 0x1e, 0xd1, 0x91, 0x98, 0x4a, 0x79};
// pic_order_cnt_type 1 with a cycle of 256, one over the limit.
constexpr uint8_t kSpsPocCycle256[] = {0x67, 0x42, 0x00, 0x1e, 0xd3, 0x00, 0x80, 0xa7, 0x90};
// Field coding, 120x34 map units, frame_crop_bottom_offset 2: 1920x1080.
constexpr uint8_t kSpsFields1080[] = {0x67, 0x42, 0x00, 0x1e, 0xda, 0x01, 0xe0, 0x11, 0x1f, 0x68};
// High profile with chroma_format_idc 4.
constexpr uint8_t kSpsChroma4[] = {0x67, 0x64, 0x00, 0x1e, 0x94, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x02};

H264SpsInfo spsOf(std::span<const uint8_t> record) {
  auto config = parseAvcDecoderConfigurationRecord(record);
  REQUIRE(config.isOk());
  REQUIRE(config->sps.size() == 1);
  auto sps = parseH264Sps(config->sps.front());
  REQUIRE_MESSAGE(sps.isOk(), sps.error().message());
  return *sps;
}

TEST_CASE("AVC record: fields and parameter sets point into the record") {
  auto config = parseAvcDecoderConfigurationRecord(kRecord720p25);
  REQUIRE(config.isOk());
  CHECK(config->version == 1);
  CHECK(config->profileIndication == 100);
  CHECK(config->profileCompatibility == 0);
  CHECK(config->levelIndication == 31);
  CHECK(config->nalLengthSize == 4);
  REQUIRE(config->sps.size() == 1);
  REQUIRE(config->pps.size() == 1);
  CHECK(config->sps[0].data() == kRecord720p25 + 8);
  CHECK(config->sps[0].size() == 26);
  CHECK(config->pps[0].data() == kRecord720p25 + 37);
  CHECK(config->pps[0].size() == 6);
}

TEST_CASE("H.264 SPS: size and frame rate of real x264 streams") {
  const H264SpsInfo p720 = spsOf(kRecord720p25);
  CHECK(p720.profileIdc == 100);
  CHECK(p720.levelIdc == 31);
  CHECK(p720.chromaFormatIdc == 1);
  CHECK(p720.bitDepthLuma == 8);
  CHECK(p720.width == 1280);
  CHECK(p720.height == 720);
  CHECK(p720.frameRate == doctest::Approx(25));

  const H264SpsInfo p1080 = spsOf(kRecord1080p30);
  CHECK(p1080.width == 1920);
  CHECK(p1080.height == 1080);
  CHECK(p1080.frameRate == doctest::Approx(30));

  const H264SpsInfo baseline = spsOf(kRecordBaseline240p);
  CHECK(baseline.profileIdc == 66);
  CHECK(baseline.width == 320);
  CHECK(baseline.height == 240);
  CHECK(baseline.frameRate == doctest::Approx(30));

  const H264SpsInfo interlaced = spsOf(kRecordInterlaced1080i);
  CHECK(interlaced.width == 1920);
  CHECK(interlaced.height == 1080);
  CHECK(interlaced.frameRate == doctest::Approx(25));

  const H264SpsInfo high444 = spsOf(kRecordHigh444);
  CHECK(high444.profileIdc == 244);
  CHECK(high444.chromaFormatIdc == 3);
  CHECK(high444.width == 1280);
  CHECK(high444.height == 720);
  CHECK(high444.frameRate == doctest::Approx(30000.0 / 1001));
}

TEST_CASE("H.264 SPS: crafted geometry at and past the limits") {
  auto wide = parseH264Sps(kSpsWidth32768);
  REQUIRE(wide.isOk());
  CHECK(wide->width == 32768);
  CHECK(wide->height == 16);
  CHECK(wide->frameRate == 0);
  CHECK_FALSE(parseH264Sps(kSpsWidth32784).isOk());
  CHECK_FALSE(parseH264Sps(kSpsWidthMaxUe).isOk());
  CHECK_FALSE(parseH264Sps(kSpsCropAll).isOk());
  CHECK_FALSE(parseH264Sps(kSpsPocCycle256).isOk());
  CHECK_FALSE(parseH264Sps(kSpsChroma4).isOk());

  auto poc = parseH264Sps(kSpsPocCycle2);
  REQUIRE(poc.isOk());
  CHECK(poc->width == 16);
  CHECK(poc->height == 16);

  auto fields = parseH264Sps(kSpsFields1080);
  REQUIRE(fields.isOk());
  CHECK(fields->width == 1920);
  CHECK(fields->height == 1080);
}

TEST_CASE("H.264 SPS: not an SPS") {
  constexpr uint8_t kPps[] = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
  CHECK_FALSE(parseH264Sps(kPps).isOk());
  CHECK_FALSE(parseH264Sps({}).isOk());
}

TEST_CASE("AVC record: every truncation fails until the PPS list is whole") {
  // 6 header bytes + 2 + 26 SPS + 1 + 2 + 6 PPS; the trailing High-profile fields are optional.
  constexpr size_t kParameterSetsEnd = 43;
  for (size_t length = 0; length <= sizeof(kRecord720p25); ++length) {
    CAPTURE(length);
    auto config = parseAvcDecoderConfigurationRecord(std::span(kRecord720p25, length));
    CHECK(config.isOk() == (length >= kParameterSetsEnd));
  }
}

TEST_CASE("AVC record: bad version, NAL length size 3, zero-length and overlong parameter sets") {
  std::vector<uint8_t> record(std::begin(kRecord720p25), std::end(kRecord720p25));
  auto mutated = [&](size_t index, uint8_t value) {
    auto copy = record;
    copy[index] = value;
    return parseAvcDecoderConfigurationRecord(copy);
  };
  CHECK_FALSE(mutated(0, 0).isOk());
  CHECK_FALSE(mutated(4, 0xFE).isOk());         // lengthSizeMinusOne 2
  CHECK(mutated(4, 0xFC)->nalLengthSize == 1);  // lengthSizeMinusOne 0
  CHECK_FALSE(mutated(7, 0x00).isOk());         // SPS length 0
  CHECK_FALSE(mutated(6, 0xFF).isOk());         // SPS length 0xFF1A
  CHECK_FALSE(mutated(5, 0xFF).isOk());         // 31 SPS announced
  CHECK(mutated(34, 0x00)->pps.empty());        // no PPS
}

TEST_CASE("AVC record and SPS: truncations and bit flips never crash") {
  for (const auto record :
       {std::span<const uint8_t>(kRecord720p25), std::span<const uint8_t>(kRecord1080p30),
        std::span<const uint8_t>(kRecordBaseline240p), std::span<const uint8_t>(kRecordInterlaced1080i),
        std::span<const uint8_t>(kRecordHigh444)}) {
    std::vector<uint8_t> copy(record.begin(), record.end());
    for (size_t bit = 0; bit < copy.size() * 8; ++bit) {
      copy[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      if (auto config = parseAvcDecoderConfigurationRecord(copy); config && !config->sps.empty()) {
        (void)parseH264Sps(config->sps.front());
      }
      copy[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
    auto sps = parseAvcDecoderConfigurationRecord(record)->sps.front();
    for (size_t length = 0; length <= sps.size(); ++length) {
      auto info = parseH264Sps(sps.first(length));
      if (info) {
        CHECK(info->width > 0);
      }
    }
  }
}

TEST_CASE("AVC record and SPS: random garbage never crashes") {
  std::mt19937 random(20240601);
  std::vector<uint8_t> data;
  for (int round = 0; round < 20000; ++round) {
    data.resize(random() % 64);
    for (auto& byte : data) {
      byte = static_cast<uint8_t>(random());
    }
    (void)parseAvcDecoderConfigurationRecord(data);
    if (!data.empty()) {
      data[0] = 0x67;
    }
    (void)parseH264Sps(data);
  }
}

// testsrc=size=320x240:rate=25, -pix_fmt yuv420p10le (ffmpeg 5.1 + libx264 into MP4): High 10,
// both bit depths 10.
constexpr uint8_t kRecordHigh10[] = {
    0x01, 0x6e, 0x00, 0x0d, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x6e, 0x00, 0x0d, 0xa6, 0xcd, 0x94, 0x14,
    0x1f, 0xb0, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x14, 0x29,
    0x96, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xfa, 0xfa, 0x00,
};

using Units = std::vector<std::span<const uint8_t>>;

bool sameUnits(const Units& actual, const Units& expected) {
  return std::equal(actual.begin(), actual.end(), expected.begin(), expected.end(),
                    [](auto a, auto b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); });
}

TEST_CASE("AVC record build: ffmpeg's records rebuilt byte for byte from their parameter sets") {
  for (const auto record :
       {std::span<const uint8_t>(kRecord720p25), std::span<const uint8_t>(kRecord1080p30),
        std::span<const uint8_t>(kRecordBaseline240p), std::span<const uint8_t>(kRecordInterlaced1080i),
        std::span<const uint8_t>(kRecordHigh444), std::span<const uint8_t>(kRecordHigh10)}) {
    auto config = parseAvcDecoderConfigurationRecord(record);
    REQUIRE(config.isOk());
    auto rebuilt = buildAvcDecoderConfigurationRecord(config->sps, config->pps);
    REQUIRE_MESSAGE(rebuilt.isOk(), rebuilt.error().message());
    CHECK(*rebuilt == Bytes::copyOf(record));

    auto reparsed = parseAvcDecoderConfigurationRecord(rebuilt->span());
    REQUIRE(reparsed.isOk());
    CHECK(reparsed->version == 1);
    CHECK(reparsed->profileIndication == config->profileIndication);
    CHECK(reparsed->profileCompatibility == config->profileCompatibility);
    CHECK(reparsed->levelIndication == config->levelIndication);
    CHECK(reparsed->nalLengthSize == 4);
    CHECK(sameUnits(reparsed->sps, config->sps));
    CHECK(sameUnits(reparsed->pps, config->pps));
  }
}

TEST_CASE("AVC record build: chroma format and bit depths of the high profiles") {
  const H264SpsInfo high10 = spsOf(kRecordHigh10);
  CHECK(high10.profileIdc == 110);
  CHECK(high10.bitDepthLuma == 10);
  CHECK(high10.bitDepthChroma == 10);
  CHECK(spsOf(kRecordHigh444).bitDepthChroma == 8);

  // The tail: chroma_format, bit depths minus 8, numOfSequenceParameterSetExt.
  auto config = parseAvcDecoderConfigurationRecord(kRecordHigh444);
  auto record = buildAvcDecoderConfigurationRecord(config->sps, config->pps);
  REQUIRE(record.isOk());
  const auto tail = record->span().last(4);
  CHECK(std::vector<uint8_t>(tail.begin(), tail.end()) == std::vector<uint8_t>{0xff, 0xf8, 0xf8, 0x00});
}

TEST_CASE("AVC record build: parameter sets it refuses") {
  auto config = parseAvcDecoderConfigurationRecord(kRecord720p25);
  REQUIRE(config.isOk());
  const auto sps = config->sps.front();
  const auto pps = config->pps.front();
  constexpr uint8_t kShortSps[] = {0x67, 0x64, 0x00};
  constexpr uint8_t kBaselineHeaderOnly[] = {0x67, 0x42, 0xc0, 0x0d};
  const std::vector<uint8_t> empty;
  CHECK(buildAvcDecoderConfigurationRecord(Units{sps}, Units{pps}).isOk());
  CHECK(buildAvcDecoderConfigurationRecord(Units{sps}, Units{}).isOk());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{}, Units{pps}).isOk());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{kShortSps}, Units{pps}).isOk());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{pps}, Units{pps}).isOk());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{sps}, Units{sps}).isOk());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{sps}, Units{empty}).isOk());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{sps, empty}, Units{pps}).isOk());
  // High profile: the record repeats SPS fields, so the SPS must parse. Baseline: only its first bytes count.
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{kSpsChroma4}, Units{pps}).isOk());
  CHECK(buildAvcDecoderConfigurationRecord(Units{kBaselineHeaderOnly}, Units{pps}).isOk());

  const Units sps31(31, sps);
  const Units pps255(255, pps);
  auto most = buildAvcDecoderConfigurationRecord(sps31, pps255);
  REQUIRE(most.isOk());
  auto reparsed = parseAvcDecoderConfigurationRecord(most->span());
  REQUIRE(reparsed.isOk());
  CHECK(reparsed->sps.size() == 31);
  CHECK(reparsed->pps.size() == 255);
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units(32, sps), Units{pps}).isOk());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{sps}, Units(256, pps)).isOk());

  std::vector<uint8_t> longSps(65536, 0xaa);
  std::copy(std::begin(kBaselineHeaderOnly), std::end(kBaselineHeaderOnly), longSps.begin());
  CHECK_FALSE(buildAvcDecoderConfigurationRecord(Units{longSps}, Units{pps}).isOk());
  longSps.pop_back();
  CHECK(buildAvcDecoderConfigurationRecord(Units{longSps}, Units{pps}).isOk());
}

TEST_CASE("AVC record build: random SPS never crash, and what is built parses back") {
  std::mt19937 random(20240613);
  std::vector<uint8_t> sps;
  constexpr uint8_t kPps[] = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
  for (int round = 0; round < 20000; ++round) {
    sps.resize(random() % 32);
    for (auto& byte : sps) {
      byte = static_cast<uint8_t>(random());
    }
    if (!sps.empty()) {
      sps[0] = 0x67;
    }
    if (sps.size() > 1 && round % 2 == 0) {
      sps[1] = 100;  // High: the SPS is parsed
    }
    if (auto record = buildAvcDecoderConfigurationRecord(Units{sps}, Units{kPps})) {
      auto config = parseAvcDecoderConfigurationRecord(record->span());
      REQUIRE(config.isOk());
      CHECK(sameUnits(config->sps, Units{sps}));
    }
  }
}

}  // namespace
}  // namespace rtsedge::codec
