#include "protocols/codec/annexb.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::codec {
namespace {

using Units = std::vector<std::span<const uint8_t>>;

constexpr uint8_t kSps[] = {0x67, 0x64, 0x00, 0x1f, 0xac};
constexpr uint8_t kPps[] = {0x68, 0xeb, 0xe3};
// An escaped slice: each 00 00 03 keeps a start code out of the unit.
constexpr uint8_t kSlice[] = {0x65, 0x88, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x80};

bool sameUnits(const Units& actual, const Units& expected) {
  return std::equal(actual.begin(), actual.end(), expected.begin(), expected.end(),
                    [](auto a, auto b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); });
}

bool isPrefixOf(std::span<const uint8_t> prefix, std::span<const uint8_t> whole) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

std::vector<uint8_t> annexB(const Units& units) {
  BytesBuilder out;
  for (const auto unit : units) {
    appendAnnexB(out, unit);
  }
  const Bytes bytes = out.freeze();
  return {bytes.data(), bytes.data() + bytes.size()};
}

TEST_CASE("Annex B: 3- and 4-byte start codes, leading garbage, trailing zeros") {
  const std::vector<uint8_t> stream = {
      0x12, 0x00, 0x34,                    // before the first start code: no unit
      0x00, 0x00, 0x00, 0x01, 0x67, 0x64,  // 4-byte start code
      0x00, 0x00, 0x01, 0x68, 0xeb,        // 3-byte start code
      0x00, 0x00, 0x00, 0x00, 0x01,        // trailing_zero_8bits, then a 4-byte start code
      0x65, 0x88, 0x00, 0x00, 0x03, 0x01,  // escaped: one unit
      0x00, 0x00,                          // trailing zeros at the end
  };
  const Units units = splitAnnexB(stream);
  REQUIRE(units.size() == 3);
  CHECK(units[0].data() == stream.data() + 7);
  CHECK(units[0].size() == 2);
  CHECK(units[1].data() == stream.data() + 12);
  CHECK(units[1].size() == 2);
  CHECK(units[2].data() == stream.data() + 19);
  CHECK(units[2].size() == 6);
}

TEST_CASE("Annex B: no units in empty, start-code-only and start-code-free data") {
  CHECK(splitAnnexB({}).empty());
  const std::vector<uint8_t> kStartCodes = {0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
  CHECK(splitAnnexB(kStartCodes).empty());
  const std::vector<uint8_t> zeros(64, 0x00);
  CHECK(splitAnnexB(zeros).empty());
  CHECK(splitAnnexB(kSlice).empty());
  const std::vector<uint8_t> noStartCode = {0x00, 0x01, 0x00, 0x00, 0x02, 0x01};
  CHECK(splitAnnexB(noStartCode).empty());
}

TEST_CASE("Annex B: appendAnnexB output splits back into the same units") {
  const Units units = {kSps, kPps, kSlice};
  const auto stream = annexB(units);
  CHECK(stream.size() == 3 * 4 + sizeof(kSps) + sizeof(kPps) + sizeof(kSlice));
  CHECK(stream[0] == 0x00);
  CHECK(stream[3] == 0x01);
  CHECK(sameUnits(splitAnnexB(stream), units));
}

TEST_CASE("Annex B: cut at every position, units are the whole ones then a prefix of the next") {
  const Units units = {kSps, kPps, kSlice, kSps};
  // 3- and 4-byte start codes mixed: drop the first zero of every other start code.
  std::vector<uint8_t> stream;
  for (size_t i = 0; i < units.size(); ++i) {
    stream.insert(stream.end(), {0x00, 0x00, 0x01});
    if (i % 2 == 0) {
      stream.insert(stream.end() - 3, 0x00);
    }
    stream.insert(stream.end(), units[i].begin(), units[i].end());
  }
  CHECK(sameUnits(splitAnnexB(stream), units));
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    CAPTURE(cut);
    const Units head = splitAnnexB(std::span(stream).first(cut));
    REQUIRE(head.size() <= units.size());
    for (size_t i = 0; i < head.size(); ++i) {
      CHECK(isPrefixOf(head[i], units[i]));
      if (i + 1 < head.size()) {
        CHECK(head[i].size() == units[i].size());
      }
    }
    // A cut unit's remainder follows no start code: the tail holds only whole units, the last ones.
    const Units tail = splitAnnexB(std::span(stream).subspan(cut));
    CHECK(head.size() + tail.size() <= units.size());
    CHECK(head.size() + tail.size() + 1 >= units.size());
    CHECK(sameUnits(tail, Units(units.end() - static_cast<ptrdiff_t>(tail.size()), units.end())));
  }
}

