#include "protocols/webrtc/rtp/rtcp_twcc.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace rtsedge::webrtc::rtp {
namespace {

// Status symbols: what was received, and how many bytes its delta takes.
enum Symbol : uint8_t { kNotReceived = 0, kSmallDelta = 1, kLargeDelta = 2, kReserved = 3 };

constexpr size_t kFixedSize = 8;  // base sequence, status count, reference time, feedback count
constexpr size_t kHeaderSize = 12 + kFixedSize;
constexpr size_t kOneBitCapacity = 14;
constexpr size_t kTwoBitCapacity = 7;
constexpr size_t kMaxRunLength = 0x1FFF;
constexpr int32_t kReferenceModulo = 1 << 24;

int32_t loadS24(const uint8_t* p) {
  auto value = static_cast<int32_t>(loadU24(p));
  return (value & 0x800000) != 0 ? value - 0x1000000 : value;
}

int64_t floorDiv(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

// To the nearest tick, halves away from zero (as libwebrtc rounds).
int64_t roundToTicks(int64_t us) {
  return (us + (us < 0 ? -kTwccDeltaTickUs / 2 : kTwccDeltaTickUs / 2)) / kTwccDeltaTickUs;
}

std::optional<Symbol> symbolFor(int64_t ticks) {
  if (ticks >= 0 && ticks <= UINT8_MAX) {
    return kSmallDelta;
  }
  if (ticks >= INT16_MIN && ticks <= INT16_MAX) {
    return kLargeDelta;
  }
  return std::nullopt;
}

// Packet status chunks, chosen as libwebrtc's LastChunk chooses them. Without an
// output it only counts, so a feedback being filled knows its size before it grows.
class ChunkEncoder {
 public:
  explicit ChunkEncoder(std::vector<uint16_t>* out = nullptr) : out_(out) {}

  void add(Symbol symbol) {
    if (!canAdd(symbol)) {
      emit();
    }
    if (size_ < kOneBitCapacity) {
      symbols_[size_] = symbol;
    }
    ++size_;
    allSame_ = allSame_ && symbol == symbols_[0];
    hasLarge_ = hasLarge_ || symbol == kLargeDelta;
  }
  void finish() {
    if (size_ == 0) {
      return;
    }
    write(allSame_ ? runLength() : size_ <= kTwoBitCapacity ? twoBit(size_) : oneBit());
    clear();
  }
  size_t chunkCount() const { return emitted_ + (size_ > 0 ? 1 : 0); }

 private:
  bool canAdd(Symbol symbol) const {
    return size_ < kTwoBitCapacity || (size_ < kOneBitCapacity && !hasLarge_ && symbol != kLargeDelta) ||
           (size_ < kMaxRunLength && allSame_ && symbol == symbols_[0]);
  }
  void emit() {
    if (allSame_) {
      write(runLength());
      clear();
    } else if (size_ == kOneBitCapacity) {
      write(oneBit());
      clear();
    } else {
      write(twoBit(kTwoBitCapacity));
      size_t left = size_ - kTwoBitCapacity;
      clear();
      for (size_t i = 0; i < left; ++i) {
        add(symbols_[kTwoBitCapacity + i]);  // still in place: add() writes only below `left`
      }
    }
  }
  uint16_t runLength() const { return static_cast<uint16_t>(symbols_[0] << 13 | size_); }
  uint16_t oneBit() const {
    uint16_t chunk = 0x8000;
    for (size_t i = 0; i < size_; ++i) {
      chunk = static_cast<uint16_t>(chunk | symbols_[i] << (13 - i));
    }
    return chunk;
  }
  uint16_t twoBit(size_t count) const {
    uint16_t chunk = 0xC000;
    for (size_t i = 0; i < count; ++i) {
      chunk = static_cast<uint16_t>(chunk | symbols_[i] << (2 * (kTwoBitCapacity - 1 - i)));
    }
    return chunk;
  }
  void write(uint16_t chunk) {
    ++emitted_;
    if (out_ != nullptr) {
      out_->push_back(chunk);
    }
  }
  void clear() {
    size_ = 0;
    allSame_ = true;
    hasLarge_ = false;
  }

  std::vector<uint16_t>* out_;
  size_t emitted_ = 0;
  std::array<Symbol, kOneBitCapacity> symbols_{};
  size_t size_ = 0;
  bool allSame_ = true;
  bool hasLarge_ = false;
};

size_t paddedSize(size_t size) {
  return (size + 3) / 4 * 4;
}

// Statuses from the chunks: exactly `count`, or an Error.
Result<std::vector<uint8_t>> readStatuses(std::span<const uint8_t> fci, size_t count, size_t& pos) {
  std::vector<uint8_t> statuses;
  statuses.reserve(count);
  while (statuses.size() < count) {
    if (pos + 2 > fci.size()) {
      return Error(fmt::format("status chunks end after {} of {} statuses", statuses.size(), count));
    }
    uint16_t chunk = loadU16(&fci[pos]);
    pos += 2;
    size_t left = count - statuses.size();
    if ((chunk & 0x8000) == 0) {
      statuses.insert(statuses.end(), std::min<size_t>(chunk & kMaxRunLength, left),
                      static_cast<uint8_t>(chunk >> 13 & 3));
    } else if ((chunk & 0x4000) == 0) {
      for (size_t i = 0; i < std::min(kOneBitCapacity, left); ++i) {
        statuses.push_back(static_cast<uint8_t>(chunk >> (13 - i) & 1));
      }
    } else {
      for (size_t i = 0; i < std::min(kTwoBitCapacity, left); ++i) {
        statuses.push_back(static_cast<uint8_t>(chunk >> (2 * (kTwoBitCapacity - 1 - i)) & 3));
      }
    }
  }
  return statuses;
}

}  // namespace

Result<TransportFeedback> parseTransportFeedback(const TransportCcItem& item) {
  auto fci = item.fci;
  if (fci.size() < kFixedSize) {
    return Error(fmt::format("transport-cc feedback of {} bytes, less than {}", fci.size(), kFixedSize));
  }
  TransportFeedback feedback{item.senderSsrc, item.mediaSsrc, loadU16(&fci[0]), loadS24(&fci[4]), fci[7], {}};
  size_t count = loadU16(&fci[2]);
  if (count == 0) {
    return Error("transport-cc feedback with a packet status count of 0");
  }
  size_t pos = kFixedSize;
  auto statuses = readStatuses(fci, count, pos);
  if (!statuses) {
    return statuses.error().wrap("transport-cc feedback");
  }
  feedback.packets.resize(count);
  int64_t time = static_cast<int64_t>(feedback.referenceTime) * kTwccReferenceTickUs;
  for (size_t i = 0; i < count; ++i) {
    TwccPacket& packet = feedback.packets[i];
    packet.seq = static_cast<uint16_t>(feedback.baseSeq + i);
    uint8_t status = (*statuses)[i];
    if (status == kNotReceived) {
      continue;
    }
    if (status == kReserved) {
      return Error(fmt::format("transport-cc feedback: reserved status 3 for sequence number {}", packet.seq));
    }
    size_t size = status == kSmallDelta ? 1 : 2;
    if (pos + size > fci.size()) {
      return Error(fmt::format("transport-cc feedback: receive deltas end at sequence number {}", packet.seq));
    }
    packet.received = true;
    packet.deltaTicks = size == 1 ? fci[pos] : static_cast<int16_t>(loadU16(&fci[pos]));
    pos += size;
    time += packet.deltaTicks * kTwccDeltaTickUs;
    packet.arrivalUs = time;
  }
  return feedback;
}

Status appendTransportFeedback(BytesBuilder& out, const TransportFeedback& feedback) {
  const auto& packets = feedback.packets;
  if (packets.empty() || packets.size() > kTwccMaxStatusCount) {
    return Error(fmt::format("transport-cc feedback of {} packets, not 1..65535", packets.size()));
  }
  std::vector<uint16_t> chunks;
  ChunkEncoder encoder(&chunks);
  size_t deltaBytes = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    if (packets[i].seq != static_cast<uint16_t>(feedback.baseSeq + i)) {
      return Error(fmt::format("transport-cc feedback: packet {} has sequence number {}, not {}", i, packets[i].seq,
                               static_cast<uint16_t>(feedback.baseSeq + i)));
    }
    auto symbol = packets[i].received ? symbolFor(packets[i].deltaTicks) : kNotReceived;
    if (!symbol) {
      return Error(fmt::format("transport-cc feedback: delta of {} ticks at sequence number {}", packets[i].deltaTicks,
                               packets[i].seq));
    }
    encoder.add(*symbol);
    deltaBytes += *symbol == kNotReceived ? 0 : *symbol == kSmallDelta ? 1 : 2;
  }
  encoder.finish();
  size_t size = kHeaderSize + chunks.size() * 2 + deltaBytes;
  size_t padding = paddedSize(size) - size;
  out.appendByte(static_cast<uint8_t>(0x80 | (padding > 0 ? 0x20 : 0) | kRtpfbTransportCc));
  out.appendByte(kRtcpRtpfb);
  out.appendU16(static_cast<uint16_t>((size + padding) / 4 - 1));
  out.appendU32(feedback.senderSsrc);
  out.appendU32(feedback.mediaSsrc);
  out.appendU16(feedback.baseSeq);
  out.appendU16(static_cast<uint16_t>(packets.size()));
  out.appendU24(static_cast<uint32_t>(feedback.referenceTime) & 0xFFFFFF);
  out.appendByte(feedback.feedbackCount);
  for (uint16_t chunk : chunks) {
    out.appendU16(chunk);
  }
  for (const auto& packet : packets) {
    if (packet.received) {
      if (packet.deltaTicks >= 0 && packet.deltaTicks <= UINT8_MAX) {
        out.appendByte(static_cast<uint8_t>(packet.deltaTicks));
      } else {
        out.appendU16(static_cast<uint16_t>(packet.deltaTicks));
      }
    }
  }
  for (size_t i = 1; i < padding; ++i) {
    out.appendByte(0);
  }
  if (padding > 0) {
    out.appendByte(static_cast<uint8_t>(padding));
  }
  return Status::ok();
}

