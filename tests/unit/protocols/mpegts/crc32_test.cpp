#include "protocols/mpegts/crc32.h"

#include <doctest/doctest.h>

#include <string_view>
#include <vector>

namespace rtsedge::mpegts {
namespace {

std::vector<uint8_t> bytesOf(std::string_view text) {
  return {text.begin(), text.end()};
}

TEST_CASE("mpegts crc32: the CRC-32/MPEG-2 check value") {
  CHECK(crc32(bytesOf("123456789")) == 0x0376E6E7);
  CHECK(crc32({}) == 0xffffffff);
}

TEST_CASE("mpegts crc32: data followed by its CRC, big-endian, gives 0") {
  auto data = bytesOf("a PSI section body");
  uint32_t crc = crc32(data);
  data.insert(data.end(), {uint8_t(crc >> 24), uint8_t(crc >> 16), uint8_t(crc >> 8), uint8_t(crc)});
  CHECK(crc32(data) == 0);
  data[3] ^= 0x10;
  CHECK(crc32(data) != 0);
}

}  // namespace
}  // namespace rtsedge::mpegts
