#include "protocols/codec/annexb.h"

#include <algorithm>
#include <array>
#include <string>

namespace rtsedge::codec {
namespace {

constexpr std::array<uint8_t, 3> kStartCode = {0x00, 0x00, 0x01};
constexpr uint32_t kLongStartCode = 0x00000001;

// Where the next 00 00 01 at or after `from` begins, or data.size().
size_t findStartCode(std::span<const uint8_t> data, size_t from) {
  return static_cast<size_t>(
      std::search(data.begin() + static_cast<ptrdiff_t>(from), data.end(), kStartCode.begin(), kStartCode.end()) -
      data.begin());
}

Status checkNalLengthSize(uint8_t nalLengthSize) {
  if (nalLengthSize != 1 && nalLengthSize != 2 && nalLengthSize != 4) {
    return Error("NAL length size " + std::to_string(nalLengthSize));
  }
  return Status::ok();
}

}  // namespace

std::vector<std::span<const uint8_t>> splitAnnexB(std::span<const uint8_t> data) {
  std::vector<std::span<const uint8_t>> units;
  size_t startCode = findStartCode(data, 0);
  while (startCode < data.size()) {
    const size_t begin = startCode + kStartCode.size();
    const size_t next = findStartCode(data, begin);
    size_t end = next;
    while (end > begin && data[end - 1] == 0x00) {
      --end;
    }
    if (end > begin) {
      units.push_back(data.subspan(begin, end - begin));
    }
    startCode = next;
  }
  return units;
}

void appendAnnexB(BytesBuilder& out, std::span<const uint8_t> nalUnit) {
  out.appendU32(kLongStartCode);
  out.append(nalUnit);
}

Status appendLengthPrefixed(BytesBuilder& out, std::span<const std::span<const uint8_t>> nalUnits,
                            uint8_t nalLengthSize) {
  if (auto status = checkNalLengthSize(nalLengthSize); !status) {
    return status;
  }
  const uint64_t maxLength = (uint64_t{1} << (8 * nalLengthSize)) - 1;
  for (const auto unit : nalUnits) {
    if (unit.size() > maxLength) {
      return Error("NAL unit of " + std::to_string(unit.size()) + " bytes over a " + std::to_string(nalLengthSize) +
                   "-byte length");
    }
  }
  for (const auto unit : nalUnits) {
    if (unit.empty()) {
      continue;
    }
    for (unsigned shift = 8 * nalLengthSize; shift > 0; shift -= 8) {
      out.appendByte(static_cast<uint8_t>(unit.size() >> (shift - 8)));
    }
    out.append(unit);
  }
  return Status::ok();
}

Result<Bytes> toLengthPrefixed(std::span<const std::span<const uint8_t>> nalUnits, uint8_t nalLengthSize) {
  size_t total = 0;
  for (const auto unit : nalUnits) {
    total += unit.empty() ? 0 : nalLengthSize + unit.size();
  }
  BytesBuilder out(total);
  if (auto status = appendLengthPrefixed(out, nalUnits, nalLengthSize); !status) {
    return status.error();
  }
  return out.freeze();
}

Result<std::vector<std::span<const uint8_t>>> splitLengthPrefixed(std::span<const uint8_t> frame,
                                                                  uint8_t nalLengthSize) {
  if (auto status = checkNalLengthSize(nalLengthSize); !status) {
    return status.error();
  }
  std::vector<std::span<const uint8_t>> units;
  size_t at = 0;
  while (at < frame.size()) {
    if (frame.size() - at < nalLengthSize) {
      return Error("length-prefixed frame: truncated length at " + std::to_string(at));
    }
    size_t length = 0;
    for (size_t i = 0; i < nalLengthSize; ++i) {
      length = (length << 8) | frame[at + i];
    }
    at += nalLengthSize;
    if (length > frame.size() - at) {
      return Error("length-prefixed frame: NAL unit of " + std::to_string(length) + " bytes, " +
                   std::to_string(frame.size() - at) + " left");
    }
    if (length > 0) {
      units.push_back(frame.subspan(at, length));
    }
    at += length;
  }
  return units;
}

}  // namespace rtsedge::codec
