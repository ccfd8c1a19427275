#include "protocols/codec/aac.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace rtsedge::codec {
namespace {

// AudioSpecificConfigs from ffmpeg 5.1's aac encoder in FLV: LC then a sync extension
// (0x2b7) that says "no SBR", which the parser reads past.
constexpr uint8_t kLc48kStereo[] = {0x11, 0x90, 0x56, 0xe5, 0x00};
constexpr uint8_t kLc44kMono[] = {0x12, 0x08, 0x56, 0xe5, 0x00};
// Hand-packed (fields in bits): explicit HE-AAC: AOT 5, core index 6 (24 kHz), 2 channels,
// extension index 3 (48 kHz), core AOT 2.
constexpr uint8_t kHeAac[] = {0x2b, 0x11, 0x88};
// HE-AAC v2: AOT 29, index 6, 1 channel (PS makes it stereo), extension index 3, AOT 2.
constexpr uint8_t kHeAacV2[] = {0xeb, 0x09, 0x88};
// HE-AAC with explicit rates: AOT 5, index 15 + 22050, 1 channel, index 15 + 44100, AOT 2.
constexpr uint8_t kHeAacExplicitRates[] = {0x2f, 0x80, 0x2b, 0x11, 0x0f, 0x80, 0x56, 0x22, 0x08};
// LC at an explicit 50000 Hz, 2 channels.
constexpr uint8_t kLcExplicit50000[] = {0x17, 0x80, 0x61, 0xa8, 0x10};
// Escaped object type 31 + 10 = 42 (USAC), index 3, 2 channels.
constexpr uint8_t kEscapedObjectType[] = {0xf9, 0x46, 0x40};

TEST_CASE("AAC config: LC from ffmpeg") {
  auto stereo = parseAudioSpecificConfig(kLc48kStereo);
  REQUIRE(stereo.isOk());
  CHECK(stereo->objectType == kAacLc);
  CHECK(stereo->coreObjectType == kAacLc);
  CHECK(stereo->sampleRate == 48000);
  CHECK(stereo->coreSampleRate == 48000);
  CHECK(stereo->channelConfiguration == 2);
  CHECK(stereo->channels == 2);
  CHECK_FALSE(stereo->sbr);

  auto mono = parseAudioSpecificConfig(kLc44kMono);
  REQUIRE(mono.isOk());
  CHECK(mono->sampleRate == 44100);
  CHECK(mono->channels == 1);
}

TEST_CASE("AAC config: explicit HE-AAC and HE-AAC v2") {
  auto he = parseAudioSpecificConfig(kHeAac);
  REQUIRE(he.isOk());
  CHECK(he->objectType == kAacSbr);
  CHECK(he->coreObjectType == kAacLc);
  CHECK(he->sbr);
  CHECK_FALSE(he->ps);
  CHECK(he->coreSampleRate == 24000);
  CHECK(he->sampleRate == 48000);
  CHECK(he->channels == 2);

  auto v2 = parseAudioSpecificConfig(kHeAacV2);
  REQUIRE(v2.isOk());
  CHECK(v2->objectType == kAacPs);
  CHECK(v2->ps);
  CHECK(v2->channelConfiguration == 1);
  CHECK(v2->channels == 2);
  CHECK(v2->sampleRate == 48000);

  auto explicitRates = parseAudioSpecificConfig(kHeAacExplicitRates);
  REQUIRE(explicitRates.isOk());
  CHECK(explicitRates->coreSampleRate == 22050);
  CHECK(explicitRates->sampleRate == 44100);
  CHECK(explicitRates->channels == 1);
  CHECK(explicitRates->coreObjectType == kAacLc);
}

TEST_CASE("AAC config: explicit rate and escaped object type") {
  auto rate = parseAudioSpecificConfig(kLcExplicit50000);
  REQUIRE(rate.isOk());
  CHECK(rate->sampleRate == 50000);
  CHECK(rate->channels == 2);

  auto escaped = parseAudioSpecificConfig(kEscapedObjectType);
  REQUIRE(escaped.isOk());
  CHECK(escaped->objectType == 42);
  CHECK(escaped->sampleRate == 48000);
  CHECK(escaped->channels == 2);
}

TEST_CASE("AAC config: channel configurations") {
  constexpr uint8_t kSevenOne[] = {0x11, 0xb8};   // configuration 7: 8 channels
  constexpr uint8_t kFromPce[] = {0x11, 0x80};    // configuration 0: a PCE decides
  constexpr uint8_t kReserved8[] = {0x11, 0xc0};  // configuration 8: reserved
  CHECK(parseAudioSpecificConfig(kSevenOne)->channels == 8);
  CHECK(parseAudioSpecificConfig(kFromPce)->channels == 0);
  CHECK_FALSE(parseAudioSpecificConfig(kReserved8).isOk());
}

TEST_CASE("AAC config: bad and truncated input") {
  constexpr uint8_t kIndex13[] = {0x16, 0x90};
  constexpr uint8_t kRateZero[] = {0x17, 0x80, 0x00, 0x00, 0x10};
  constexpr uint8_t kObjectType0[] = {0x01, 0x90};
  CHECK_FALSE(parseAudioSpecificConfig(kIndex13).isOk());
  CHECK_FALSE(parseAudioSpecificConfig(kRateZero).isOk());
  CHECK_FALSE(parseAudioSpecificConfig(kObjectType0).isOk());
  for (const auto asc : {std::span<const uint8_t>(kLc48kStereo).first(2), std::span<const uint8_t>(kHeAac),
                         std::span<const uint8_t>(kHeAacExplicitRates), std::span<const uint8_t>(kLcExplicit50000),
                         std::span<const uint8_t>(kEscapedObjectType)}) {
    for (size_t length = 0; length < asc.size(); ++length) {
      CAPTURE(length);
      CHECK_FALSE(parseAudioSpecificConfig(asc.first(length)).isOk());
    }
    CHECK(parseAudioSpecificConfig(asc).isOk());
  }
}

TEST_CASE("AAC config: random garbage never crashes") {
  std::mt19937 random(20240603);
  std::vector<uint8_t> data;
  for (int round = 0; round < 20000; ++round) {
    data.resize(random() % 12);
    for (auto& byte : data) {
      byte = static_cast<uint8_t>(random());
    }
    if (auto config = parseAudioSpecificConfig(data)) {
      CHECK(config->sampleRate > 0);
    }
  }
}

}  // namespace
}  // namespace rtsedge::codec
