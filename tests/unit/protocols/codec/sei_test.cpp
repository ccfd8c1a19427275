#include "protocols/codec/sei.h"

#include <doctest/doctest.h>

#include <vector>

namespace rtsedge::codec {
namespace {

void appendNal(std::vector<uint8_t>& frame, const std::vector<uint8_t>& nal) {
  uint32_t size = static_cast<uint32_t>(nal.size());
  frame.insert(frame.end(), {uint8_t(size >> 24), uint8_t(size >> 16), uint8_t(size >> 8), uint8_t(size)});
  frame.insert(frame.end(), nal.begin(), nal.end());
}

TEST_CASE("a capture stamp round-trips through an H.264 and an H.265 frame") {
  // Zero bytes in the time force emulation prevention.
  for (int64_t stamp : {int64_t{1795395661510123}, int64_t{0x0000000300000000}, int64_t{0}}) {
    for (Codec codec : {Codec::kH264, Codec::kH265}) {
      std::vector<uint8_t> frame;
      appendNal(frame, codec == Codec::kH264 ? std::vector<uint8_t>{0x09, 0xf0} : std::vector<uint8_t>{70, 1, 0x50});
      appendNal(frame, captureTimeSei(codec, stamp));
      appendNal(frame,
                codec == Codec::kH264 ? std::vector<uint8_t>{0x65, 0x88, 0x84} : std::vector<uint8_t>{38, 1, 0xaf});
      CAPTURE(stamp);
      CHECK(findCaptureTime(frame, codec, 4) == stamp);
    }
  }
}

TEST_CASE("no stamp: other SEI, a stamp after the slices, other codecs, malformed frames") {
  // An SEI with another user_data_unregistered message: type 5, 16 bytes of other UUID.
  std::vector<uint8_t> otherSei(20, 0xaa);
  otherSei[0] = 0x06;
  otherSei[1] = 0x05;
  otherSei[2] = 0x10;
  otherSei[19] = 0x80;
  std::vector<uint8_t> frame;
  appendNal(frame, otherSei);
  appendNal(frame, {0x65, 0x88});
  appendNal(frame, captureTimeSei(Codec::kH264, 42));  // after the slice: not this access unit's
  CHECK_FALSE(findCaptureTime(frame, Codec::kH264, 4));
  CHECK_FALSE(findCaptureTime(frame, Codec::kAac, 4));
  std::vector<uint8_t> stamped;
  appendNal(stamped, captureTimeSei(Codec::kH264, 42));
  for (size_t cut = 0; cut < stamped.size(); ++cut) {
    CHECK_FALSE(findCaptureTime(std::span(stamped).first(cut), Codec::kH264, 4));
  }
  std::vector<uint8_t> lying{0xff, 0xff, 0xff, 0xff, 0x06};
  CHECK_FALSE(findCaptureTime(lying, Codec::kH264, 4));
}

}  // namespace
}  // namespace rtsedge::codec
