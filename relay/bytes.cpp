#include "relay/bytes.h"

#include <algorithm>

namespace rtsedge {

Bytes Bytes::copyOf(std::span<const uint8_t> data) {
  BytesBuilder builder(data.size());
  builder.append(data);
  return builder.freeze();
}

Bytes Bytes::copyOf(std::string_view text) {
  return copyOf(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Bytes Bytes::slice(size_t offset, size_t length) const {
  offset = std::min(offset, size_);
  length = std::min(length, size_ - offset);
  return Bytes(block_, offset_ + offset, length);
}

bool Bytes::operator==(const Bytes& other) const {
  return size_ == other.size_ && (size_ == 0 || std::memcmp(data(), other.data(), size_) == 0);
}

BytesBuilder::BytesBuilder(size_t capacity) {
  if (capacity > 0) {
    block_ = std::make_shared_for_overwrite<uint8_t[]>(capacity);
    capacity_ = capacity;
  }
}

void BytesBuilder::ensure(size_t extra) {
  if (size_ + extra <= capacity_) {
    return;
  }
  size_t capacity = std::max(size_ + extra, capacity_ * 2);
  auto grown = std::make_shared_for_overwrite<uint8_t[]>(capacity);
  if (size_ > 0) {
    std::memcpy(grown.get(), block_.get(), size_);
  }
  block_ = std::move(grown);
  capacity_ = capacity;
}

void BytesBuilder::append(std::span<const uint8_t> data) {
  if (data.empty()) {
    return;
  }
  ensure(data.size());
  std::memcpy(block_.get() + size_, data.data(), data.size());
  size_ += data.size();
}

void BytesBuilder::appendByte(uint8_t value) {
  ensure(1);
  block_[size_++] = value;
}

void BytesBuilder::appendU16(uint16_t value) {
  appendByte(static_cast<uint8_t>(value >> 8));
  appendByte(static_cast<uint8_t>(value));
}

void BytesBuilder::appendU24(uint32_t value) {
  appendByte(static_cast<uint8_t>(value >> 16));
  appendU16(static_cast<uint16_t>(value));
}

void BytesBuilder::appendU32(uint32_t value) {
  appendU16(static_cast<uint16_t>(value >> 16));
  appendU16(static_cast<uint16_t>(value));
}

void BytesBuilder::appendU32Le(uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    appendByte(static_cast<uint8_t>(value >> shift));
  }
}

Bytes BytesBuilder::freeze() {
  Bytes bytes(std::move(block_), 0, size_);
  block_.reset();
  size_ = 0;
  capacity_ = 0;
  return bytes;
}

}  // namespace rtsedge
