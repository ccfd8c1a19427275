#include "protocols/webrtc/server/webrtc_viewer.h"

#include <algorithm>
#include <bit>

#include "protocols/webrtc/rtp/rtp_timestamp.h"
#include "protocols/webrtc/server/rtp_frame_blob.h"
#include "relay/config_values.h"

namespace rtsedge::webrtc {

namespace {
constexpr Millis kSenderReportInterval{1000};
constexpr int64_t kMinResendIntervalUs = 10'000;
constexpr uint64_t kNtpUnixOffsetSeconds = 2'208'988'800ULL;

// The wall clock as a 64-bit NTP timestamp (RFC 3550 4), for sender reports.
uint64_t ntpNow() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since).count();
  uint64_t seconds = static_cast<uint64_t>(micros / 1'000'000) + kNtpUnixOffsetSeconds;
  uint64_t fraction = (static_cast<uint64_t>(micros % 1'000'000) << 32) / 1'000'000;
  return (seconds << 32) | fraction;
}
}  // namespace

WebRtcViewer::WebRtcViewer(WebRtcContext& context, Output& output)
    : context_(context),
      output_(output),
      queue_(EgressQueueLimits{context.viewers.queueSoftLimit, context.viewers.queueHardLimit}, context.clock),
      muxer_(rtp::kDefaultRtpPayloadSize),
      pacer_(SendPacer::Settings{}),
      pacerTimer_(context.loop, [this] { sendPaced(nowUs()); }),
      videoSsrc_(randomU32()),
      audioSsrc_(randomU32()),
      videoTimestampBase_(randomU32()),
      audioTimestampBase_(randomU32()) {
  if (audioSsrc_ == videoSsrc_) {
    audioSsrc_ ^= 1;
  }
}

WebRtcViewer::~WebRtcViewer() {
  finish();
}

int64_t WebRtcViewer::nowUs() const {
  return std::chrono::duration_cast<Micros>(context_.clock.now().time_since_epoch()).count();
}

void WebRtcViewer::addTrack(TrackKind kind, uint8_t payloadType) {
  bool video = kind == TrackKind::kVideo;
  // Slots for the history's span of packets: video at up to ~16 Mbit/s in 1200-byte packets
  // (about 1700 a second: room, too, for a join's catch-up, a 2 s GOP at 4 Mbit/s is ~900
  // packets sent in tens of ms; a browser that drops some while it starts its decoder
  // NACKs them, and a loss the history no longer holds waits for the next keyframe).
  // Opus at 50 a second. The settings allow up to 10 s.
  int64_t historyUs = context_.settings.nackHistory.count() * 1000;
  size_t perSecond = video ? 1700 : 50;
  size_t packets = std::bit_ceil(static_cast<size_t>(std::max<int64_t>(1, perSecond * historyUs / 1'000'000)));
  RtpTrackSenderSettings settings{.ssrc = video ? videoSsrc_ : audioSsrc_,
                                  .payloadType = payloadType,
                                  .clockRate = video ? rtp::kVideoClockRate : rtp::kOpusClockRate,
                                  .historyUs = historyUs,
                                  .historyPackets = std::clamp<size_t>(packets, 16, 32768)};
  (video ? video_ : audio_) = std::make_unique<RtpTrackSender>(settings);
}

void WebRtcViewer::startTiming() {
  queue_.startTiming(context_.metrics.egressTimings(context_.viewers.playerBuffer));
}

Status WebRtcViewer::play(Stream& stream) {
  if (!stream.hasSource()) {
    return Error("the stream ended before the viewer connected");
  }
  if (!stream.gopCache().frames().empty()) {
    joinPtsUs_ = stream.gopCache().frames().back()->ptsUs;
    timeline_.start(*joinPtsUs_, nowUs());
  }
  subscriber_ = std::make_unique<EgressSubscriber>(stream, queue_, muxer_, TrackFilter{},
                                                   static_cast<EgressSubscriber::Listener&>(*this));
  sendQueued();
  return Status::ok();
}

