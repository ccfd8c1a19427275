#include "protocols/webrtc/rtp/opus_rtp.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "protocols/codec/opus.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"

namespace rtsedge::webrtc::rtp {
namespace {

using ByteVector = std::vector<uint8_t>;

// A 20 ms CELT fullband mono packet: TOC config 31, code 0, then the frame.
ByteVector opusPacket(size_t size, uint8_t seed) {
  ByteVector packet = {0xf8};
  for (size_t i = 1; i < size; ++i) {
    packet.push_back(static_cast<uint8_t>(seed + i));
  }
  return packet;
}

std::shared_ptr<MediaFrame> opusFrame(const ByteVector& packet, int64_t ptsUs) {
  auto frame = std::make_shared<MediaFrame>();
  frame->kind = TrackKind::kAudio;
  frame->codec = Codec::kOpus;
  frame->dtsUs = frame->ptsUs = ptsUs;
  frame->payload = Bytes::copyOf(packet);
  return frame;
}

RtpPacketView view(const ByteVector& payload, uint16_t sequence, uint32_t timestamp) {
  RtpPacketView packet;
  packet.sequence = sequence;
  packet.timestamp = timestamp;
  packet.payload = payload;
  return packet;
}

TEST_SUITE_BEGIN("rtp");

TEST_CASE("Opus RTP: one shared payload per frame, 48 kHz timestamps, no marker") {
  const auto frame = opusFrame(opusPacket(120, 1), 20'000);
  OpusPacketizerOptions options;
  options.timestampBase = 100;
  auto packets = packetizeOpus(*frame, options);
  REQUIRE(packets.isOk());
  CHECK(packets->timestamp == 960 + 100);
  REQUIRE(packets->payloads.size() == 1);
  CHECK(packets->payloads[0].data.data() == frame->payload.data());
  CHECK(packets->payloads[0].data == frame->payload);
  CHECK_FALSE(packets->payloads[0].marker);
}

TEST_CASE("Opus RTP: other codecs, empty and oversized packets are refused") {
  auto aac = opusFrame(opusPacket(10, 1), 0);
  aac->codec = Codec::kAac;
  CHECK_FALSE(packetizeOpus(*aac).isOk());
  CHECK_FALSE(packetizeOpus(*opusFrame({}, 0)).isOk());
  OpusPacketizerOptions options;
  options.maxPayloadSize = 100;
  CHECK(packetizeOpus(*opusFrame(opusPacket(100, 1), 0), options).isOk());
  CHECK_FALSE(packetizeOpus(*opusFrame(opusPacket(101, 1), 0), options).isOk());
}

TEST_CASE("Opus RTP: packetize -> depacketize round trip with an OpusHead config") {
  OpusDepacketizer depacketizer(2);
  CHECK_FALSE(depacketizer.needsKeyframe());
  REQUIRE(depacketizer.config());
  CHECK(depacketizer.config()->codec == Codec::kOpus);
  CHECK(depacketizer.config()->sampleRate == 48000);
  CHECK(depacketizer.config()->channels == 2);
  CHECK(depacketizer.config()->record == codec::opusHead(2));
  uint16_t sequence = 65530;
  for (int i = 0; i < 20; ++i) {
    const auto frame = opusFrame(opusPacket(60 + i, static_cast<uint8_t>(i)), i * 20'000);
    auto packets = packetizeOpus(*frame);
    REQUIRE(packets.isOk());
    auto out = depacketizer.push(view(ByteVector(packets->payloads[0].data.span().begin(),
                                                 packets->payloads[0].data.span().end()),
                                      sequence++, packets->timestamp));
    REQUIRE(out.size() == 1);
    CHECK(out[0].payload == frame->payload);
    CHECK(out[0].timestamp == rtpTimestamp(i * 20'000, kOpusClockRate, 0));
    CHECK_FALSE(out[0].keyframe);
    CHECK(out[0].configChanged == (i == 0));
    CHECK(out[0].config == depacketizer.config());
  }
  CHECK(depacketizer.flush().empty());
  CHECK(depacketizer.stats().framesOut == 20);
}

TEST_CASE("Opus RTP: late and duplicate packets are dropped, gaps counted, bad packets refused") {
  OpusDepacketizer depacketizer;
  const ByteVector packet = opusPacket(40, 3);
  CHECK(depacketizer.push(view(packet, 10, 0)).size() == 1);
  CHECK(depacketizer.push(view(packet, 13, 2880)).size() == 1);  // 11, 12 lost
  CHECK(depacketizer.push(view(packet, 12, 1920)).empty());      // late
  CHECK(depacketizer.push(view(packet, 13, 2880)).empty());      // duplicate
  CHECK(depacketizer.push(view({}, 14, 3840)).empty());          // padding
  CHECK(depacketizer.push(view({0xfb}, 15, 4800)).empty());      // code 3 without its count byte
  CHECK(depacketizer.push(view(packet, 16, 5760)).size() == 1);
  const auto& stats = depacketizer.stats();
  CHECK(stats.packets == 7);
  CHECK(stats.packetsLost == 2);
  CHECK(stats.packetsLate == 2);
  CHECK(stats.packetsIgnored == 1);
  CHECK(stats.packetsMalformed == 1);
  CHECK(stats.framesOut == 3);
}

TEST_CASE("Opus RTP: a sequence that starts over far back is followed after two packets") {
  OpusDepacketizer depacketizer;
  const ByteVector packet = opusPacket(40, 3);
  CHECK(depacketizer.push(view(packet, 5000, 0)).size() == 1);
  CHECK(depacketizer.push(view(packet, 100, 960)).empty());
  CHECK(depacketizer.push(view(packet, 101, 1920)).size() == 1);
  CHECK(depacketizer.push(view(packet, 102, 2880)).size() == 1);
  CHECK(depacketizer.stats().sequenceResets == 1);
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc::rtp
