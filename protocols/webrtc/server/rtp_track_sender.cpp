#include "protocols/webrtc/server/rtp_track_sender.h"

#include <openssl/rand.h>

#include <random>

namespace rtsedge::webrtc {

uint32_t randomU32() {
  uint32_t value = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value)) != 1) {
    // Not a secret, only has to differ between sessions: any entropy will do.
    value = std::random_device{}();
  }
  return value;
}

RtpTrackSender::RtpTrackSender(RtpTrackSenderSettings settings)
    : settings_(settings),
      sequence_(static_cast<uint16_t>(randomU32())),
      history_(rtp::RetransmissionSettings{.capacity = 2048, .maxAgeUs = settings.historyUs}) {}

Bytes RtpTrackSender::packet(const rtp::RtpPayload& payload, uint32_t timestamp, int64_t mediaUs, int64_t nowUs) {
  rtp::RtpHeader header;
  header.marker = payload.marker;
  header.payloadType = settings_.payloadType;
  header.sequence = sequence_;
  header.timestamp = timestamp;
  header.ssrc = settings_.ssrc;
  auto packet = rtp::buildRtpPacket(header, payload.data.span());
  if (!packet) {
    return Bytes();  // a header without CSRCs or extensions always fits: not reached
  }
  history_.store(sequence_, *packet, nowUs);
  ++sequence_;
  ++packets_;
  octets_ += static_cast<uint32_t>(payload.data.size());
  lastMediaUs_ = mediaUs;
  lastSentUs_ = nowUs;
  return std::move(*packet);
}

std::optional<Bytes> RtpTrackSender::resend(uint16_t sequence, int64_t nowUs, int64_t minIntervalUs) {
  return history_.takeForResend(sequence, nowUs, minIntervalUs);
}

std::optional<rtp::SenderReport> RtpTrackSender::senderReport(uint64_t ntpNow, uint32_t rtpNow) const {
  if (packets_ == 0) {
    return std::nullopt;
  }
  return rtp::SenderReport{.ssrc = settings_.ssrc,
                           .info = {.ntpTimestamp = ntpNow,
                                    .rtpTimestamp = rtpNow,
                                    .packetCount = packets_,
                                    .octetCount = octets_},
                           .reports = {}};
}

}  // namespace rtsedge::webrtc
