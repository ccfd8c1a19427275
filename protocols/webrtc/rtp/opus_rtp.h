#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/media_frame.h"
#include "relay/status.h"

namespace rtsedge::webrtc::rtp {

// Opus over RTP (RFC 7587): one Opus packet per RTP packet, 48 kHz timestamps whatever
// the input rate, marker bit clear (no DTX talkspurt signalling).

struct OpusPacketizerOptions {
  size_t maxPayloadSize = kDefaultRtpPayloadSize;
  uint32_t timestampBase = 0;  // added to the 48 kHz pts
};

// The frame's packet as the one payload, shared (a slice of frame.payload). Fails on
// a codec other than Opus, an empty packet, or one over the budget.
Result<PacketizedFrame> packetizeOpus(const MediaFrame& frame, const OpusPacketizerOptions& options = {});

struct OpusDepacketizerStats {
  uint64_t packets = 0;
  uint64_t packetsLate = 0;       // not newer than the last taken: reordered or duplicated
  uint64_t packetsLost = 0;       // sequence numbers skipped
  uint64_t packetsMalformed = 0;  // not an Opus packet (RFC 6716 3.1)
  uint64_t packetsIgnored = 0;    // empty payloads (padding)
  uint64_t framesOut = 0;
  uint64_t sequenceResets = 0;
};

// WHIP ingest: RTP packets of one Opus stream -> frames, with the same interface as
// H264Depacketizer. Audio is not held back for reordering: a packet older than the last
// one taken is dropped (the decoder conceals it). Frames carry an OpusHead config.
class OpusDepacketizer {
 public:
  explicit OpusDepacketizer(uint8_t channels = 2);

  std::vector<DepacketizedFrame> push(const RtpPacketView& packet);
  std::vector<DepacketizedFrame> flush() { return {}; }  // nothing is held

  bool needsKeyframe() const { return false; }
  TrackConfigPtr config() const { return config_; }
  const OpusDepacketizerStats& stats() const { return stats_; }

 private:
  OpusDepacketizerStats stats_;
  TrackConfigPtr config_;
  bool configSent_ = false;
  std::optional<uint16_t> last_;
  std::optional<uint16_t> resyncCandidate_;
};

}  // namespace rtsedge::webrtc::rtp
