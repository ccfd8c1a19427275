#include "protocols/codec/bit_reader.h"

namespace rtsedge::codec {
namespace {

constexpr uint8_t kEmulationPreventionByte = 0x03;
// ue(v) with more leading zeros than this would not fit in 32 bits.
constexpr unsigned kMaxExpGolombPrefix = 31;

}  // namespace

bool BitReader::loadByte() {
  while (next_ < data_.size()) {
    const uint8_t byte = data_[next_++];
    if (mode_ == Mode::kRbsp && zeroRun_ >= 2 && byte == kEmulationPreventionByte) {
      zeroRun_ = 0;
      continue;
    }
    zeroRun_ = byte == 0 ? zeroRun_ + 1 : 0;
    current_ = byte;
    bitsLeft_ = 8;
    return true;
  }
  ok_ = false;
  return false;
}

bool BitReader::readBit() {
  if (!ok_ || (bitsLeft_ == 0 && !loadByte())) {
    return false;
  }
  --bitsLeft_;
  return ((current_ >> bitsLeft_) & 1) != 0;
}

uint32_t BitReader::readBits(unsigned count) {
  if (count > 32) {
    ok_ = false;
  }
  uint32_t value = 0;
  for (unsigned i = 0; i < count && ok_; ++i) {
    value = (value << 1) | (readBit() ? 1 : 0);
  }
  return ok_ ? value : 0;
}

void BitReader::skipBits(size_t count) {
  for (size_t i = 0; i < count && ok_; ++i) {
    readBit();
  }
}

uint32_t BitReader::readUe() {
  unsigned leadingZeros = 0;
  while (ok_ && !readBit()) {
    if (++leadingZeros > kMaxExpGolombPrefix) {
      ok_ = false;
    }
  }
  if (!ok_) {
    return 0;
  }
  const uint32_t suffix = readBits(leadingZeros);
  return ok_ ? ((uint32_t{1} << leadingZeros) - 1) + suffix : 0;
}

int32_t BitReader::readSe() {
  const uint32_t codeNum = readUe();
  const auto magnitude = static_cast<int32_t>((codeNum / 2) + (codeNum % 2));
  return (codeNum % 2) != 0 ? magnitude : -magnitude;
}

}  // namespace rtsedge::codec
