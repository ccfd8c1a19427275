#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace rtsedge::fuzz {

// Splits fuzz input the way a network does: the first byte picks where the second
// read starts, so every target also exercises state kept across reads.
struct Split {
  std::span<const uint8_t> first;
  std::span<const uint8_t> second;
};

inline Split split(const uint8_t* data, size_t size) {
  if (size == 0) {
    return {};
  }
  std::span<const uint8_t> rest(data + 1, size - 1);
  size_t at = rest.empty() ? 0 : (static_cast<size_t>(data[0]) * rest.size()) / 256;
  return {rest.first(at), rest.subspan(at)};
}

// A failed invariant: abort, so libFuzzer saves the input.
inline void check(bool ok) {
  if (!ok) {
    __builtin_trap();
  }
}

}  // namespace rtsedge::fuzz
