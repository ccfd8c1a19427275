#include "protocols/codec/bit_reader.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

namespace rtsedge::codec {
namespace {

TEST_CASE("BitReader reads fields across byte boundaries, most significant bit first") {
  constexpr uint8_t kData[] = {0b10110011, 0b01011100, 0xDE, 0xAD, 0xBE, 0xEF};
  BitReader reader(kData);
  CHECK(reader.readBits(3) == 0b101);
  CHECK(reader.readBits(7) == 0b1001101);
  CHECK_FALSE(reader.readFlag());
  CHECK(reader.readBits(5) == 0b11100);
  CHECK(reader.readBits(32) == 0xDEADBEEF);
  CHECK(reader.ok());
  CHECK(reader.readBits(1) == 0);
  CHECK_FALSE(reader.ok());
}

TEST_CASE("BitReader decodes exp-Golomb codes") {
  // ue: 1 -> 0, 010 -> 1, 011 -> 2, 00100 -> 3, 00111 -> 6; se of those: 0, 1, -1, 2, -3.
  constexpr uint8_t kCodes[] = {0b10100110, 0b01000011, 0b10000000};
  BitReader ue(kCodes);
  CHECK(ue.readUe() == 0);
  CHECK(ue.readUe() == 1);
  CHECK(ue.readUe() == 2);
  CHECK(ue.readUe() == 3);
  CHECK(ue.readUe() == 6);
  CHECK(ue.ok());
  BitReader se(kCodes);
  CHECK(se.readSe() == 0);
  CHECK(se.readSe() == 1);
  CHECK(se.readSe() == -1);
  CHECK(se.readSe() == 2);
  CHECK(se.readSe() == -3);
  CHECK(se.ok());
}

TEST_CASE("BitReader takes the largest ue(v) and refuses a longer prefix") {
  // 31 zeros, a one, 31 ones: 2^32 - 2.
  constexpr uint8_t kLargest[] = {0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFE};
  BitReader largest(kLargest);
  CHECK(largest.readUe() == 0xFFFFFFFEu);
  CHECK(largest.ok());

  constexpr uint8_t kLargestSe[] = {0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFE};
  BitReader se(kLargestSe);
  CHECK(se.readSe() == -2147483647);

  constexpr uint8_t kTooLong[] = {0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00};
  BitReader tooLong(kTooLong);
  CHECK(tooLong.readUe() == 0);
  CHECK_FALSE(tooLong.ok());
}

TEST_CASE("BitReader fails on a truncated exp-Golomb code and stays failed") {
  constexpr uint8_t kData[] = {0x00, 0x01};  // 15 zeros, a one, then nothing for the suffix
  BitReader reader(kData);
  CHECK(reader.readUe() == 0);
  CHECK_FALSE(reader.ok());
  CHECK(reader.readBits(1) == 0);
  CHECK(reader.readUe() == 0);
  CHECK_FALSE(reader.ok());

  BitReader empty(std::span<const uint8_t>{});
  CHECK(empty.readUe() == 0);
  CHECK_FALSE(empty.ok());
}

TEST_CASE("BitReader refuses a read wider than 32 bits") {
  constexpr uint8_t kData[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  BitReader reader(kData);
  CHECK(reader.readBits(33) == 0);
  CHECK_FALSE(reader.ok());
}

TEST_CASE("BitReader in RBSP mode drops emulation prevention bytes") {
  // 00 00 03 01 -> 00 00 01; after the dropped 03 the zero count starts afresh, so the
  // 03 of "00 03" and the second 03 of "00 00 03 03" are data.
  constexpr uint8_t kEscaped[] = {0x00, 0x00, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x03, 0x03};
  constexpr std::array<uint8_t, 8> kRbsp = {0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x03};
  BitReader rbsp(kEscaped, BitReader::Mode::kRbsp);
  for (uint8_t expected : kRbsp) {
    CHECK(rbsp.readBits(8) == expected);
  }
  CHECK(rbsp.ok());
  rbsp.readBits(1);
  CHECK_FALSE(rbsp.ok());

  BitReader raw(kEscaped);
  for (uint8_t expected : kEscaped) {
    CHECK(raw.readBits(8) == expected);
  }
  CHECK(raw.ok());
}

TEST_CASE("BitReader in RBSP mode reads an exp-Golomb code spanning an emulation prevention byte") {
  // 00 00 [03] 80 00 80: a 16-zero prefix, the one of 0x80, then the 16-bit suffix 1.
  constexpr uint8_t kData[] = {0x00, 0x00, 0x03, 0x80, 0x00, 0x80};
  BitReader reader(kData, BitReader::Mode::kRbsp);
  CHECK(reader.readUe() == 0xFFFF + 1);
  CHECK(reader.ok());
}

TEST_CASE("BitReader skips bits and fails when skipping past the end") {
  constexpr uint8_t kData[] = {0x00, 0x0F};
  BitReader reader(kData);
  reader.skipBits(12);
  CHECK(reader.readBits(4) == 0xF);
  reader.skipBits(1);
  CHECK_FALSE(reader.ok());
}

}  // namespace
}  // namespace rtsedge::codec
