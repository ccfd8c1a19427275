#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace rtsedge {

// An immutable slice of a shared, reference-counted block. Copying a Bytes costs
// one atomic increment, never a copy of the data: this is how one frame's payload
// and its serialized forms reach every viewer (mux once, write many).
class Bytes {
 public:
  Bytes() = default;

  static Bytes copyOf(std::span<const uint8_t> data);
  static Bytes copyOf(std::string_view text);

  const uint8_t* data() const { return block_.get() + offset_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data(), size_}; }
  uint8_t operator[](size_t index) const { return data()[index]; }

  // A sub-slice sharing the same block; clamps to this slice's bounds.
  Bytes slice(size_t offset, size_t length = SIZE_MAX) const;

  bool operator==(const Bytes& other) const;

 private:
  friend class BytesBuilder;
  Bytes(std::shared_ptr<uint8_t[]> block, size_t offset, size_t size)
      : block_(std::move(block)), offset_(offset), size_(size) {}

  std::shared_ptr<uint8_t[]> block_;
  size_t offset_ = 0;
  size_t size_ = 0;
};

// Fills one block, then freezes it into a Bytes. Reserve the final size up front
// when it is known (a message length from a header): then no byte is copied twice.
class BytesBuilder {
 public:
  explicit BytesBuilder(size_t capacity = 0);

  void append(std::span<const uint8_t> data);
  void append(const Bytes& data) { append(data.span()); }
  void appendByte(uint8_t value);
  void appendU16(uint16_t value);  // big-endian
  void appendU24(uint32_t value);  // big-endian
  void appendU32(uint32_t value);  // big-endian
  void appendU32Le(uint32_t value);

  size_t size() const { return size_; }
  uint8_t* mutableData() { return block_.get(); }

  // Hands out the bytes written so far; the builder is empty afterwards.
  Bytes freeze();

 private:
  void ensure(size_t extra);

  std::shared_ptr<uint8_t[]> block_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Big-endian loads: fields are read explicitly, never by casting packed structs.
inline uint16_t loadU16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t loadU24(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 16) | (static_cast<uint32_t>(p[1]) << 8) | p[2];
}
inline uint32_t loadU32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline uint32_t loadU32Le(const uint8_t* p) {
  return (static_cast<uint32_t>(p[3]) << 24) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[1]) << 8) | p[0];
}

}  // namespace rtsedge
