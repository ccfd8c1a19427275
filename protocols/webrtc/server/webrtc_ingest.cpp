#include "protocols/webrtc/server/webrtc_ingest.h"

#include <algorithm>

#include "protocols/webrtc/rtp/rtcp_packet.h"

namespace rtsedge::webrtc {

namespace {
constexpr Millis kPliInterval{500};
constexpr Millis kReportInterval{1000};
constexpr int64_t kMinNackRetryUs = 20'000;
constexpr int64_t kMaxNackRetryUs = 500'000;
// No video packet for this long: the sender paused (or its rate is that low), and what is
// still missing will not come; the depacketizer gives up on it and publishes what it holds.
constexpr Millis kVideoStall{200};
constexpr size_t kRtxHeaderSize = 2;  // the original sequence number (RFC 4588 4)
}  // namespace

WebRtcIngest::WebRtcIngest(IngestTracks tracks, uint32_t localSsrc, const Clock& clock,
                           StreamSource::Listener& listener)
    : StreamSource(listener),
      tracks_(tracks),
      localSsrc_(localSsrc),
      start_(clock.now()),
      opus_(tracks.audioChannels) {}

WebRtcIngest::Track* WebRtcIngest::trackFor(const rtp::RtpPacketView& packet) {
  Track* track = nullptr;
  if (tracks_.videoPayloadType && packet.payloadType == *tracks_.videoPayloadType) {
    track = &video_;
  } else if (tracks_.audioPayloadType && packet.payloadType == *tracks_.audioPayloadType) {
    track = &audio_;
  }
  if (track != nullptr && (!track->stats || track->ssrc != packet.ssrc)) {
    // The first packet of the track, or the sender restarted with a new SSRC.
    track->ssrc = packet.ssrc;
    track->stats = std::make_unique<rtp::ReceiverStats>(packet.ssrc);
    track->nacks = rtp::NackGenerator();
    // A new SSRC starts a new RTP clock: its first packet is placed by its arrival again.
    track->unwrapper = rtp::RtpTimestampUnwrapper();
    track->firstUnwrapped.reset();
    track->senderReport.reset();
  }
  return track;
}

void WebRtcIngest::recordTransportSequence(const rtp::RtpPacketView& packet, int64_t arrivalUs) {
  if (!tracks_.transportCcId) {
    return;
  }
  auto value = packet.extension(*tracks_.transportCcId);
  if (!value || value->size() < 2) {
    return;
  }
  if (!twcc_) {
    // One recorder for the whole transport: the sequence numbers span every SSRC.
    twcc_ = std::make_unique<rtp::TwccRecorder>(localSsrc_, packet.ssrc);
  }
  twcc_->onPacket(loadU16(value->data()), arrivalUs);
}

int64_t WebRtcIngest::mediaUs(Track& track, int64_t unwrapped, SteadyTime arrival) {
  if (!track.firstUnwrapped) {
    // Each track starts where its first packet arrived on the session's clock, so both
    // tracks share one timeline within the network's jitter.
    track.firstUnwrapped = unwrapped;
    track.firstUs = std::chrono::duration_cast<Micros>(arrival - start_).count();
  }
  return track.firstUs + rtp::clockUnitsToUs(unwrapped - *track.firstUnwrapped, track.clockRate);
}

void WebRtcIngest::onRtp(const rtp::RtpPacketView& packet, SteadyTime arrival) {
  ++stats_.packets;
  recordTransportSequence(packet, std::chrono::duration_cast<Micros>(arrival - start_).count());
  if (tracks_.videoRtxPayloadType && packet.payloadType == *tracks_.videoRtxPayloadType) {
    onRetransmission(packet, arrival);
    return;
  }
  Track* track = trackFor(packet);
  if (track == nullptr) {
    ++stats_.packetsUnknown;
    return;
  }
  int64_t arrivalUs = std::chrono::duration_cast<Micros>(arrival - start_).count();
  auto arrivalRtp = static_cast<uint32_t>(rtp::usToClockUnits(arrivalUs, track->clockRate));
  track->stats->onPacket(packet.sequence, packet.timestamp, arrivalRtp);
  depacketize(*track, packet, arrival);
}

// RFC 4588: the RTX payload is the original sequence number and the original payload.
// The packet goes to the depacketizer as the one it repairs.
void WebRtcIngest::onRetransmission(const rtp::RtpPacketView& packet, SteadyTime arrival) {
  if (packet.payload.size() < kRtxHeaderSize || !video_.stats || !tracks_.videoPayloadType) {
    ++stats_.padding;  // bandwidth probing, or a repair before any media: nothing to repair
    return;
  }
  ++stats_.retransmissions;
  rtp::RtpPacketView original = packet;
  original.payloadType = *tracks_.videoPayloadType;
  original.ssrc = video_.ssrc;
  original.sequence = loadU16(packet.payload.data());
  original.payload = packet.payload.subspan(kRtxHeaderSize);
  depacketize(video_, original, arrival);
}

void WebRtcIngest::depacketize(Track& track, const rtp::RtpPacketView& packet, SteadyTime arrival) {
  int64_t arrivalUs = std::chrono::duration_cast<Micros>(arrival - start_).count();
  std::vector<rtp::DepacketizedFrame> frames;
  if (&track == &video_) {
    lastVideoPacket_ = arrival;
    if (track.nacks.onPacket(packet.sequence, arrivalUs) == rtp::NackGenerator::Arrival::kJumped) {
      lastPli_.reset();  // the next feedback asks for a keyframe at once
    }
    frames = h264_.push(packet);
  } else {
    frames = opus_.push(packet);
  }
  for (rtp::DepacketizedFrame& frame : frames) {
    publish(track, frame, arrival);
  }
}

void WebRtcIngest::publish(Track& track, rtp::DepacketizedFrame& frame, SteadyTime arrival) {
  Stream* target = stream();
  if (target == nullptr) {
    return;
  }
  if (frame.configChanged || track.config != frame.config) {
    track.config = frame.config;
    target->publishConfig(frame.config);
  }
  int64_t unwrapped = track.unwrapper.unwrap(frame.timestamp);
  auto media = std::make_shared<MediaFrame>();
  media->kind = track.kind;
  media->codec = frame.config->codec;
  media->ptsUs = mediaUs(track, unwrapped, arrival);
  media->capture = captureTime(track, unwrapped);
  media->dtsUs = media->ptsUs;  // browsers send no B-frames: decode order is display order
  media->keyframe = frame.keyframe;
  media->payload = std::move(frame.payload);
  media->config = frame.config;
  media->arrival = arrival;
  lastMedia_ = arrival;
  ++stats_.framesPublished;
  target->publishFrame(std::move(media));
}

void WebRtcIngest::onSenderReport(uint32_t ssrc, uint64_t ntpTimestamp, uint32_t rtpTimestamp, SteadyTime arrival) {
  int64_t arrivalUs = std::chrono::duration_cast<Micros>(arrival - start_).count();
  for (Track* track : {&video_, &audio_}) {
    if (track->stats && track->ssrc == ssrc) {
      track->stats->onSenderReport(ntpTimestamp, arrivalUs);
      // Unwrapped against the frames' timestamps (peek: an SR must not move the reference).
      track->senderReport = {ntpTimestamp, track->unwrapper.peek(rtpTimestamp)};
    }
  }
}

std::optional<WallTime> WebRtcIngest::captureTime(const Track& track, int64_t unwrapped) const {
  if (!track.senderReport) {
    return std::nullopt;
  }
  constexpr uint64_t kNtpUnixOffsetSeconds = 2'208'988'800ULL;
  auto [ntp, rtpAtNtp] = *track.senderReport;
  if ((ntp >> 32) < kNtpUnixOffsetSeconds) {
    return std::nullopt;  // not a wall-clock time
  }
  int64_t unixUs = static_cast<int64_t>((ntp >> 32) - kNtpUnixOffsetSeconds) * 1'000'000 +
                   static_cast<int64_t>(((ntp & 0xFFFFFFFFULL) * 1'000'000) >> 32);
  int64_t captureUs = unixUs + rtp::clockUnitsToUs(unwrapped - rtpAtNtp, track.clockRate);
  return WallTime(std::chrono::duration_cast<WallTime::duration>(Micros(captureUs)));
}

Bytes WebRtcIngest::feedback(SteadyTime now, int64_t rttUs) {
  int64_t nowUs = std::chrono::duration_cast<Micros>(now - start_).count();
  if (video_.stats && now - lastVideoPacket_ >= kVideoStall) {
    for (rtp::DepacketizedFrame& frame : h264_.flush()) {
      publish(video_, frame, now);
    }
  }
  uint32_t localSsrc = localSsrc_;
  BytesBuilder out;
  rtp::ReceiverReport report{.ssrc = localSsrc, .reports = {}};
  bool reportDue = now - lastReport_ >= kReportInterval;
  if (reportDue) {
    lastReport_ = now;
    for (Track* track : {&video_, &audio_}) {
      if (track->stats && track->stats->hasPackets()) {
        report.reports.push_back(track->stats->makeReportBlock(nowUs));
      }
    }
  }
  // Reduced-size RTCP is negotiated by browsers, but a compound packet that starts with
  // an RR is valid for every receiver.
  rtp::appendReceiverReport(out, report);
  size_t header = out.size();
  if (video_.stats) {
    std::vector<uint16_t> lost = video_.nacks.due(nowUs, std::clamp(rttUs, kMinNackRetryUs, kMaxNackRetryUs));
    if (!lost.empty()) {
      nacksSent_ += lost.size();
      rtp::appendNack(out, localSsrc, video_.ssrc, lost);
    }
    if ((h264_.needsKeyframe() || keyframeRequested_) && (!lastPli_ || now - *lastPli_ >= kPliInterval)) {
      lastPli_ = now;
      keyframeRequested_ = false;
      ++plisSent_;
      rtp::appendPli(out, localSsrc, video_.ssrc);
    }
  }
  if (twcc_) {
    for (const Bytes& packet : twcc_->buildFeedback()) {
      out.append(packet);
    }
  }
  if (out.size() == header && !reportDue) {
    return Bytes();
  }
  return out.freeze();
}

uint64_t WebRtcIngest::packetsLost() const {
  uint64_t lost = 0;
  for (const Track* track : {&video_, &audio_}) {
    if (track->stats) {
      lost += static_cast<uint64_t>(std::max<int64_t>(0, track->stats->cumulativeLost()));
    }
  }
  return lost;
}

}  // namespace rtsedge::webrtc