TwccRecorder::TwccRecorder(uint32_t senderSsrc, uint32_t mediaSsrc, TwccSettings settings)
    : senderSsrc_(senderSsrc), mediaSsrc_(mediaSsrc), settings_(settings) {
  settings_.maxPacketsPerFeedback = std::max<size_t>(settings_.maxPacketsPerFeedback, 1);
  settings_.maxFeedbackBytes = std::max<size_t>(settings_.maxFeedbackBytes, kHeaderSize + 8);
  settings_.maxPending = std::clamp<size_t>(settings_.maxPending, 1, kTwccMaxStatusCount);
}

void TwccRecorder::onPacket(uint16_t transportSeq, int64_t arrivalUs) {
  int64_t value = unwrapper_.unwrap(transportSeq);
  if (reportedUpTo_ && value < *reportedUpTo_) {
    ++lateDropped_;
    return;
  }
  arrivals_.emplace(value, arrivalUs);
  int64_t first = reportedUpTo_ ? *reportedUpTo_ : arrivals_.begin()->first;
  int64_t newest = arrivals_.rbegin()->first;
  if (newest - first + 1 > static_cast<int64_t>(settings_.maxPending)) {
    int64_t keep = newest - static_cast<int64_t>(settings_.maxPending) + 1;
    auto end = arrivals_.lower_bound(keep);
    pendingDropped_ += static_cast<uint64_t>(std::distance(arrivals_.begin(), end));
    arrivals_.erase(arrivals_.begin(), end);
    reportedUpTo_ = keep;
  }
}

