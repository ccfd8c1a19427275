#include "bench/rtsbench/whep_media.h"

#include <openssl/rand.h>

#include <vector>

#include "protocols/codec/sei.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"

namespace rtsedge::bench {

namespace {

using webrtc::rtp::DepacketizedFrame;
using webrtc::rtp::RtpPacketView;

constexpr Millis kReportInterval{1000};
// On loopback a retransmission comes back within a tick: ask again after this.
constexpr int64_t kNackRetryUs = 40'000;
// No video packet for this long: what is missing will not come (as WebRtcIngest judges).
constexpr Millis kVideoStall{200};
// Packets held back behind a hole while its NACK is answered: a GOP burst sends hundreds
// at once. Bounded memory: this many packets of at most an MTU each.
constexpr size_t kReorderWindow = 512;

uint32_t randomSsrc() {
  uint32_t value = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value)) != 1 || value == 0) {
    return 0x72747362;  // "rtsb"
  }
  return value;
}

}  // namespace

WhepMediaSource::WhepMediaSource(const Clock& clock, metrics::Counter& framesReceived, StreamSource::Listener& listener)
    : StreamSource(listener),
      clock_(clock),
      framesReceived_(framesReceived),
      start_(clock.now()),
      localSsrc_(randomSsrc()),
      h264_(webrtc::rtp::H264DepacketizerOptions{.reorderWindow = kReorderWindow}),
      opus_(2) {
  video_.clockRate = webrtc::rtp::kVideoClockRate;
  audio_.clockRate = webrtc::rtp::kOpusClockRate;
}

void WhepMediaSource::setTracks(std::optional<uint8_t> videoPayloadType, std::optional<uint8_t> audioPayloadType) {
  video_.payloadType = videoPayloadType;
  audio_.payloadType = audioPayloadType;
}

int64_t WhepMediaSource::sinceStartUs(SteadyTime time) const {
  return std::chrono::duration_cast<Micros>(time - start_).count();
}

void WhepMediaSource::noteSsrc(Track& track, uint32_t ssrc) {
  if (!track.stats || track.stats->ssrc() != ssrc) {
    track.stats = std::make_unique<webrtc::rtp::ReceiverStats>(ssrc);
  }
}

void WhepMediaSource::onRtp(const RtpPacketView& packet, SteadyTime arrival) {
  ++stats_.packets;
  bool video = video_.payloadType && packet.payloadType == *video_.payloadType;
  bool audio = !video && audio_.payloadType && packet.payloadType == *audio_.payloadType;
  if (!video && !audio) {
    ++stats_.unknownPackets;
    return;
  }
  Track& track = video ? video_ : audio_;
  noteSsrc(track, packet.ssrc);
  int64_t arrivalUs = sinceStartUs(arrival);
  track.stats->onPacket(packet.sequence, packet.timestamp,
                        static_cast<uint32_t>(webrtc::rtp::usToClockUnits(arrivalUs, track.clockRate)));
  if (audio) {
    stats_.audioFrames += opus_.push(packet).size();
    return;
  }
  lastVideoPacket_ = arrival;
  nacks_.onPacket(packet.sequence, arrivalUs);
  for (DepacketizedFrame& frame : h264_.push(packet)) {
    publish(frame, arrival);
  }
  stats_.framesIncomplete = h264_.stats().framesIncomplete;
}

void WhepMediaSource::publish(DepacketizedFrame& frame, SteadyTime arrival) {
  Stream* target = stream();
  if (target == nullptr) {
    return;
  }
  if (frame.configChanged || config_ != frame.config) {
    config_ = frame.config;
    target->publishConfig(config_);
  }
  int64_t unwrapped = unwrapper_.unwrap(frame.timestamp);
  if (!firstUnwrapped_) {
    firstUnwrapped_ = unwrapped;
  }
  auto media = std::make_shared<MediaFrame>();
  media->kind = TrackKind::kVideo;
  media->codec = frame.config->codec;
  media->dtsUs = webrtc::rtp::clockUnitsToUs(unwrapped - *firstUnwrapped_, webrtc::rtp::kVideoClockRate);
  media->ptsUs = media->dtsUs;  // rtsedge sends WebRTC viewers no B-frames
  media->keyframe = frame.keyframe;
  media->payload = std::move(frame.payload);
  media->config = frame.config;
  media->arrival = arrival;
  if (auto micros = codec::findCaptureTime(media->payload.span(), media->codec, frame.config->nalLengthSize)) {
    media->capture = WallTime(Micros(*micros));
  }
  ++stats_.videoFrames;
  framesReceived_.inc();
  target->publishFrame(std::move(media));
}

void WhepMediaSource::onSenderReport(uint32_t ssrc, uint64_t ntpTimestamp, SteadyTime arrival) {
  for (Track* track : {&video_, &audio_}) {
    if (track->stats && track->stats->ssrc() == ssrc) {
      track->stats->onSenderReport(ntpTimestamp, sinceStartUs(arrival));
    }
  }
}

Bytes WhepMediaSource::feedback(SteadyTime now) {
  int64_t nowUs = sinceStartUs(now);
  if (video_.stats && now - lastVideoPacket_ >= kVideoStall) {
    for (DepacketizedFrame& frame : h264_.flush()) {
      publish(frame, now);
    }
  }
  bool reportDue = now - lastReport_ >= kReportInterval && (video_.stats || audio_.stats);
  std::vector<uint16_t> lost;
  if (video_.stats) {
    lost = nacks_.due(nowUs, kNackRetryUs);
  }
  if (!reportDue && lost.empty()) {
    return Bytes();
  }
  webrtc::rtp::ReceiverReport report{.ssrc = localSsrc_, .reports = {}};
  if (reportDue) {
    lastReport_ = now;
    for (Track* track : {&video_, &audio_}) {
      if (track->stats && track->stats->hasPackets()) {
        report.reports.push_back(track->stats->makeReportBlock(nowUs));
      }
    }
  }
  BytesBuilder out;
  webrtc::rtp::appendReceiverReport(out, report);  // a compound packet starts with an RR
  if (!lost.empty()) {
    stats_.nacksSent += lost.size();
    webrtc::rtp::appendNack(out, localSsrc_, video_.stats->ssrc(), lost);
  }
  return out.freeze();
}

}  // namespace rtsedge::bench
