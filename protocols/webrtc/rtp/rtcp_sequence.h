#pragma once

#include <cstdint>
#include <optional>

namespace rtsedge::webrtc::rtp {

// 16-bit RTP and transport-wide sequence numbers compared across their wrap: the
// signed distance from `b` to `a`, in [-32768, 32767] (RFC 1982 serial arithmetic).
inline int32_t seqDistance(uint16_t a, uint16_t b) {
  return static_cast<int16_t>(static_cast<uint16_t>(a - b));
}
// Whether `a` comes after `b`.
inline bool seqNewer(uint16_t a, uint16_t b) {
  return seqDistance(a, b) > 0;
}

// 16-bit sequence numbers -> a 64-bit count that does not wrap: each value is placed
// within half the sequence space of the previous one (as libwebrtc's SeqNumUnwrapper).
class SeqUnwrapper {
 public:
  int64_t unwrap(uint16_t seq) {
    int64_t value = last_ ? *last_ + seqDistance(seq, static_cast<uint16_t>(*last_)) : seq;
    last_ = value;
    return value;
  }
  // The unwrapped value `seq` would get, without moving the reference.
  int64_t peek(uint16_t seq) const { return last_ ? *last_ + seqDistance(seq, static_cast<uint16_t>(*last_)) : seq; }
  std::optional<int64_t> last() const { return last_; }
  void reset() { last_.reset(); }

 private:
  std::optional<int64_t> last_;
};

}  // namespace rtsedge::webrtc::rtp
