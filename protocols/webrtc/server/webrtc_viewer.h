#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/server/catch_up_timeline.h"
#include "protocols/webrtc/server/rtp_track_sender.h"
#include "protocols/webrtc/server/send_pacer.h"
#include "protocols/webrtc/server/webrtc_context.h"
#include "protocols/webrtc/server/webrtc_muxer.h"
#include "relay/egress_queue.h"
#include "relay/egress_subscriber.h"
#include "relay/session.h"
#include "relay/uv/timer.h"

namespace rtsedge::webrtc {

// The media side of a WHEP viewer: subscribed to the stream like every egress session
// (EgressQueue timings, GOP cache start, slow-viewer policy), it sends the stream's
// shared RTP payloads under its own SSRCs, sequence numbers and timestamps, answers
// NACKs from its packet history, passes PLIs to the source, sends sender reports and
// reads the browser's receiver reports (RTT, loss). The session below it encrypts.
class WebRtcViewer final : private EgressSubscriber::Listener {
 public:
  class Output {
   public:
    // An RTP packet or RTCP compound packet, unprotected: the session encrypts and sends it.
    virtual void sendMedia(std::span<const uint8_t> packet, bool rtcp) = 0;
    // The viewer cannot go on (the stream ended, the viewer fell behind): close the session.
    virtual void onViewerEnded(CloseReason reason, std::string_view detail) = 0;

   protected:
    ~Output() = default;
  };

  WebRtcViewer(WebRtcContext& context, Output& output);
  ~WebRtcViewer();
  WebRtcViewer(const WebRtcViewer&) = delete;
  WebRtcViewer& operator=(const WebRtcViewer&) = delete;

  // The SSRCs the answer announces.
  uint32_t videoSsrc() const { return videoSsrc_; }
  uint32_t audioSsrc() const { return audioSsrc_; }
  // A track the answer accepted, with the offer's payload type.
  void addTrack(TrackKind kind, uint8_t payloadType);
  // The viewer's play was accepted now (its offer): first-frame time counts from here.
  void startTiming();
  // Subscribes to the stream (the transport is up). An Error: the stream is gone.
  Status play(Stream& stream);
  void onRtcp(const rtp::RtcpItem& item, Stream* stream);
  // Periodic work: sender reports once a second, history expiry.
  void tick(SteadyTime now);
  // Stops (the session closes): unsubscribes, a stall still open is counted.
  void finish();

  int64_t rttUs() const { return rttUs_; }
  std::vector<std::pair<std::string, double>> transportStats() const;

 private:
  void onEgressOutput() override { sendQueued(); }
  void onEgressSkipped() override;
  void onEgressOverflow() override;
  void onEgressStreamEnded() override;

  void sendQueued();
  // Sends what the pacer let through and arms its timer for what it still holds.
  void sendPaced(int64_t now);
  void sendFrame(const Bytes& blob, int64_t nowUs);
  void onNack(const rtp::Nack& nack, int64_t nowUs);
  void onReportBlock(const rtp::ReportBlock& block);
  void sendSenderReports(int64_t nowUs);
  RtpTrackSender* senderFor(uint32_t ssrc);
  int64_t nowUs() const;

  WebRtcContext& context_;
  Output& output_;
  EgressQueue queue_;
  WebRtcMuxer muxer_;
  std::unique_ptr<EgressSubscriber> subscriber_;
  std::vector<Bytes> batch_;
  SendPacer pacer_;
  std::vector<Bytes> paced_;  // frames the pacer let through, reused
  uv::Timer pacerTimer_;
  uint32_t videoSsrc_;
  uint32_t audioSsrc_;
  uint32_t videoTimestampBase_;
  uint32_t audioTimestampBase_;
  std::unique_ptr<RtpTrackSender> video_;
  std::unique_ptr<RtpTrackSender> audio_;
  std::optional<int64_t> joinPtsUs_;  // the newest cached frame's pts when the viewer joined: older audio is skipped
  CatchUpTimeline timeline_;          // the media times video goes out under
  int64_t maxVideoPtsUs_ = INT64_MIN;
  SteadyTime lastSenderReport_{};
  int64_t rttUs_ = 0;
  std::map<uint32_t, int32_t> reportedLost_;  // by SSRC: the cumulative loss the browser last reported
  uint64_t nacksReceived_ = 0;
  uint64_t retransmitted_ = 0;
  uint64_t plisReceived_ = 0;
};

}  // namespace rtsedge::webrtc
