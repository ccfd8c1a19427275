#include "protocols/codec/adts.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "protocols/codec/aac.h"
#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::codec {
namespace {

// ADTS headers written by ffmpeg 5.1's aac encoder (-f adts): LC, 48 kHz stereo, a
// 272-byte frame; LC, 44.1 kHz mono, a 311-byte frame.
constexpr uint8_t kLc48kStereoHeader[] = {0xff, 0xf1, 0x4c, 0x80, 0x22, 0x1f, 0xfc};
constexpr uint8_t kLc44kMonoHeader[] = {0xff, 0xf1, 0x50, 0x40, 0x26, 0xff, 0xfc};
// The AudioSpecificConfigs ffmpeg writes for those streams into MP4.
constexpr uint8_t kLc48kStereoAsc[] = {0x11, 0x90};
constexpr uint8_t kLc44kMonoAsc[] = {0x12, 0x08};
// Explicit HE-AAC (AOT 5, core 24 kHz stereo, 48 kHz out) and HE-AAC v2 (AOT 29, core 24 kHz mono).
constexpr uint8_t kHeAacAsc[] = {0x2b, 0x11, 0x88};
constexpr uint8_t kHeAacV2Asc[] = {0xeb, 0x09, 0x88};

// One ADTS frame: the header adtsHeaderFor writes, then a payload that differs per seed.
std::vector<uint8_t> adtsFrame(size_t payloadSize, uint8_t seed) {
  auto header = adtsHeaderFor(kLc48kStereoAsc, payloadSize);
  REQUIRE(header.isOk());
  std::vector<uint8_t> frame(header->begin(), header->end());
  const auto payload = fixtures::pattern(payloadSize, seed);
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

void append(std::vector<uint8_t>& out, std::span<const uint8_t> data) {
  out.insert(out.end(), data.begin(), data.end());
}

size_t framedBytes(const AdtsSplit& split) {
  size_t total = 0;
  for (const auto& [frame, payload] : split.frames) {
    total += frame.frameSize;
  }
  return total;
}

TEST_CASE("ADTS: headers from ffmpeg") {
  auto stereo = parseAdtsHeader(kLc48kStereoHeader);
  REQUIRE(stereo.isOk());
  CHECK(stereo->objectType == kAacLc);
  CHECK(stereo->sampleRateIndex == 3);
  CHECK(stereo->sampleRate == 48000);
  CHECK(stereo->channelConfiguration == 2);
  CHECK(stereo->headerSize == 7);
  CHECK(stereo->frameSize == 272);
  CHECK(stereo->rawBlocks == 1);

  auto mono = parseAdtsHeader(kLc44kMonoHeader);
  REQUIRE(mono.isOk());
  CHECK(mono->sampleRate == 44100);
  CHECK(mono->channelConfiguration == 1);
  CHECK(mono->frameSize == 311);
}

TEST_CASE("ADTS: CRC and several raw data blocks lengthen the header") {
  std::vector<uint8_t> header(std::begin(kLc48kStereoHeader), std::end(kLc48kStereoHeader));
  header[1] = 0xF0;  // protection_absent 0
  auto crc = parseAdtsHeader(header);
  REQUIRE(crc.isOk());
  CHECK(crc->headerSize == 9);
  header[6] |= 0x02;  // number_of_raw_data_blocks_in_frame 2
  auto blocks = parseAdtsHeader(header);
  REQUIRE(blocks.isOk());
  CHECK(blocks->rawBlocks == 3);
  CHECK(blocks->headerSize == 7 + 2 * 2 + 2);
  header[1] = 0xF1;
  CHECK(parseAdtsHeader(header)->headerSize == 7);
  header[1] = 0xF9;  // ID 1: MPEG-2, the same layout
  CHECK(parseAdtsHeader(header).isOk());
}

TEST_CASE("ADTS: short data, syncword, layer, sampling frequency index, frame length") {
  for (size_t length = 0; length < sizeof(kLc48kStereoHeader); ++length) {
    CHECK_FALSE(parseAdtsHeader(std::span(kLc48kStereoHeader, length)).isOk());
  }
  auto mutated = [](size_t index, uint8_t value) {
    std::vector<uint8_t> copy(std::begin(kLc48kStereoHeader), std::end(kLc48kStereoHeader));
    copy[index] = value;
    return parseAdtsHeader(copy);
  };
  CHECK_FALSE(mutated(0, 0xFE).isOk());
  CHECK_FALSE(mutated(1, 0xE1).isOk());                // syncword 0xFFE
  CHECK_FALSE(mutated(1, 0xF3).isOk());                // layer 1
  CHECK_FALSE(mutated(1, 0xF5).isOk());                // layer 2
  CHECK(mutated(2, 0x70)->sampleRate == 7350);         // index 12
  for (const uint8_t reserved : {0x74, 0x78, 0x7C}) {  // indices 13, 14, 15
    CHECK_FALSE(mutated(2, reserved).isOk());
  }
  CHECK_FALSE(mutated(4, 0x00).isOk());  // aac_frame_length 0
  // aac_frame_length 7: a header alone, too short once a CRC follows.
  std::vector<uint8_t> seven(std::begin(kLc48kStereoHeader), std::end(kLc48kStereoHeader));
  seven[3] = 0x80;
  seven[4] = 0x00;
  seven[5] = 0xFF;  // length 7, fullness 0x7FF
  CHECK(parseAdtsHeader(seven)->frameSize == 7);
  seven[1] = 0xF0;
  CHECK_FALSE(parseAdtsHeader(seven).isOk());
}

TEST_CASE("ADTS: AudioSpecificConfig from a header matches ffmpeg's") {
  const Bytes stereo = audioSpecificConfigFromAdts(*parseAdtsHeader(kLc48kStereoHeader));
  CHECK(stereo == Bytes::copyOf(kLc48kStereoAsc));
  const Bytes mono = audioSpecificConfigFromAdts(*parseAdtsHeader(kLc44kMonoHeader));
  CHECK(mono == Bytes::copyOf(kLc44kMonoAsc));
  auto config = parseAudioSpecificConfig(mono.span());
  REQUIRE(config.isOk());
  CHECK(config->sampleRate == 44100);
  CHECK(config->channels == 1);
}

TEST_CASE("ADTS: header for an AudioSpecificConfig, as ffmpeg writes it") {
  auto stereo = adtsHeaderFor(kLc48kStereoAsc, 272 - 7);
  REQUIRE(stereo.isOk());
  CHECK(std::equal(stereo->begin(), stereo->end(), std::begin(kLc48kStereoHeader)));
  auto mono = adtsHeaderFor(kLc44kMonoAsc, 311 - 7);
  REQUIRE(mono.isOk());
  CHECK(std::equal(mono->begin(), mono->end(), std::begin(kLc44kMonoHeader)));
  // Every frame size round-trips.
  for (size_t size = 0; size <= kMaxAdtsFrameSize - kAdtsHeaderSize; ++size) {
    auto header = adtsHeaderFor(kLc48kStereoAsc, size);
    REQUIRE(header.isOk());
    auto parsed = parseAdtsHeader(*header);
    REQUIRE(parsed.isOk());
    REQUIRE(parsed->frameSize == size + kAdtsHeaderSize);
  }
  CHECK_FALSE(adtsHeaderFor(kLc48kStereoAsc, kMaxAdtsFrameSize - kAdtsHeaderSize + 1).isOk());
}

TEST_CASE("ADTS: explicit HE-AAC gives an AAC-LC header at the core rate") {
  auto he = parseAdtsHeader(*adtsHeaderFor(kHeAacAsc, 100));
  REQUIRE(he.isOk());
  CHECK(he->objectType == kAacLc);
  CHECK(he->sampleRate == 24000);
  CHECK(he->channelConfiguration == 2);
  auto v2 = parseAdtsHeader(*adtsHeaderFor(kHeAacV2Asc, 100));
  REQUIRE(v2.isOk());
  CHECK(v2->objectType == kAacLc);
  CHECK(v2->sampleRate == 24000);
  CHECK(v2->channelConfiguration == 1);
}

TEST_CASE("ADTS: configurations a header cannot carry") {
  constexpr uint8_t kLtp[] = {0x21, 0x90};         // AOT 4: profile 3, the last one
  constexpr uint8_t kErLd[] = {0xb9, 0x90};        // AOT 23
  constexpr uint8_t kUsac[] = {0xf9, 0x46, 0x40};  // escaped AOT 42
  constexpr uint8_t kRate50000[] = {0x17, 0x80, 0x61, 0xa8, 0x10};
  constexpr uint8_t kRate44100Explicit[] = {0x17, 0x80, 0x56, 0x22, 0x10};
  constexpr uint8_t kFromPce[] = {0x11, 0x80};     // channel configuration 0
  constexpr uint8_t kChannels11[] = {0x11, 0xd8};  // channel configuration 11 (6.1)
  CHECK(parseAdtsHeader(*adtsHeaderFor(kLtp, 10))->objectType == 4);
  CHECK_FALSE(adtsHeaderFor(kErLd, 10).isOk());
  CHECK_FALSE(adtsHeaderFor(kUsac, 10).isOk());
  CHECK_FALSE(adtsHeaderFor(kRate50000, 10).isOk());
  CHECK(parseAdtsHeader(*adtsHeaderFor(kRate44100Explicit, 10))->sampleRateIndex == 4);
  CHECK_FALSE(adtsHeaderFor(kFromPce, 10).isOk());
  CHECK_FALSE(adtsHeaderFor(kChannels11, 10).isOk());
  CHECK_FALSE(adtsHeaderFor({}, 10).isOk());
}

TEST_CASE("ADTS split: frames back to back") {
  std::vector<uint8_t> data;
  const std::vector<size_t> sizes = {265, 0, 1, 300};
  for (size_t i = 0; i < sizes.size(); ++i) {
    append(data, adtsFrame(sizes[i], static_cast<uint8_t>(i)));
  }
  const AdtsSplit split = splitAdts(data);
  CHECK(split.skippedBytes == 0);
  REQUIRE(split.frames.size() == sizes.size());
  size_t at = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto& [frame, payload] = split.frames[i];
    CHECK(frame.frameSize == sizes[i] + 7);
    CHECK(payload.data() == data.data() + at + 7);
    CHECK(payload.size() == sizes[i]);
    CHECK(std::equal(payload.begin(), payload.end(), fixtures::pattern(sizes[i], static_cast<uint8_t>(i)).begin()));
    at += frame.frameSize;
  }
  CHECK(splitAdts({}).frames.empty());
}

TEST_CASE("ADTS split: a CRC-protected frame's payload starts after the CRC") {
  auto frame = adtsFrame(20, 1);
  frame[1] = 0xF0;  // protection_absent 0: the first two payload bytes are the CRC
  const AdtsSplit split = splitAdts(frame);
  REQUIRE(split.frames.size() == 1);
  CHECK(split.frames[0].second.data() == frame.data() + 9);
  CHECK(split.frames[0].second.size() == 18);
}

TEST_CASE("ADTS split: garbage before, between and after frames is skipped and counted") {
  // Garbage holding syncwords: one with layer 1, one whose header claims 8191 bytes.
  const std::vector<uint8_t> garbage = {0x00, 0xff, 0xf3, 0x12, 0xff, 0xf1, 0x4c, 0x83, 0xff, 0xff, 0xfc, 0xff};
  std::vector<uint8_t> data;
  append(data, garbage);
  append(data, adtsFrame(40, 1));
  append(data, adtsFrame(41, 2));
  append(data, garbage);
  append(data, adtsFrame(50, 3));
  append(data, adtsFrame(51, 4));
  append(data, garbage);
  const AdtsSplit split = splitAdts(data);
  REQUIRE(split.frames.size() == 4);
  CHECK(split.frames[0].second.size() == 40);
  CHECK(split.frames[3].second.size() == 51);
  CHECK(split.skippedBytes == 3 * garbage.size());

  // A frame between garbage has nothing to vouch for it: it is skipped too.
  std::vector<uint8_t> lone;
  append(lone, garbage);
  append(lone, adtsFrame(40, 1));
  append(lone, garbage);
  CHECK(splitAdts(lone).frames.empty());
  CHECK(splitAdts(lone).skippedBytes == lone.size());
}

TEST_CASE("ADTS split: a syncword inside garbage is trusted only when a frame follows it") {
  // A false header of a 9-byte frame, then the rest of the garbage, then real frames.
  const std::vector<uint8_t> garbage = {0x17, 0xff, 0xf1, 0x4c, 0x80, 0x01, 0x3f, 0xfc, 0x55, 0x66, 0x00, 0x01};
  std::vector<uint8_t> data;
  append(data, garbage);
  append(data, adtsFrame(30, 1));
  append(data, adtsFrame(31, 2));
  const AdtsSplit split = splitAdts(data);
  REQUIRE(split.frames.size() == 2);
  CHECK(split.frames[0].second.size() == 30);
  CHECK(split.skippedBytes == garbage.size());
}

TEST_CASE("ADTS split: cut at every position, whole frames are kept and the rest counted") {
  std::vector<uint8_t> data;
  std::vector<size_t> ends;
  for (const size_t size : {20, 0, 33, 7}) {
    append(data, adtsFrame(size, static_cast<uint8_t>(size)));
    ends.push_back(data.size());
  }
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    CAPTURE(cut);
    const AdtsSplit split = splitAdts(std::span(data).first(cut));
    const auto whole = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
    CHECK(split.frames.size() == whole);
    CHECK(split.skippedBytes == cut - (whole == 0 ? 0 : ends[whole - 1]));
  }
}

TEST_CASE("ADTS: random bytes never crash; split accounts for every byte") {
  std::mt19937 random(20240612);
  std::vector<uint8_t> data;
  for (int round = 0; round < 20000; ++round) {
    data.resize(random() % 96);
    for (auto& byte : data) {
      // Many 0xFF and 0xF1 bytes, so syncwords and plausible headers are frequent.
      const uint32_t draw = random() % 6;
      byte = static_cast<uint8_t>(draw == 0 ? 0xFF : draw == 1 ? 0xF1 : random());
    }
    const AdtsSplit split = splitAdts(data);
    REQUIRE(split.skippedBytes + framedBytes(split) == data.size());
    for (const auto& [frame, payload] : split.frames) {
      REQUIRE(payload.data() >= data.data());
      REQUIRE(payload.data() + payload.size() <= data.data() + data.size());
    }
    (void)adtsHeaderFor(std::span(data).first(std::min<size_t>(data.size(), 5)), random() % 9000);
  }
}

}  // namespace
}  // namespace rtsedge::codec