TEST_CASE("Annex B: random bytes give units inside the data, after a start code, with none inside") {
  constexpr uint8_t kStartCode[] = {0x00, 0x00, 0x01};
  std::mt19937 random(20240610);
  std::vector<uint8_t> data;
  for (int round = 0; round < 5000; ++round) {
    data.resize(random() % 128);
    for (auto& byte : data) {
      // Mostly 0 and 1, so start codes and zero runs are frequent.
      const uint32_t draw = random() % 8;
      byte = static_cast<uint8_t>(draw < 4 ? 0 : draw < 6 ? 1 : random());
    }
    for (const auto unit : splitAnnexB(data)) {
      REQUIRE(!unit.empty());
      REQUIRE(unit.data() >= data.data() + 3);
      REQUIRE(unit.data() + unit.size() <= data.data() + data.size());
      CHECK(unit.back() != 0x00);
      CHECK(std::equal(unit.data() - 3, unit.data(), std::begin(kStartCode)));
      CHECK(std::search(unit.begin(), unit.end(), std::begin(kStartCode), std::end(kStartCode)) == unit.end());
    }
  }
}

TEST_CASE("Length-prefixed: round trip with 1, 2 and 4-byte prefixes, empty units skipped") {
  const Units units = {kSps, {}, kPps, kSlice};
  for (const uint8_t size : {1, 2, 4}) {
    CAPTURE(size);
    auto frame = toLengthPrefixed(units, size);
    REQUIRE(frame.isOk());
    CHECK(frame->size() == 3 * size + sizeof(kSps) + sizeof(kPps) + sizeof(kSlice));
    CHECK((*frame)[size - 1] == sizeof(kSps));
    auto split = splitLengthPrefixed(frame->span(), size);
    REQUIRE(split.isOk());
    CHECK(sameUnits(*split, {kSps, kPps, kSlice}));
    CHECK(split->front().data() == frame->data() + size);
  }
}

TEST_CASE("Length-prefixed: Annex B in, Annex B out") {
  const Units units = {kSps, kPps, kSlice};
  const auto stream = annexB(units);
  auto frame = toLengthPrefixed(splitAnnexB(stream), 4);
  REQUIRE(frame.isOk());
  auto split = splitLengthPrefixed(frame->span(), 4);
  REQUIRE(split.isOk());
  CHECK(annexB(*split) == stream);
}

TEST_CASE("Length-prefixed: prefix sizes and units too long for their prefix") {
  const Units units = {kSps};
  for (const uint8_t size : {0, 3, 5, 8}) {
    CHECK_FALSE(toLengthPrefixed(units, size).isOk());
    CHECK_FALSE(splitLengthPrefixed(kSps, size).isOk());
  }
  const auto longest1 = fixtures::pattern(255, 1);
  const auto over1 = fixtures::pattern(256, 1);
  const auto longest2 = fixtures::pattern(65535, 2);
  const auto over2 = fixtures::pattern(65536, 2);
  CHECK(toLengthPrefixed(Units{longest1}, 1).isOk());
  CHECK_FALSE(toLengthPrefixed(Units{kSps, over1}, 1).isOk());
  CHECK(toLengthPrefixed(Units{longest2}, 2).isOk());
  CHECK_FALSE(toLengthPrefixed(Units{over2}, 2).isOk());
  CHECK(toLengthPrefixed(Units{over2}, 4)->size() == 65540);

  BytesBuilder out;
  CHECK_FALSE(appendLengthPrefixed(out, Units{kSps, over1}, 1).isOk());
  CHECK(out.size() == 0);  // nothing written on failure
}

TEST_CASE("Length-prefixed: truncations, overruns and zero-length units") {
  auto frame = toLengthPrefixed(Units{kSps, kPps}, 4);
  REQUIRE(frame.isOk());
  const auto bytes = frame->span();
  const size_t firstEnd = 4 + sizeof(kSps);
  for (size_t length = 0; length <= bytes.size(); ++length) {
    CAPTURE(length);
    const bool whole = length == 0 || length == firstEnd || length == bytes.size();
    CHECK(splitLengthPrefixed(bytes.first(length), 4).isOk() == whole);
  }
  const uint8_t overrun[] = {0x00, 0x00, 0x00, 0x04, 0x67, 0x64, 0x00};
  CHECK_FALSE(splitLengthPrefixed(overrun, 4).isOk());
  const uint8_t hugeLength[] = {0xff, 0xff, 0xff, 0xff, 0x67};
  CHECK_FALSE(splitLengthPrefixed(hugeLength, 4).isOk());
  const uint8_t zeroLength[] = {0x00, 0x00, 0x00, 0x02, 0x68, 0xeb, 0x00, 0x00};
  auto units = splitLengthPrefixed(zeroLength, 2);
  REQUIRE(units.isOk());
  REQUIRE(units->size() == 1);
  CHECK(units->front().size() == 2);
}

TEST_CASE("Length-prefixed: random frames never reach outside the data") {
  std::mt19937 random(20240611);
  std::vector<uint8_t> data;
  for (int round = 0; round < 20000; ++round) {
    data.resize(random() % 48);
    for (auto& byte : data) {
      byte = static_cast<uint8_t>(random() % 3 == 0 ? random() % 8 : random());
    }
    for (const uint8_t size : {1, 2, 4}) {
      if (auto units = splitLengthPrefixed(data, size)) {
        for (const auto unit : *units) {
          REQUIRE(unit.data() >= data.data());
          REQUIRE(unit.data() + unit.size() <= data.data() + data.size());
        }
      }
    }
  }
}

}  // namespace
}  // namespace rtsedge::codec
