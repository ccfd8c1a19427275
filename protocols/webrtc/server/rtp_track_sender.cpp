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
      history_(rtp::RetransmissionSettings{.capacity = settings.historyPackets, .maxAgeUs = settings.historyUs}),
      headers_(history_.capacity()) {}

std::span<const uint8_t> RtpTrackSender::write(uint16_t sequence, uint32_t timestamp, bool marker,
                                               std::span<const uint8_t> payload) {
  rtp::RtpHeader header;
  header.marker = marker;
  header.payloadType = settings_.payloadType;
  header.sequence = sequence;
  header.timestamp = timestamp;
  header.ssrc = settings_.ssrc;
  buffer_.resize(rtp::kRtpFixedHeaderSize + payload.size());
  auto written = rtp::writeRtpPacket(buffer_, header, payload);
  // A fixed header without CSRCs or extensions into a buffer sized for it cannot fail.
  return written ? std::span<const uint8_t>(buffer_.data(), *written) : std::span<const uint8_t>();
}

std::span<const uint8_t> RtpTrackSender::packet(const rtp::RtpPayload& payload, uint32_t timestamp, int64_t mediaUs,
                                                int64_t nowUs) {
  history_.store(sequence_, payload.data, nowUs);
  headers_[sequence_ % headers_.size()] = SentHeader{sequence_, timestamp, payload.marker};
  std::span<const uint8_t> out = write(sequence_, timestamp, payload.marker, payload.data.span());
  ++sequence_;
  ++packets_;
  octets_ += static_cast<uint32_t>(payload.data.size());
  lastMediaUs_ = mediaUs;
  lastSentUs_ = nowUs;
  return out;
}

std::optional<std::span<const uint8_t>> RtpTrackSender::resend(uint16_t sequence, int64_t nowUs,
                                                               int64_t minIntervalUs) {
  const SentHeader& sent = headers_[sequence % headers_.size()];
  if (sent.sequence != sequence) {
    return std::nullopt;
  }
  auto payload = history_.takeForResend(sequence, nowUs, minIntervalUs);
  if (!payload) {
    return std::nullopt;
  }
  return write(sequence, sent.timestamp, sent.marker, payload->span());
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