void WebRtcViewer::finish() {
  queue_.finishTiming();
  subscriber_.reset();
  pacerTimer_.stop();
}

void WebRtcViewer::sendQueued() {
  queue_.takeBatch(batch_);
  if (batch_.empty()) {
    return;
  }
  int64_t now = nowUs();
  for (Bytes& blob : batch_) {
    if (timeline_.catchingUp()) {
      auto frame = RtpFrameBlob::read(blob);
      if (frame && frame->kind == TrackKind::kVideo) {
        pacer_.push(std::move(blob), now, paced_);  // audio is small and needs no pacing
        continue;
      }
    }
    sendFrame(blob, now);
  }
  batch_.clear();
  if (timeline_.catchingUp()) {
    sendPaced(now);  // live viewers skip the pacer altogether
  }
  queue_.onBatchWritten();  // UDP sends complete at once: what did not fit was dropped, as on the network
}

void WebRtcViewer::sendPaced(int64_t now) {
  pacer_.release(now, paced_);
  for (const Bytes& blob : paced_) {
    sendFrame(blob, now);
  }
  paced_.clear();
  if (auto next = pacer_.nextReleaseUs()) {
    pacerTimer_.start(Millis(std::max<int64_t>(1, (*next - now + 999) / 1000)));
  } else {
    timeline_.caughtUp();  // the cached GOP and what came meanwhile are out
  }
}

void WebRtcViewer::sendFrame(const Bytes& blob, int64_t now) {
  auto frame = RtpFrameBlob::read(blob);
  if (!frame) {
    return;
  }
  bool video = frame->kind == TrackKind::kVideo;
  RtpTrackSender* sender = video ? video_.get() : audio_.get();
  if (sender == nullptr) {
    return;  // a track the browser did not take
  }
  int64_t mediaUs = frame->ptsUs;
  if (video) {
    if (frame->disposable && frame->ptsUs < maxVideoPtsUs_ && context_.settings.bFrames == BFramePolicy::kDrop) {
      context_.webrtcMetrics.bFramesDropped.inc();
      return;
    }
    maxVideoPtsUs_ = std::max(maxVideoPtsUs_, frame->ptsUs);
    mediaUs = timeline_.stamp(frame->ptsUs, now);
  } else if (joinPtsUs_ && frame->ptsUs < *joinPtsUs_) {
    return;  // the cached GOP's audio is past: the browser would play it late
  }
  uint32_t timestamp =
      rtp::rtpTimestamp(mediaUs, sender->clockRate(), video ? videoTimestampBase_ : audioTimestampBase_);
  frame->forEachPayload([&](const rtp::RtpPayload& payload) {
    output_.sendMedia(sender->packet(payload, timestamp, mediaUs, now), false);
  });
}

RtpTrackSender* WebRtcViewer::senderFor(uint32_t ssrc) {
  if (video_ && video_->ssrc() == ssrc) {
    return video_.get();
  }
  if (audio_ && audio_->ssrc() == ssrc) {
    return audio_.get();
  }
  return nullptr;
}

void WebRtcViewer::onRtcp(const rtp::RtcpItem& item, Stream* stream) {
  if (const auto* nack = std::get_if<rtp::Nack>(&item.body)) {
    onNack(*nack, nowUs());
  } else if (std::holds_alternative<rtp::Pli>(item.body) || std::holds_alternative<rtp::Fir>(item.body)) {
    // A WHIP source asks its browser for a keyframe; other sources' next keyframe answers it.
    ++plisReceived_;
    context_.webrtcMetrics.plisReceived.inc();
    if (stream != nullptr && subscriber_) {
      stream->requestKeyframe();
    }
  } else if (const auto* report = std::get_if<rtp::ReceiverReport>(&item.body)) {
    for (const rtp::ReportBlock& block : report->reports) {
      onReportBlock(block);
    }
  } else if (const auto* senderReport = std::get_if<rtp::SenderReport>(&item.body)) {
    for (const rtp::ReportBlock& block : senderReport->reports) {
      onReportBlock(block);
    }
  }
}

