#include "protocols/mpegts/crc32.h"

#include <array>

namespace rtsedge::mpegts {

namespace {
constexpr uint32_t kPolynomial = 0x04C11DB7;

constexpr std::array<uint32_t, 256> makeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte << 24;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x80000000) ? (crc << 1) ^ kPolynomial : crc << 1;
    }
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = makeTable();
}  // namespace

uint32_t crc32(std::span<const uint8_t> data) {
  uint32_t crc = 0xffffffff;
  for (uint8_t byte : data) {
    crc = (crc << 8) ^ kTable[(crc >> 24) ^ byte];
  }
  return crc;
}

}  // namespace rtsedge::mpegts
