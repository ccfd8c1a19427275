#include "protocols/mpegts/ts_writer.h"

#include <doctest/doctest.h>

#include <vector>

#include "protocols/mpegts/crc32.h"
#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::mpegts {
namespace {

using fixtures::pattern;

std::vector<uint8_t> toVector(BytesBuilder& out) {
  Bytes bytes = out.freeze();
  return {bytes.data(), bytes.data() + bytes.size()};
}

// What a receiver reads from one written PES, parsed here independently of the demuxer.
struct ParsedPes {
  std::vector<uint8_t> pes;  // the PES packet, header included
  std::optional<int64_t> pcr27m;
  bool randomAccess = false;
  uint8_t lastContinuity = 0;
};

ParsedPes parsePackets(const std::vector<uint8_t>& ts, uint16_t pid, uint8_t continuity) {
  ParsedPes parsed;
  REQUIRE(ts.size() % kPacketSize == 0);
  for (size_t at = 0; at < ts.size(); at += kPacketSize) {
    CAPTURE(at);
    const uint8_t* p = &ts[at];
    REQUIRE(p[0] == kSyncByte);
    CHECK(((p[1] & 0x40) != 0) == (at == 0));  // payload_unit_start on the first packet only
    CHECK((loadU16(p + 1) & 0x1fff) == pid);
    CHECK((p[3] & 0x0f) == continuity);
    REQUIRE((p[3] & 0x10) != 0);  // every packet carries payload
    parsed.lastContinuity = continuity;
    continuity = (continuity + 1) & 0x0f;
    size_t start = 4;
    if (p[3] & 0x20) {
      size_t length = p[4];
      REQUIRE(length <= 182);
      if (length > 0) {
        CHECK((p[5] & ~0x50) == 0);  // nothing but random access and PCR flags
        if (p[5] & 0x40) {
          parsed.randomAccess = true;
        }
        size_t stuffingFrom = 6;
        if (p[5] & 0x10) {
          CHECK(at == 0);
          int64_t base = (int64_t{loadU32(p + 6)} << 1) | (p[10] >> 7);
          CHECK((p[10] & 0x7e) == 0x7e);
          parsed.pcr27m = base * 300 + (((p[10] & 1) << 8) | p[11]);
          stuffingFrom = 12;
        }
        for (size_t i = stuffingFrom; i < 5 + length; ++i) {
          CHECK(p[i] == 0xff);
        }
      }
      start = 5 + length;
    }
    parsed.pes.insert(parsed.pes.end(), p + start, p + kPacketSize);
  }
  return parsed;
}

int64_t readTimestamp(const uint8_t* p, uint8_t prefix) {
  CHECK((p[0] >> 4) == prefix);
  CHECK((p[0] & p[2] & p[4] & 1) == 1);
  return (int64_t{(p[0] >> 1) & 7} << 30) | (int64_t{loadU16(p + 1) >> 1} << 15) | (loadU16(p + 3) >> 1);
}

TEST_CASE("mpegts writer: the PAT is the one ffmpeg writes for program 1") {
  BytesBuilder out;
  uint8_t continuity = 0;
  writePat(out, 0x1000, continuity);
  auto ts = toVector(out);
  REQUIRE(ts.size() == kPacketSize);
  std::vector<uint8_t> expected = {0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1,
                                   0x00, 0x00, 0x00, 0x01, 0xf0, 0x00, 0x2a, 0xb1, 0x04, 0xb2};
  CHECK(std::vector<uint8_t>(ts.begin(), ts.begin() + 21) == expected);
  for (size_t i = 21; i < kPacketSize; ++i) {
    CHECK(ts[i] == 0xff);
  }
  CHECK(continuity == 1);
}

TEST_CASE("mpegts writer: the PMT lists the streams, with the Opus descriptors") {
  std::vector<ElementaryStream> streams = {
      {.pid = 0x100, .streamType = kH264},
      {.pid = 0x101, .streamType = kPrivateData, .opus = true, .opusChannels = 2},
      {.pid = 0x102, .streamType = kPrivateData, .opus = true},  // channels unknown: no extension descriptor
  };
  BytesBuilder out;
  uint8_t continuity = 15;
  writePmt(out, 0x1000, 0x100, 3, streams, continuity);
  auto ts = toVector(out);
  REQUIRE(ts.size() == kPacketSize);
  CHECK(continuity == 0);
  CHECK(ts[1] == 0x50);  // payload_unit_start, pid 0x1000
  CHECK(ts[2] == 0x00);
  CHECK(ts[3] == 0x1f);
  CHECK(ts[4] == 0);  // pointer_field
  size_t sectionSize = 3 + (loadU16(&ts[6]) & 0x0fff);
  std::vector<uint8_t> section(ts.begin() + 5, ts.begin() + 5 + static_cast<ptrdiff_t>(sectionSize));
  CHECK(crc32(section) == 0);
  std::vector<uint8_t> expected = {
      0x02, 0xb0, 0x2c, 0x00, 0x01, 0xc7, 0x00, 0x00, 0xe1, 0x00, 0xf0, 0x00,  // program 1, version 3, PCR pid
      0x1b, 0xe1, 0x00, 0xf0, 0x00,                                            // H.264
      0x06, 0xe1, 0x01, 0xf0, 0x0a, 0x05, 0x04, 'O',  'p',  'u',  's',  0x7f, 0x02, 0x80, 0x02,  // Opus, stereo
      0x06, 0xe1, 0x02, 0xf0, 0x06, 0x05, 0x04, 'O',  'p',  'u',  's',                           // Opus
  };
  CHECK(std::vector<uint8_t>(section.begin(), section.end() - 4) == expected);
  for (size_t i = 5 + sectionSize; i < kPacketSize; ++i) {
    CHECK(ts[i] == 0xff);
  }
}

TEST_CASE("mpegts writer: a big video PES with PCR and random access, unbounded length") {
  auto payload = pattern(100'000, 1);
  PesTiming timing{.pts90k = 183'600, .dts90k = 180'000, .pcr27m = 4'860'000'123, .randomAccess = true};
  BytesBuilder out;
  uint8_t continuity = 9;
  writePes(out, 0x100, 0xe0, timing, payload, continuity);
  auto ts = toVector(out);
  CHECK(ts.size() == pesSize(timing, payload.size()));
  auto parsed = parsePackets(ts, 0x100, 9);
  CHECK(continuity == ((parsed.lastContinuity + 1) & 0x0f));
  CHECK(parsed.randomAccess);
  CHECK(parsed.pcr27m == 4'860'000'123);
  const auto& pes = parsed.pes;
  REQUIRE(pes.size() == 19 + payload.size());  // the last packet's stuffing is in its adaptation field
  CHECK(std::vector<uint8_t>(pes.begin(), pes.begin() + 9) ==
        std::vector<uint8_t>{0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10});
  CHECK(readTimestamp(&pes[9], 0x3) == 183'600);
  CHECK(readTimestamp(&pes[14], 0x1) == 180'000);
  CHECK(std::vector<uint8_t>(pes.begin() + 19, pes.end()) == payload);
}

TEST_CASE("mpegts writer: an audio PES with PTS only, its length, a 33-bit wrapped timestamp") {
  auto payload = pattern(700, 2);
  int64_t pts = (int64_t{1} << 33) + 1234;
  PesTiming timing{.pts90k = pts, .dts90k = pts};
  BytesBuilder out;
  uint8_t continuity = 0;
  writePes(out, 0x101, 0xc0, timing, payload, continuity);
  auto ts = toVector(out);
  auto parsed = parsePackets(ts, 0x101, 0);
  CHECK_FALSE(parsed.randomAccess);
  CHECK_FALSE(parsed.pcr27m);
  const auto& pes = parsed.pes;
  REQUIRE(pes.size() == 14 + payload.size());
  CHECK(loadU16(&pes[4]) == 8 + payload.size());
  CHECK(pes[7] == 0x80);
  CHECK(pes[8] == 5);
  CHECK(readTimestamp(&pes[9], 0x2) == 1234);
  CHECK(std::vector<uint8_t>(pes.begin() + 14, pes.end()) == payload);
}

TEST_CASE("mpegts writer: every payload size around packet boundaries fills whole packets") {
  for (bool pcr : {false, true}) {
    for (bool randomAccess : {false, true}) {
      for (size_t size = 0; size < 3 * kPacketSize; ++size) {
        CAPTURE(pcr);
        CAPTURE(randomAccess);
        CAPTURE(size);
        auto payload = pattern(size, static_cast<uint8_t>(size));
        PesTiming timing{.pts90k = 1000, .dts90k = size % 2 ? 1000 : 900, .randomAccess = randomAccess};
        if (pcr) {
          timing.pcr27m = 27'000'000;
        }
        BytesBuilder out;
        uint8_t continuity = 14;
        writePes(out, 0x1fe, 0xbd, timing, payload, continuity);
        auto ts = toVector(out);
        REQUIRE(ts.size() == pesSize(timing, size));
        auto parsed = parsePackets(ts, 0x1fe, 14);
        CHECK(parsed.randomAccess == randomAccess);
        CHECK(parsed.pcr27m.has_value() == pcr);
        size_t header = size % 2 ? 14 : 19;
        REQUIRE(parsed.pes.size() == header + size);
        CHECK(loadU16(&parsed.pes[4]) == header - 6 + size);
        CHECK(std::vector<uint8_t>(parsed.pes.begin() + static_cast<ptrdiff_t>(header), parsed.pes.end()) == payload);
      }
    }
  }
}

}  // namespace
}  // namespace rtsedge::mpegts
