#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "relay/bytes.h"

namespace rtsedge::webrtc::rtp {

struct RetransmissionSettings {
  size_t capacity = 1024;        // packets held: rounded up to a power of two in [16, 32768]
  int64_t maxAgeUs = 1'000'000;  // a packet sent longer ago is not resent
};

// The RTP packets recently sent to one viewer, by that viewer's sequence number, for
// answering its NACKs: a ring of the last `capacity` numbers. Holding a packet costs a
// reference to its Bytes, never a copy; memory is bounded by the capacity, and expire()
// lets go of packets past their age. Times are microseconds of any monotonic clock.
class RetransmissionBuffer {
 public:
  explicit RetransmissionBuffer(RetransmissionSettings settings = {});

  // A packet just sent. Numbers are placed across the 16-bit wrap relative to the
  // newest; one older than the ring is ignored; a jump ahead releases what it skips.
  void store(uint16_t seq, Bytes packet, int64_t sentUs);

  // The packet with this number if it is still held and was sent at most maxAgeUs ago.
  std::optional<Bytes> find(uint16_t seq, int64_t nowUs) const;
  // As find, for a NACK: refused also when this packet was resent less than
  // `minIntervalUs` ago (the same loss NACKed again within an RTT); records the resend.
  std::optional<Bytes> takeForResend(uint16_t seq, int64_t nowUs, int64_t minIntervalUs);

  // Releases the oldest packets past maxAgeUs (in sequence order, up to the first that
  // is not): call it from a timer so an idle viewer does not hold memory.
  void expire(int64_t nowUs);
  void clear();

  size_t size() const { return count_; }       // packets held
  size_t heldBytes() const { return bytes_; }  // their sizes summed
  size_t capacity() const { return slots_.size(); }

 private:
  struct Slot {
    int64_t seq = -1;  // unwrapped; -1: empty
    Bytes packet;
    int64_t sentUs = 0;
    std::optional<int64_t> resentUs;
  };
  // The slot holding `seq`, if it is within the ring and held.
  std::optional<size_t> indexOf(uint16_t seq) const;
  void release(Slot& slot);

  RetransmissionSettings settings_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  std::optional<int64_t> newest_;
  int64_t oldest_ = 0;  // no held packet is older
  size_t count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace rtsedge::webrtc::rtp
