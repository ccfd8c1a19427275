#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "protocols/webrtc/rtp/h264_depacketizer.h"
#include "protocols/webrtc/rtp/opus_rtp.h"
#include "protocols/webrtc/rtp/rtcp_receiver_stats.h"
#include "protocols/webrtc/rtp/rtcp_twcc.h"
#include "protocols/webrtc/rtp/rtp_packet.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"
#include "relay/clock.h"
#include "relay/stream_source.h"

namespace rtsedge::webrtc {

// What the answer agreed on for a WHIP publisher's media.
struct IngestTracks {
  std::optional<uint8_t> videoPayloadType;  // H.264
  std::optional<uint8_t> videoRtxPayloadType;  // its retransmissions (RFC 4588), when negotiated
  std::optional<uint8_t> audioPayloadType;  // Opus
  uint8_t audioChannels = 2;
  std::optional<uint8_t> transportCcId;  // the transport-wide sequence number extension's id
};

struct IngestStats {
  uint64_t packets = 0;
  uint64_t framesPublished = 0;
  uint64_t packetsUnknown = 0;  // a payload type the answer did not agree on
  uint64_t retransmissions = 0;  // RTX packets carrying a lost packet again
  uint64_t padding = 0;          // RTX packets with no payload (the sender probing bandwidth)
};

// A WHIP publisher's media -> a Stream: RTP depacketized into frames (H.264, Opus),
// RTP clocks mapped onto the stream's microsecond timeline, and the feedback a browser
// sender needs: receiver reports, NACKs for lost packets, PLIs while a keyframe is
// needed, and transport-wide congestion control feedback so its bandwidth estimate grows.
class WebRtcIngest final : public StreamSource {
 public:
  // localSsrc: the SSRC our RTCP feedback is sent with.
  WebRtcIngest(IngestTracks tracks, uint32_t localSsrc, const Clock& clock, StreamSource::Listener& listener);

  void onRtp(const rtp::RtpPacketView& packet, SteadyTime arrival);
  void onSenderReport(uint32_t ssrc, uint64_t ntpTimestamp, uint32_t rtpTimestamp, SteadyTime arrival);
  // RTCP to send now (a compound packet; empty when nothing is due): NACKs and TWCC
  // every call, PLI when a keyframe is needed (at most every 500 ms), RRs every second.
  // Also gives up on video packets still missing when the sender has paused (so the
  // frames behind them are published and a keyframe is asked for).
  Bytes feedback(SteadyTime now, int64_t rttUs);

  // A viewer asked for a keyframe: the next feedback carries a PLI (within the PLI interval).
  void requestKeyframe() override { keyframeRequested_ = true; }

  const IngestStats& stats() const { return stats_; }
  uint64_t nacksSent() const { return nacksSent_; }
  uint64_t plisSent() const { return plisSent_; }
  uint64_t packetsLost() const;
  bool receivedMedia() const { return stats_.framesPublished > 0; }
  SteadyTime lastMedia() const { return lastMedia_; }

 private:
  // One incoming SSRC's state.
  struct Track {
    Track(TrackKind kind_, uint32_t clockRate_) : kind(kind_), clockRate(clockRate_) {}
    TrackKind kind;
    uint32_t clockRate;
    uint32_t ssrc = 0;
    std::unique_ptr<rtp::ReceiverStats> stats;
    rtp::NackGenerator nacks;
    rtp::RtpTimestampUnwrapper unwrapper;
    std::optional<int64_t> firstUnwrapped;
    int64_t firstUs = 0;  // where the first timestamp sits on the stream's timeline
    TrackConfigPtr config;
    // The latest sender report: its NTP time (the sender's wall clock) and RTP timestamp,
    // which date every frame's capture for the end-to-end latency metric.
    std::optional<std::pair<uint64_t, int64_t>> senderReport;
  };

  Track* trackFor(const rtp::RtpPacketView& packet);
  void onRetransmission(const rtp::RtpPacketView& packet, SteadyTime arrival);
  void recordTransportSequence(const rtp::RtpPacketView& packet, int64_t arrivalUs);
  void depacketize(Track& track, const rtp::RtpPacketView& packet, SteadyTime arrival);
  void publish(Track& track, rtp::DepacketizedFrame& frame, SteadyTime arrival);
  int64_t mediaUs(Track& track, int64_t unwrapped, SteadyTime arrival);
  std::optional<WallTime> captureTime(const Track& track, int64_t unwrapped) const;

  IngestTracks tracks_;
  uint32_t localSsrc_;
  SteadyTime start_;
  Track video_{TrackKind::kVideo, rtp::kVideoClockRate};
  Track audio_{TrackKind::kAudio, rtp::kOpusClockRate};
  rtp::H264Depacketizer h264_;
  rtp::OpusDepacketizer opus_;
  std::unique_ptr<rtp::TwccRecorder> twcc_;
  IngestStats stats_;
  SteadyTime lastMedia_{};
  SteadyTime lastVideoPacket_{};
  std::optional<SteadyTime> lastPli_;
  SteadyTime lastReport_{};
  uint64_t nacksSent_ = 0;
  uint64_t plisSent_ = 0;
  bool keyframeRequested_ = false;
};

}  // namespace rtsedge::webrtc
