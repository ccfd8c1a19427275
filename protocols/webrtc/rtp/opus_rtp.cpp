#include "protocols/webrtc/rtp/opus_rtp.h"

#include <memory>
#include <string>

#include "protocols/codec/opus.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"

namespace rtsedge::webrtc::rtp {
namespace {

// A sequence number further back than this, followed by its successor, starts a new
// sequence (RFC 3550 A.1).
constexpr int32_t kMaxMisorder = 100;

int32_t sequenceDelta(uint16_t a, uint16_t b) {
  return static_cast<int16_t>(static_cast<uint16_t>(a - b));
}

}  // namespace

Result<PacketizedFrame> packetizeOpus(const MediaFrame& frame, const OpusPacketizerOptions& options) {
  if (frame.codec != Codec::kOpus) {
    return Error(std::string("Opus packetizer: codec ") + std::string(codecName(frame.codec)));
  }
  if (frame.payload.empty() || frame.payload.size() > options.maxPayloadSize) {
    return Error("Opus packetizer: packet of " + std::to_string(frame.payload.size()) + " bytes, budget " +
                 std::to_string(options.maxPayloadSize));
  }
  PacketizedFrame packets;
  packets.timestamp = rtpTimestamp(frame.ptsUs, kOpusClockRate, options.timestampBase);
  packets.payloads.push_back({frame.payload, false});
  return packets;
}

OpusDepacketizer::OpusDepacketizer(uint8_t channels) {
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kAudio;
  config->codec = Codec::kOpus;
  config->channels = channels;
  config->sampleRate = codec::kOpusSampleRate;
  config->record = codec::opusHead(channels);
  config_ = std::move(config);
}

std::vector<DepacketizedFrame> OpusDepacketizer::push(const RtpPacketView& packet) {
  std::vector<DepacketizedFrame> out;
  ++stats_.packets;
  if (last_) {
    const int32_t delta = sequenceDelta(packet.sequence, *last_);
    if (delta <= 0) {
      const bool restart = delta < -kMaxMisorder && resyncCandidate_ &&
                           packet.sequence == static_cast<uint16_t>(*resyncCandidate_ + 1);
      resyncCandidate_ = packet.sequence;
      if (!restart) {
        ++stats_.packetsLate;
        return out;
      }
      ++stats_.sequenceResets;
    } else {
      stats_.packetsLost += static_cast<uint64_t>(delta - 1);
    }
  }
  resyncCandidate_.reset();
  last_ = packet.sequence;
  if (packet.payload.empty()) {
    ++stats_.packetsIgnored;
    return out;
  }
  if (!codec::opusPacketSamples(packet.payload)) {
    ++stats_.packetsMalformed;
    return out;
  }
  DepacketizedFrame frame;
  frame.payload = Bytes::copyOf(packet.payload);
  frame.timestamp = packet.timestamp;
  frame.config = config_;
  frame.configChanged = !configSent_;
  configSent_ = true;
  ++stats_.framesOut;
  out.push_back(std::move(frame));
  return out;
}

}  // namespace rtsedge::webrtc::rtp
