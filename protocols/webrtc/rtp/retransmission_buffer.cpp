#include "protocols/webrtc/rtp/retransmission_buffer.h"

#include <algorithm>
#include <bit>

#include "protocols/webrtc/rtp/rtcp_sequence.h"

namespace rtsedge::webrtc::rtp {
namespace {
constexpr size_t kMinCapacity = 16;
constexpr size_t kMaxCapacity = 32768;  // half the sequence space: lookups stay unambiguous
}  // namespace

RetransmissionBuffer::RetransmissionBuffer(RetransmissionSettings settings) : settings_(settings) {
  size_t capacity = std::bit_ceil(std::clamp(settings_.capacity, kMinCapacity, kMaxCapacity));
  slots_.resize(capacity);
  mask_ = capacity - 1;
  settings_.capacity = capacity;
}

void RetransmissionBuffer::release(Slot& slot) {
  if (slot.seq >= 0) {
    --count_;
    bytes_ -= slot.packet.size();
  }
  slot = Slot{};
}

void RetransmissionBuffer::store(uint16_t seq, Bytes packet, int64_t sentUs) {
  auto capacity = static_cast<int64_t>(slots_.size());
  // Unwrapped values start at 2^16 * 2^16, so they never go negative.
  int64_t value = newest_ ? *newest_ + seqDistance(seq, static_cast<uint16_t>(*newest_)) : (int64_t{1} << 32) + seq;
  if (newest_ && value <= *newest_ - capacity) {
    return;
  }
  if (!newest_) {
    newest_ = value;
    oldest_ = value;
  } else if (value > *newest_) {
    // Slots skipped by a jump hold numbers that fall out of the ring now.
    for (int64_t skipped = std::max(*newest_ + 1, value - capacity + 1); skipped < value; ++skipped) {
      release(slots_[static_cast<size_t>(skipped) & mask_]);
    }
    newest_ = value;
    oldest_ = std::max(oldest_, value - capacity + 1);
  } else {
    oldest_ = std::min(oldest_, value);
  }
  Slot& slot = slots_[static_cast<size_t>(value) & mask_];
  release(slot);
  ++count_;
  bytes_ += packet.size();
  slot = Slot{value, std::move(packet), sentUs, std::nullopt};
}

std::optional<size_t> RetransmissionBuffer::indexOf(uint16_t seq) const {
  if (!newest_) {
    return std::nullopt;
  }
  int64_t value = *newest_ + seqDistance(seq, static_cast<uint16_t>(*newest_));
  if (value > *newest_ || value <= *newest_ - static_cast<int64_t>(slots_.size())) {
    return std::nullopt;
  }
  size_t index = static_cast<size_t>(value) & mask_;
  if (slots_[index].seq != value) {
    return std::nullopt;
  }
  return index;
}

std::optional<Bytes> RetransmissionBuffer::find(uint16_t seq, int64_t nowUs) const {
  auto index = indexOf(seq);
  if (!index || nowUs - slots_[*index].sentUs > settings_.maxAgeUs) {
    return std::nullopt;
  }
  return slots_[*index].packet;
}

std::optional<Bytes> RetransmissionBuffer::takeForResend(uint16_t seq, int64_t nowUs, int64_t minIntervalUs) {
  auto index = indexOf(seq);
  if (!index) {
    return std::nullopt;
  }
  Slot& slot = slots_[*index];
  if (nowUs - slot.sentUs > settings_.maxAgeUs || (slot.resentUs && nowUs - *slot.resentUs < minIntervalUs)) {
    return std::nullopt;
  }
  slot.resentUs = nowUs;
  return slot.packet;
}

void RetransmissionBuffer::expire(int64_t nowUs) {
  if (!newest_) {
    return;
  }
  oldest_ = std::max(oldest_, *newest_ - static_cast<int64_t>(slots_.size()) + 1);
  for (; oldest_ <= *newest_; ++oldest_) {
    Slot& slot = slots_[static_cast<size_t>(oldest_) & mask_];
    if (slot.seq != oldest_) {
      continue;  // never stored: lost on the way in, or skipped
    }
    if (nowUs - slot.sentUs <= settings_.maxAgeUs) {
      return;
    }
    release(slot);
  }
}

void RetransmissionBuffer::clear() {
  for (auto& slot : slots_) {
    release(slot);
  }
  newest_.reset();
  oldest_ = 0;
}

}  // namespace rtsedge::webrtc::rtp
