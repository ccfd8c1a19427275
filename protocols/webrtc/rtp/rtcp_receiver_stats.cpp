#include "protocols/webrtc/rtp/rtcp_receiver_stats.h"

#include <algorithm>

namespace rtsedge::webrtc::rtp {
namespace {
constexpr uint32_t kSeqMod = 1u << 16;
constexpr uint32_t kNoBadSeq = kSeqMod + 1;
constexpr int64_t kUsPerSecond = 1'000'000;
}  // namespace

ReceiverStats::ReceiverStats(uint32_t ssrc, ReceiverStatsSettings settings)
    : ssrc_(ssrc), settings_(settings), badSeq_(kNoBadSeq) {
  settings_.minSequential = std::max<uint32_t>(settings_.minSequential, 1);
}

// A.1 init_seq: counting starts over from `seq`.
void ReceiverStats::restart(uint16_t seq) {
  baseSeq_ = seq;
  maxSeq_ = seq;
  badSeq_ = kNoBadSeq;
  cycles_ = 0;
  received_ = 0;
  receivedPrior_ = 0;
  expectedPrior_ = 0;
  hasTransit_ = false;
}

// A.1 update_seq, with jitter (A.8) for packets that advance the sequence.
bool ReceiverStats::onPacket(uint16_t seq, uint32_t rtpTimestamp, uint32_t arrivalRtpTime) {
  if (!started_) {
    started_ = true;
    restart(seq);
    maxSeq_ = static_cast<uint16_t>(seq - 1);
    probation_ = settings_.minSequential;
  }
  auto delta = static_cast<uint16_t>(seq - maxSeq_);
  if (probation_ > 0) {
    bool inSequence = seq == static_cast<uint16_t>(maxSeq_ + 1);
    probation_ = inSequence ? probation_ - 1 : settings_.minSequential - 1;
    maxSeq_ = seq;
    if (!inSequence || probation_ > 0) {
      return false;
    }
    restart(seq);
    counting_ = true;
    ++received_;
    updateJitter(rtpTimestamp, arrivalRtpTime);
    return true;
  }
  if (delta < settings_.maxDropout) {
    if (delta != 0) {
      if (seq < maxSeq_) {
        cycles_ += kSeqMod;
      }
      maxSeq_ = seq;
      updateJitter(rtpTimestamp, arrivalRtpTime);
    }
  } else if (delta <= kSeqMod - settings_.maxMisorder) {
    if (seq != badSeq_) {
      badSeq_ = (seq + 1u) & (kSeqMod - 1);
      return false;
    }
    restart(seq);  // two packets in sequence after a jump: the source restarted
    updateJitter(rtpTimestamp, arrivalRtpTime);
  }
  ++received_;
  return true;
}

void ReceiverStats::updateJitter(uint32_t rtpTimestamp, uint32_t arrivalRtpTime) {
  uint32_t transit = arrivalRtpTime - rtpTimestamp;
  if (hasTransit_) {
    auto d = static_cast<int32_t>(transit - transit_);
    uint32_t magnitude = d < 0 ? 0u - static_cast<uint32_t>(d) : static_cast<uint32_t>(d);
    // J += (|D| - J) / 16, kept as 16 J in integers (A.8).
    jitter16_ = jitter16_ + magnitude - ((jitter16_ + 8) >> 4);
  }
  transit_ = transit;
  hasTransit_ = true;
}

void ReceiverStats::onSenderReport(uint64_t ntpTimestamp, int64_t arrivalUs) {
  lastSr_ = compactNtp(ntpTimestamp);
  lastSrArrivalUs_ = arrivalUs;
}

int64_t ReceiverStats::expected() const {
  if (!counting_) {
    return 0;
  }
  return static_cast<int64_t>(extendedHighestSeq()) - baseSeq_ + 1;
}

// A.3: fraction lost over the interval since the last report.
ReportBlock ReceiverStats::makeReportBlock(int64_t nowUs) {
  ReportBlock block;
  block.ssrc = ssrc_;
  int64_t expectedNow = expected();
  int64_t expectedInterval = expectedNow - expectedPrior_;
  int64_t receivedInterval = received_ - receivedPrior_;
  int64_t lostInterval = expectedInterval - receivedInterval;
  expectedPrior_ = expectedNow;
  receivedPrior_ = received_;
  if (expectedInterval > 0 && lostInterval > 0) {
    block.fractionLost = static_cast<uint8_t>(std::min<int64_t>((lostInterval << 8) / expectedInterval, 255));
  }
  block.cumulativeLost = static_cast<int32_t>(std::clamp<int64_t>(cumulativeLost(), -0x800000, 0x7FFFFF));
  block.extendedHighestSeq = counting_ ? extendedHighestSeq() : 0;
  block.jitter = jitter();
  if (lastSr_) {
    block.lastSr = *lastSr_;
    int64_t delay = std::max<int64_t>(nowUs - lastSrArrivalUs_, 0);
    block.delaySinceLastSr = static_cast<uint32_t>(std::min<int64_t>(delay * 65536 / kUsPerSecond, UINT32_MAX));
  }
  return block;
}

NackGenerator::NackGenerator(NackSettings settings) : settings_(settings) {
  settings_.window = std::clamp<uint32_t>(settings_.window, 1, 1u << 15);
  settings_.maxRetries = std::max<uint32_t>(settings_.maxRetries, 1);
}

NackGenerator::Arrival NackGenerator::onPacket(uint16_t seq, int64_t nowUs) {
  int64_t value = unwrapper_.unwrap(seq);
  if (!highest_) {
    highest_ = value;
    return Arrival::kNew;
  }
  int64_t ahead = value - *highest_;
  auto restartAt = [&] {
    givenUp_ += missing_.size();
    missing_.clear();
    highest_ = value;
    jumpCandidate_.reset();
    return Arrival::kJumped;
  };
  if (ahead > static_cast<int64_t>(settings_.window)) {
    return restartAt();
  }
  if (ahead > 0) {
    for (int64_t missing = *highest_ + 1; missing < value; ++missing) {
      missing_.emplace(missing, Entry{nowUs, 0, 0});
    }
    highest_ = value;
    jumpCandidate_.reset();
    dropBefore(value - settings_.window + 1, true);
    return Arrival::kNew;
  }
  if (-ahead >= static_cast<int64_t>(settings_.window)) {
    // Far behind: a sender that jumped back. A second packet in sequence confirms it.
    if (jumpCandidate_ && *jumpCandidate_ == value) {
      return restartAt();
    }
    jumpCandidate_ = value + 1;
    return Arrival::kOld;
  }
  return missing_.erase(value) > 0 ? Arrival::kRecovered : Arrival::kOld;
}

void NackGenerator::dropBefore(int64_t first, bool givingUp) {
  auto end = missing_.lower_bound(first);
  if (givingUp) {
    givenUp_ += static_cast<uint64_t>(std::distance(missing_.begin(), end));
  }
  missing_.erase(missing_.begin(), end);
}

std::vector<uint16_t> NackGenerator::due(int64_t nowUs, int64_t retryIntervalUs) {
  std::vector<uint16_t> out;
  for (auto it = missing_.begin(); it != missing_.end();) {
    Entry& entry = it->second;
    bool ready = entry.asked == 0 ? nowUs - entry.detectedUs >= settings_.reorderDelayUs
                                  : nowUs - entry.lastAskedUs >= retryIntervalUs;
    if (ready && entry.asked >= settings_.maxRetries) {
      ++givenUp_;
      it = missing_.erase(it);
      continue;
    }
    if (ready) {
      ++entry.asked;
      entry.lastAskedUs = nowUs;
      out.push_back(static_cast<uint16_t>(it->first));
    }
    ++it;
  }
  return out;
}

std::vector<uint16_t> NackGenerator::missing() const {
  std::vector<uint16_t> out;
  out.reserve(missing_.size());
  for (const auto& [value, entry] : missing_) {
    out.push_back(static_cast<uint16_t>(value));
  }
  return out;
}

void NackGenerator::clearBefore(uint16_t seq) {
  if (highest_) {
    dropBefore(unwrapper_.peek(seq), false);
  }
}

}  // namespace rtsedge::webrtc::rtp
