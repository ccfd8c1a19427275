#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtcp_sequence.h"
#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::webrtc::rtp {

// Transport-wide congestion control feedback, RTPFB fmt 15
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1).
constexpr int64_t kTwccDeltaTickUs = 250;
constexpr int64_t kTwccReferenceTickUs = 64'000;
constexpr size_t kTwccMaxStatusCount = 0xFFFF;

struct TwccPacket {
  uint16_t seq = 0;
  bool received = false;
  // Received only: 250 us ticks since the previous received packet of this feedback,
  // or since the reference time for the first; negative when arrivals reorder.
  int32_t deltaTicks = 0;
  // Received only: referenceTime * 64 ms + the deltas so far, in us. The 24-bit
  // reference wraps (every ~12 days): compare arrivals within one feedback, or unwrap.
  int64_t arrivalUs = 0;
  bool operator==(const TwccPacket&) const = default;
};

struct TransportFeedback {
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
  uint16_t baseSeq = 0;
  int32_t referenceTime = 0;        // 64 ms units, 24-bit signed: [-2^23, 2^23)
  uint8_t feedbackCount = 0;        // the feedback packet's own sequence number, wrapping
  std::vector<TwccPacket> packets;  // one per status: packets[i].seq == baseSeq + i
  bool operator==(const TransportFeedback&) const = default;
};

// Reads the FCI located by parseRtcp: the chunks must carry `packet status count`
// statuses (at least one), each received packet its delta; status symbol 3 (reserved)
// is an Error. Bytes after the deltas (zero padding) are ignored.
Result<TransportFeedback> parseTransportFeedback(const TransportCcItem& item);

// One RTPFB fmt 15 packet, chunks chosen as libwebrtc does (run length when a run is
// long enough, else 1-bit vectors while no delta needs 2 bytes, else 2-bit vectors),
// deltas of 0..255 ticks in 1 byte, others in 2; padded to 32 bits with the P bit as
// libwebrtc pads. An Error, and nothing appended, for 0 or more than 65535 packets,
// a packet whose seq is not baseSeq + index, or a delta outside int16.
Status appendTransportFeedback(BytesBuilder& out, const TransportFeedback& feedback);

struct TwccSettings {
  size_t maxPacketsPerFeedback = 500;  // received packets reported in one feedback
  size_t maxFeedbackBytes = 1200;      // one feedback packet, header and padding included
  // Sequence numbers from the oldest unreported to the newest; older ones are dropped
  // unreported. Also bounds memory and keeps the status count under 65535.
  size_t maxPending = 8192;
};

// The media receiver's side: records transport-wide sequence numbers and their arrival
// times, and reports them in feedback packets, each starting where the last one ended
// (numbers that never arrived are reported lost).
class TwccRecorder {
 public:
  TwccRecorder(uint32_t senderSsrc, uint32_t mediaSsrc, TwccSettings settings = {});

  // A packet carrying the transport-wide sequence number extension. The first arrival
  // of a number counts; one arriving after its number was reported is dropped.
  void onPacket(uint16_t transportSeq, int64_t arrivalUs);

  // Feedback for everything recorded since the last call, as many packets as the
  // limits need (a new one also when an arrival is more than int16 ticks from the
  // previous); empty when nothing new arrived.
  std::vector<TransportFeedback> takeFeedback();
  // The same, each serialized as one RTCP packet.
  std::vector<Bytes> buildFeedback();

  size_t pending() const { return arrivals_.size(); }
  uint64_t lateDropped() const { return lateDropped_; }        // arrived after being reported
  uint64_t pendingDropped() const { return pendingDropped_; }  // past maxPending, never reported

 private:
  TransportFeedback takeOne(int64_t start, int64_t& end);

  uint32_t senderSsrc_;
  uint32_t mediaSsrc_;
  TwccSettings settings_;
  SeqUnwrapper unwrapper_;
  std::map<int64_t, int64_t> arrivals_;  // unwrapped sequence number -> arrival, us
  std::optional<int64_t> reportedUpTo_;  // the first number not yet reported
  uint8_t feedbackCount_ = 0;
  uint64_t lateDropped_ = 0;
  uint64_t pendingDropped_ = 0;
};

}  // namespace rtsedge::webrtc::rtp