void WebRtcViewer::onNack(const rtp::Nack& nack, int64_t now) {
  nacksReceived_ += nack.lost.size();
  context_.webrtcMetrics.nacksReceived.inc(static_cast<double>(nack.lost.size()));
  RtpTrackSender* sender = senderFor(nack.mediaSsrc);
  if (sender == nullptr) {
    return;
  }
  for (uint16_t sequence : nack.lost) {
    // The same loss NACKed again within half an RTT is the same request: sent once.
    if (auto packet = sender->resend(sequence, now, std::max(kMinResendIntervalUs, rttUs_ / 2))) {
      ++retransmitted_;
      context_.webrtcMetrics.retransmitted.inc();
      output_.sendMedia(*packet, false);
    }
  }
}

void WebRtcViewer::onReportBlock(const rtp::ReportBlock& block) {
  if (senderFor(block.ssrc) == nullptr) {
    return;
  }
  auto [previous, added] = reportedLost_.try_emplace(block.ssrc, 0);
  if (block.cumulativeLost > previous->second) {
    context_.webrtcMetrics.lostSent.inc(block.cumulativeLost - previous->second);
    previous->second = block.cumulativeLost;
  }
  if (block.lastSr == 0) {
    return;
  }
  // RFC 3550 6.4.1: RTT = now - LSR - DLSR, in 1/65536 s of the compact NTP clock.
  uint32_t rtt = rtp::compactNtp(ntpNow()) - block.lastSr - block.delaySinceLastSr;
  if (rtt > 65536U * 10) {
    return;  // a report about an SR we did not send, or clocks off: no sample
  }
  rttUs_ = static_cast<int64_t>(rtt) * 1'000'000 / 65536;
  context_.webrtcMetrics.rtt.observe(static_cast<double>(rttUs_) / 1e6);
}

void WebRtcViewer::tick(SteadyTime now) {
  if (now - lastSenderReport_ < kSenderReportInterval) {
    return;
  }
  lastSenderReport_ = now;
  sendSenderReports(nowUs());
}

void WebRtcViewer::sendSenderReports(int64_t now) {
  BytesBuilder out;
  uint64_t ntp = ntpNow();
  for (RtpTrackSender* sender : {video_.get(), audio_.get()}) {
    if (sender == nullptr || !sender->started()) {
      continue;
    }
    sender->expire(now);
    // The media time now: the last packet's, moved on by the time since it was sent. Both
    // tracks map the stream's one timeline to the wall clock: the browser syncs them by it.
    int64_t mediaNow = sender->lastMediaUs() + (now - sender->lastSentUs());
    uint32_t base = sender == video_.get() ? videoTimestampBase_ : audioTimestampBase_;
    if (auto report = sender->senderReport(ntp, rtp::rtpTimestamp(mediaNow, sender->clockRate(), base))) {
      rtp::appendSenderReport(out, *report);
      rtp::appendSdesCname(out, sender->ssrc(), "rtsedge");
    }
  }
  if (out.size() > 0) {
    Bytes compound = out.freeze();
    output_.sendMedia(compound.span(), true);
  }
}

std::vector<std::pair<std::string, double>> WebRtcViewer::transportStats() const {
  return {{"rtt_ms", static_cast<double>(rttUs_) / 1000.0},
          {"packets_sent", static_cast<double>((video_ ? video_->packets() : 0) + (audio_ ? audio_->packets() : 0))},
          {"nacks_received", static_cast<double>(nacksReceived_)},
          {"packets_retransmitted", static_cast<double>(retransmitted_)},
          {"plis_received", static_cast<double>(plisReceived_)}};
}

void WebRtcViewer::onEgressSkipped() {
  context_.metrics.viewerSkips.inc();
}

void WebRtcViewer::onEgressOverflow() {
  output_.onViewerEnded(CloseReason::kSlowViewer, "the viewer fell behind the queue's hard bound");
}

void WebRtcViewer::onEgressStreamEnded() {
  subscriber_.reset();
  output_.onViewerEnded(CloseReason::kStreamEnded, "no source within the grace period");
}

}  // namespace rtsedge::webrtc
