#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtcp_sequence.h"

namespace rtsedge::webrtc::rtp {

struct ReceiverStatsSettings {
  // RFC 3550 A.1: a jump ahead up to maxDropout is loss; one behind by up to maxMisorder
  // is reordering or a duplicate; anything else counts once a second packet confirms it.
  uint32_t maxDropout = 3000;
  uint32_t maxMisorder = 100;
  // Packets in sequence before a new source is counted (A.1 MIN_SEQUENTIAL). 1: at
  // once, since SRTP already authenticates every packet.
  uint32_t minSequential = 1;
};

// What an incoming SSRC's receiver report says about it (RFC 3550 A.1, A.3, A.8).
// Times are parameters: arrival in the stream's RTP clock for jitter, microseconds of
// any monotonic clock for DLSR.
class ReceiverStats {
 public:
  explicit ReceiverStats(uint32_t ssrc, ReceiverStatsSettings settings = {});

  // One RTP packet. False when it is not counted: a source still on probation, or a
  // jump not yet confirmed by the packet after it (then the source restarts from it).
  // Duplicates and reordered packets count as received, as A.1 says. Jitter follows
  // only packets that advance the sequence: a retransmission or a late packet would
  // add its delay, not the network's variation.
  bool onPacket(uint16_t seq, uint32_t rtpTimestamp, uint32_t arrivalRtpTime);
  // An SR from this source: its NTP time becomes the next reports' LSR.
  void onSenderReport(uint64_t ntpTimestamp, int64_t arrivalUs);

  // The report block for this source, now; moves the "since the last report" marks,
  // so call it once per report sent. Cumulative lost is clamped to 24 bits signed.
  ReportBlock makeReportBlock(int64_t nowUs);

  uint32_t ssrc() const { return ssrc_; }
  bool hasPackets() const { return counting_; }
  uint32_t extendedHighestSeq() const { return cycles_ + maxSeq_; }
  int64_t expected() const;
  int64_t received() const { return received_; }
  int64_t cumulativeLost() const { return expected() - received_; }
  uint32_t jitter() const { return jitter16_ >> 4; }  // RTP timestamp units

 private:
  void restart(uint16_t seq);
  void updateJitter(uint32_t rtpTimestamp, uint32_t arrivalRtpTime);

  uint32_t ssrc_;
  ReceiverStatsSettings settings_;
  bool started_ = false;   // a packet was seen
  bool counting_ = false;  // past probation
  uint32_t probation_ = 0;
  uint16_t maxSeq_ = 0;
  uint32_t cycles_ = 0;  // shifted: a multiple of 65536
  uint32_t baseSeq_ = 0;
  uint32_t badSeq_ = 0;  // 65537: none
  int64_t received_ = 0;
  int64_t expectedPrior_ = 0;
  int64_t receivedPrior_ = 0;
  bool hasTransit_ = false;
  uint32_t transit_ = 0;
  uint32_t jitter16_ = 0;  // jitter * 16, A.8's integer form
  std::optional<uint32_t> lastSr_;
  int64_t lastSrArrivalUs_ = 0;
};

struct NackSettings {
  uint32_t window = 512;       // missing numbers further behind the highest are given up
  uint32_t maxRetries = 10;    // NACKs per missing number, then it is given up
  int64_t reorderDelayUs = 0;  // how long a number must be missing before its first NACK
};

// Which sequence numbers of one incoming SSRC to ask for again (RFC 4585 generic NACK).
// Memory: at most `window` entries.
class NackGenerator {
 public:
  explicit NackGenerator(NackSettings settings = {});

  enum class Arrival {
    kNew,        // advanced the highest number; any gap before it is now missing
    kRecovered,  // filled a missing number: a retransmission or a late packet
    kOld,        // a duplicate, or older than what is still asked for
    kJumped,     // ahead by more than the window: the missing list was cleared and
                 // nothing before it is asked for; the caller should request a keyframe
  };
  Arrival onPacket(uint16_t seq, int64_t nowUs);

  // The numbers to NACK now, oldest first: missing for at least reorderDelayUs, and
  // never asked or last asked at least `retryIntervalUs` ago (about one RTT). Each
  // counts as asked now. Numbers asked maxRetries times are given up here.
  std::vector<uint16_t> due(int64_t nowUs, int64_t retryIntervalUs);
  // Everything missing now, oldest first.
  std::vector<uint16_t> missing() const;
  size_t missingCount() const { return missing_.size(); }
  uint64_t givenUp() const { return givenUp_; }  // out of the window, retries or by a jump
  // Forgets what is missing before `seq`: a keyframe at `seq` made it moot.
  void clearBefore(uint16_t seq);

 private:
  struct Entry {
    int64_t detectedUs = 0;
    int64_t lastAskedUs = 0;
    uint32_t asked = 0;
  };
  void dropBefore(int64_t first, bool givingUp);

  NackSettings settings_;
  SeqUnwrapper unwrapper_;
  std::optional<int64_t> highest_;
  std::optional<int64_t> jumpCandidate_;  // a far-behind number: the next in sequence after it restarts
  std::map<int64_t, Entry> missing_;
  uint64_t givenUp_ = 0;
};

}  // namespace rtsedge::webrtc::rtp