// One feedback from `start` (the first unreported number) on; `end` becomes the first
// number it leaves out. At least one arrival is pending.
TransportFeedback TwccRecorder::takeOne(int64_t start, int64_t& end) {
  TransportFeedback feedback;
  feedback.senderSsrc = senderSsrc_;
  feedback.mediaSsrc = mediaSsrc_;
  feedback.baseSeq = static_cast<uint16_t>(start);
  feedback.feedbackCount = feedbackCount_++;
  int64_t reference = floorDiv(arrivals_.begin()->second, kTwccReferenceTickUs);
  int32_t wrapped = static_cast<int32_t>(reference % kReferenceModulo + kReferenceModulo) % kReferenceModulo;
  feedback.referenceTime = wrapped >= kReferenceModulo / 2 ? wrapped - kReferenceModulo : wrapped;
  int64_t time = reference * kTwccReferenceTickUs;  // the receiver's clock, deltas applied so far
  int64_t wireTime = int64_t{feedback.referenceTime} * kTwccReferenceTickUs;  // what a parser computes
  ChunkEncoder encoder;
  size_t deltaBytes = 0;
  size_t received = 0;
  end = start;
  for (const auto& [value, arrivalUs] : arrivals_) {
    int64_t ticks = roundToTicks(arrivalUs - time);
    auto symbol = symbolFor(ticks);
    if (!symbol || received == settings_.maxPacketsPerFeedback) {
      break;
    }
    ChunkEncoder grown = encoder;
    for (int64_t lost = end; lost < value; ++lost) {
      grown.add(kNotReceived);
    }
    grown.add(*symbol);
    size_t bytes = deltaBytes + (*symbol == kSmallDelta ? 1 : 2);
    if (received > 0 && paddedSize(kHeaderSize + grown.chunkCount() * 2 + bytes) > settings_.maxFeedbackBytes) {
      break;
    }
    for (; end < value; ++end) {
      feedback.packets.push_back({static_cast<uint16_t>(end), false, 0, 0});
    }
    time += ticks * kTwccDeltaTickUs;
    wireTime += ticks * kTwccDeltaTickUs;
    feedback.packets.push_back({static_cast<uint16_t>(value), true, static_cast<int32_t>(ticks), wireTime});
    end = value + 1;
    encoder = grown;
    deltaBytes = bytes;
    ++received;
  }
  return feedback;
}

std::vector<TransportFeedback> TwccRecorder::takeFeedback() {
  std::vector<TransportFeedback> out;
  while (!arrivals_.empty()) {
    int64_t start = reportedUpTo_ ? *reportedUpTo_ : arrivals_.begin()->first;
    int64_t end = start;
    auto feedback = takeOne(start, end);
    if (feedback.packets.empty()) {
      break;  // cannot happen: the first arrival always fits
    }
    out.push_back(std::move(feedback));
    arrivals_.erase(arrivals_.begin(), arrivals_.lower_bound(end));
    reportedUpTo_ = end;
  }
  return out;
}

std::vector<Bytes> TwccRecorder::buildFeedback() {
  std::vector<Bytes> out;
  for (const auto& feedback : takeFeedback()) {
    BytesBuilder packet;
    (void)appendTransportFeedback(packet, feedback);  // built within every limit it checks
    out.push_back(packet.freeze());
  }
  return out;
}

}  // namespace rtsedge::webrtc::rtp
