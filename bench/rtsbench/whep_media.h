#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "metrics/registry.h"
#include "protocols/webrtc/rtp/h264_depacketizer.h"
#include "protocols/webrtc/rtp/opus_rtp.h"
#include "protocols/webrtc/rtp/rtcp_receiver_stats.h"
#include "protocols/webrtc/rtp/rtp_packet.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"
#include "relay/bytes.h"
#include "relay/clock.h"
#include "relay/stream_source.h"

namespace rtsedge::bench {

struct WhepMediaStats {
  uint64_t packets = 0;         // RTP packets of either track
  uint64_t unknownPackets = 0;  // a payload type the answer did not agree on
  uint64_t videoFrames = 0;
  uint64_t audioFrames = 0;       // Opus packets taken (counted, not published: see below)
  uint64_t nacksSent = 0;         // sequence numbers asked for again
  uint64_t framesIncomplete = 0;  // H.264 frames dropped for a lost or malformed packet
};

// A WHEP player's media -> the meter's stream: decrypted RTP of the video payload type
// through rtsedge's own H264Depacketizer into frames (keyframe flag, 90 kHz timestamps
// from the first frame on, the capture stamp read from the SEI as the other players'
// sources read it), and the RTCP a receiver sends: a receiver report every second (with
// LSR/DLSR, so the server measures RTT) and NACKs for missing video packets.
//
// Only video reaches the stream. The two tracks' RTP clocks have random bases, lined up
// only by the sender reports that come a second later; the meter's stall model needs one
// timeline, so its figures for WHEP players are the video's. Opus is depacketized and
// counted.
class WhepMediaSource final : public StreamSource {
 public:
  WhepMediaSource(const Clock& clock, metrics::Counter& framesReceived, StreamSource::Listener& listener);

  // What the answer agreed on; packets of other payload types are counted and dropped.
  void setTracks(std::optional<uint8_t> videoPayloadType, std::optional<uint8_t> audioPayloadType);
  void onRtp(const webrtc::rtp::RtpPacketView& packet, SteadyTime arrival);
  void onSenderReport(uint32_t ssrc, uint64_t ntpTimestamp, SteadyTime arrival);
  // RTCP to send now, unprotected (empty when nothing is due): an RR once a second,
  // NACKs for video packets missing (each asked again after kNackRetry, up to the
  // generator's limit). Also gives up on missing video when the sender paused, so the
  // frames held behind a hole are published.
  Bytes feedback(SteadyTime now);

  const WhepMediaStats& stats() const { return stats_; }

 private:
  struct Track {
    std::optional<uint8_t> payloadType;
    uint32_t clockRate = 0;
    std::unique_ptr<webrtc::rtp::ReceiverStats> stats;  // from the first packet on
  };

  void publish(webrtc::rtp::DepacketizedFrame& frame, SteadyTime arrival);
  int64_t sinceStartUs(SteadyTime time) const;
  static void noteSsrc(Track& track, uint32_t ssrc);

  const Clock& clock_;
  metrics::Counter& framesReceived_;
  SteadyTime start_;
  uint32_t localSsrc_;
  Track video_;
  Track audio_;
  webrtc::rtp::H264Depacketizer h264_;
  webrtc::rtp::OpusDepacketizer opus_;
  webrtc::rtp::NackGenerator nacks_;
  webrtc::rtp::RtpTimestampUnwrapper unwrapper_;
  std::optional<int64_t> firstUnwrapped_;
  TrackConfigPtr config_;
  SteadyTime lastVideoPacket_{};
  SteadyTime lastReport_{};
  WhepMediaStats stats_;
};

}  // namespace rtsedge::bench
