#include "protocols/codec/sei.h"

#include <algorithm>

namespace rtsedge::codec {

namespace {

constexpr uint8_t kUserDataUnregistered = 5;
constexpr size_t kStampSize = 16 + 8;

// NAL unit type and header size, and whether the unit is SEI or a slice.
struct NalKind {
  size_t headerSize;
  bool sei;
  bool slice;
};

NalKind nalKind(Codec codec, uint8_t first) {
  if (codec == Codec::kH265) {
    uint8_t type = (first >> 1) & 0x3f;
    return {2, type == 39, type < 32};  // 39: prefix SEI; 0..31: slices (VCL)
  }
  uint8_t type = first & 0x1f;
  return {1, type == 6, type >= 1 && type <= 5};
}

// The RBSP of a unit: emulation-prevention bytes (00 00 03) removed.
std::vector<uint8_t> unescape(std::span<const uint8_t> nal) {
  std::vector<uint8_t> out;
  out.reserve(nal.size());
  int zeros = 0;
  for (uint8_t byte : nal) {
    if (zeros >= 2 && byte == 3) {
      zeros = 0;
      continue;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    out.push_back(byte);
  }
  return out;
}

// Walks the SEI messages of one RBSP for our stamp.
std::optional<int64_t> stampIn(std::span<const uint8_t> rbsp) {
  size_t at = 0;
  while (at < rbsp.size() && rbsp[at] != 0x80) {  // 0x80: rbsp trailing bits
    size_t type = 0;
    size_t size = 0;
    while (at < rbsp.size() && rbsp[at] == 0xff) {
      type += 255;
      ++at;
    }
    if (at >= rbsp.size()) {
      return std::nullopt;
    }
    type += rbsp[at++];
    while (at < rbsp.size() && rbsp[at] == 0xff) {
      size += 255;
      ++at;
    }
    if (at >= rbsp.size()) {
      return std::nullopt;
    }
    size += rbsp[at++];
    if (size > rbsp.size() - at) {
      return std::nullopt;
    }
    if (type == kUserDataUnregistered && size >= kStampSize &&
        std::equal(kCaptureTimeUuid.begin(), kCaptureTimeUuid.end(), rbsp.begin() + static_cast<ptrdiff_t>(at))) {
      uint64_t micros = 0;
      for (size_t i = 0; i < 8; ++i) {
        micros = (micros << 8) | rbsp[at + 16 + i];
      }
      return static_cast<int64_t>(micros);
    }
    at += size;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> findCaptureTime(std::span<const uint8_t> frame, Codec codec, uint8_t nalLengthSize) {
  if ((codec != Codec::kH264 && codec != Codec::kH265) || nalLengthSize == 0 || nalLengthSize > 4) {
    return std::nullopt;
  }
  size_t at = 0;
  while (frame.size() - at > nalLengthSize) {
    size_t length = 0;
    for (size_t i = 0; i < nalLengthSize; ++i) {
      length = (length << 8) | frame[at + i];
    }
    at += nalLengthSize;
    if (length == 0 || length > frame.size() - at) {
      return std::nullopt;
    }
    std::span<const uint8_t> nal = frame.subspan(at, length);
    NalKind kind = nalKind(codec, nal[0]);
    if (kind.slice) {
      return std::nullopt;  // SEI comes before the slices of its access unit
    }
    if (kind.sei && nal.size() > kind.headerSize) {
      if (auto stamp = stampIn(unescape(nal.subspan(kind.headerSize)))) {
        return stamp;
      }
    }
    at += length;
  }
  return std::nullopt;
}

std::vector<uint8_t> captureTimeSei(Codec codec, int64_t unixMicros) {
  std::vector<uint8_t> rbsp{kUserDataUnregistered, static_cast<uint8_t>(kStampSize)};
  rbsp.insert(rbsp.end(), kCaptureTimeUuid.begin(), kCaptureTimeUuid.end());
  for (int shift = 56; shift >= 0; shift -= 8) {
    rbsp.push_back(static_cast<uint8_t>(static_cast<uint64_t>(unixMicros) >> shift));
  }
  rbsp.push_back(0x80);
  std::vector<uint8_t> nal = codec == Codec::kH265 ? std::vector<uint8_t>{39 << 1, 1} : std::vector<uint8_t>{6};
  int zeros = 0;
  for (uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 3) {
      nal.push_back(3);
      zeros = 0;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    nal.push_back(byte);
  }
  return nal;
}

}  // namespace rtsedge::codec
