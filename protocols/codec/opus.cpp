#include "protocols/codec/opus.h"

#include <array>

namespace rtsedge::codec {

namespace {
// RFC 6716 3.2.5: at most 120 ms of audio in one packet.
constexpr uint32_t kMaxPacketSamples = 5760;
}  // namespace

Result<uint32_t> opusPacketSamples(std::span<const uint8_t> packet) {
  if (packet.empty()) {
    return Error("Opus packet: empty");
  }
  uint8_t config = packet[0] >> 3;
  // Frame sizes per configuration (RFC 6716 table 2): SILK 10/20/40/60 ms, hybrid
  // 10/20 ms, CELT 2.5/5/10/20 ms.
  uint32_t frameSamples = config < 12   ? std::array<uint32_t, 4>{480, 960, 1920, 2880}[config & 3]
                          : config < 16 ? (config & 1 ? 960u : 480u)
                                        : std::array<uint32_t, 4>{120, 240, 480, 960}[config & 3];
  uint32_t frames = 0;
  switch (packet[0] & 3) {
    case 0: frames = 1; break;
    case 1:
    case 2: frames = 2; break;
    default:
      if (packet.size() < 2) {
        return Error("Opus packet: code 3 without a frame count");
      }
      frames = packet[1] & 0x3f;
  }
  uint32_t samples = frames * frameSamples;
  if (frames == 0 || samples > kMaxPacketSamples) {
    return Error("Opus packet: " + std::to_string(frames) + " frames");
  }
  return samples;
}

Bytes opusHead(uint8_t channels, uint16_t preSkip) {
  BytesBuilder head(19);
  head.append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("OpusHead"), 8));
  head.appendByte(1);  // version
  head.appendByte(channels);
  head.appendByte(static_cast<uint8_t>(preSkip));  // little-endian fields
  head.appendByte(static_cast<uint8_t>(preSkip >> 8));
  head.appendU32Le(kOpusSampleRate);
  head.appendByte(0);  // output gain, 16 bits
  head.appendByte(0);
  head.appendByte(0);  // channel mapping family 0: mono or stereo
  return head.freeze();
}

}  // namespace rtsedge::codec
