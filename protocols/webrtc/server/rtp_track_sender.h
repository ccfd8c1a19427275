#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocols/webrtc/rtp/retransmission_buffer.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/bytes.h"

namespace rtsedge::webrtc {

struct RtpTrackSenderSettings {
  uint32_t ssrc = 0;
  uint8_t payloadType = 0;
  uint32_t clockRate = 90000;
  int64_t historyUs = 1'000'000;  // how old a packet a NACK still gets again
  // How many packets the history holds at most (a power of two, 16..32768): enough for
  // historyUs of the track's packet rate. Its slots are made up front, per viewer.
  size_t historyPackets = 1024;
};

// One track a WebRTC viewer receives: its SSRC and sequence numbers, the packets kept
// for NACKs, and what its sender reports say. The payloads are the stream's shared ones;
// the header is this viewer's. Nothing is allocated per packet: a packet is written into
// the sender's buffer, and the history keeps the shared payload (a reference) and the
// header fields, from which a resend is written again.
class RtpTrackSender {
 public:
  // Sequence numbers start at a random value (RFC 3550 5.1).
  explicit RtpTrackSender(RtpTrackSenderSettings settings);

  // The RTP packet (unprotected) for the next sequence number, kept for resends. Valid
  // until the next packet() or resend().
  std::span<const uint8_t> packet(const rtp::RtpPayload& payload, uint32_t timestamp, int64_t mediaUs,
                                  int64_t nowUs);
  // The packet a NACK asks for, unless too old or resent within `minIntervalUs`. Valid
  // until the next packet() or resend().
  std::optional<std::span<const uint8_t>> resend(uint16_t sequence, int64_t nowUs, int64_t minIntervalUs);
  // Lets go of packets past the history's age.
  void expire(int64_t nowUs) { history_.expire(nowUs); }

  // An SR for this track now, or nullopt before the first packet. `rtpNow` maps the
  // media time now onto this track's RTP clock.
  std::optional<rtp::SenderReport> senderReport(uint64_t ntpNow, uint32_t rtpNow) const;
  bool started() const { return packets_ > 0; }
  // The media time of the last packet sent and when it was sent (us of the caller's clock).
  int64_t lastMediaUs() const { return lastMediaUs_; }
  int64_t lastSentUs() const { return lastSentUs_; }

  uint32_t ssrc() const { return settings_.ssrc; }
  uint32_t clockRate() const { return settings_.clockRate; }
  uint64_t packets() const { return packets_; }
  uint64_t bytes() const { return octets_; }

 private:
  // What a resend needs besides the payload, by sequence number modulo the history's size.
  struct SentHeader {
    int32_t sequence = -1;  // -1: none
    uint32_t timestamp = 0;
    bool marker = false;
  };

  std::span<const uint8_t> write(uint16_t sequence, uint32_t timestamp, bool marker, std::span<const uint8_t> payload);

  RtpTrackSenderSettings settings_;
  uint16_t sequence_;
  rtp::RetransmissionBuffer history_;  // the payloads
  std::vector<SentHeader> headers_;
  std::vector<uint8_t> buffer_;
  uint32_t packets_ = 0;  // 32-bit counters wrap, as the SR's fields do
  uint32_t octets_ = 0;
  int64_t lastMediaUs_ = 0;
  int64_t lastSentUs_ = 0;
};

// A random 32-bit value from the process's CSPRNG (SSRCs, timestamp bases, ids).
uint32_t randomU32();

}  // namespace rtsedge::webrtc
