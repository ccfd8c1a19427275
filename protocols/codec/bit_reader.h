#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace rtsedge::codec {

// Reads bits, most significant first, from a parameter set or an AudioSpecificConfig.
// In kRbsp mode it drops the emulation-prevention byte of each 00 00 03 sequence as it
// reads, so an H.264/H.265 NAL unit is parsed in place, without an unescaped copy.
// Running past the end or meeting an over-long exp-Golomb code sets a sticky failure:
// later reads return 0 and ok() turns false. Parsers read a group of fields, then check
// ok() before using any of them as a size or a loop bound.
class BitReader {
 public:
  enum class Mode { kRaw, kRbsp };

  explicit BitReader(std::span<const uint8_t> data, Mode mode = Mode::kRaw) : data_(data), mode_(mode) {}

  uint32_t readBits(unsigned count);  // count <= 32
  bool readFlag() { return readBits(1) != 0; }
  void skipBits(size_t count);
  uint32_t readUe();  // ue(v): 0 .. 2^32 - 2
  int32_t readSe();   // se(v)

  bool ok() const { return ok_; }

 private:
  bool readBit();
  bool loadByte();

  std::span<const uint8_t> data_;
  Mode mode_;
  size_t next_ = 0;       // index in data_ of the next byte to load
  unsigned zeroRun_ = 0;  // zero bytes loaded in a row (kRbsp)
  uint8_t current_ = 0;
  unsigned bitsLeft_ = 0;  // unread bits of current_
  bool ok_ = true;
};

}  // namespace rtsedge::codec
