#include "protocols/webrtc/server/rtp_frame_blob.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "protocols/codec/avc.h"
#include "protocols/webrtc/rtp/h264_packetizer.h"
#include "protocols/webrtc/rtp/opus_rtp.h"
#include "tests/unit/fixtures/audio_frames.h"
#include "tests/unit/fixtures/avc_records.h"
#include "tests/unit/fixtures/h264_frames.h"
#include "tests/unit/fixtures/media_frames.h"

namespace rtsedge::webrtc {
namespace {

using ByteVector = std::vector<uint8_t>;
using fixtures::h264Frame;
using fixtures::nal;

ByteVector toVector(std::span<const uint8_t> data) {
  return {data.begin(), data.end()};
}

// One payload as a viewer sees it: its bytes and its marker bit.
using Payloads = std::vector<std::pair<ByteVector, bool>>;

Payloads payloadsOf(const RtpFrameBlob& blob) {
  Payloads out;
  blob.forEachPayload([&](const rtp::RtpPayload& payload) {
    // Every payload is a slice of the block itself, never a copy.
    CHECK(payload.data.data() >= blob.blob.data());
    CHECK(payload.data.data() + payload.data.size() <= blob.blob.data() + blob.blob.size());
    out.emplace_back(toVector(payload.data.span()), payload.marker);
  });
  return out;
}

Payloads payloadsOf(const rtp::PacketizedFrame& packets) {
  Payloads out;
  for (const auto& payload : packets.payloads) {
    out.emplace_back(toVector(payload.data.span()), payload.marker);
  }
  return out;
}

Payloads packetizedH264(const MediaFrame& frame, size_t maxPayloadSize) {
  rtp::H264PacketizerOptions options;
  options.maxPayloadSize = maxPayloadSize;
  auto packets = rtp::packetizeH264(frame, options);
  REQUIRE(packets.isOk());
  return payloadsOf(*packets);
}

Payloads packetizedOpus(const MediaFrame& frame, size_t maxPayloadSize) {
  rtp::OpusPacketizerOptions options;
  options.maxPayloadSize = maxPayloadSize;
  auto packets = rtp::packetizeOpus(frame, options);
  REQUIRE(packets.isOk());
  return payloadsOf(*packets);
}

RtpFrameBlob buildAndRead(const MediaFrame& frame, size_t maxPayloadSize) {
  auto bytes = RtpFrameBlob::build(frame, maxPayloadSize);
  REQUIRE(bytes);
  REQUIRE(bytes->size() >= RtpFrameBlob::kHeaderSize);
  auto blob = RtpFrameBlob::read(*bytes);
  REQUIRE(blob);
  CHECK(blob->blob.data() == bytes->data());
  CHECK(blob->blob.size() == bytes->size());
  return *blob;
}

// The SPS and PPS of the fixture record, as a publisher sends them in band.
std::vector<ByteVector> recordSets() {
  auto config = codec::parseAvcDecoderConfigurationRecord(fixtures::kAvcc1280x720);
  REQUIRE(config.isOk());
  return {toVector(config->sps[0]), toVector(config->pps[0])};
}

// SPS, PPS, SEI and two IDR slices (x264's layout of a keyframe): every packetization
// shows at a 1200-byte budget (STAP-A, single NAL unit, FU-A).
std::shared_ptr<MediaFrame> keyframe(int64_t ptsUs) {
  auto sets = recordSets();
  return h264Frame({sets[0], sets[1], nal(0x06, 40, 9), nal(0x65, 2500, 1), nal(0x65, 700, 2)}, true, ptsUs);
}

std::shared_ptr<MediaFrame> pFrame(int64_t ptsUs) {
  return h264Frame({nal(0x41, 3000, 5)}, false, ptsUs);
}

TEST_SUITE_BEGIN("webrtc-server");

TEST_CASE("RTP frame blob: a multi-NAL keyframe reads back as the packetizer's payloads") {
  const auto frame = keyframe(1'234'567);
  for (size_t budget : {size_t{3}, size_t{100}, size_t{1200}, size_t{9000}}) {
    CAPTURE(budget);
    const RtpFrameBlob blob = buildAndRead(*frame, budget);
    CHECK(blob.kind == TrackKind::kVideo);
    CHECK(blob.keyframe);
    CHECK_FALSE(blob.disposable);
    CHECK(blob.ptsUs == 1'234'567);
    const Payloads expected = packetizedH264(*frame, budget);
    CHECK(payloadsOf(blob) == expected);
    CHECK(expected.back().second);  // the marker on the last payload only
    size_t total = RtpFrameBlob::kHeaderSize;
    for (const auto& [bytes, marker] : expected) {
      CHECK(bytes.size() <= budget);
      total += 3 + bytes.size();
    }
    CHECK(blob.blob.size() == total);
  }
}

TEST_CASE("RTP frame blob: a P-frame, FU-A fragments with the marker on the last") {
  const auto frame = pFrame(40'000);
  const RtpFrameBlob blob = buildAndRead(*frame, 1200);
  CHECK(blob.kind == TrackKind::kVideo);
  CHECK_FALSE(blob.keyframe);
  CHECK_FALSE(blob.disposable);  // nal_ref_idc 2
  CHECK(blob.ptsUs == 40'000);
  const Payloads payloads = payloadsOf(blob);
  CHECK(payloads == packetizedH264(*frame, 1200));
  REQUIRE(payloads.size() == 3);
  CHECK_FALSE(payloads[0].second);
  CHECK_FALSE(payloads[1].second);
  CHECK(payloads[2].second);
}

TEST_CASE("RTP frame blob: a real Opus frame is one payload, no marker") {
  const auto& opus = fixtures::opusTone48kStereo();
  REQUIRE(opus.packets.size() > 10);
  for (size_t i : {size_t{0}, size_t{1}, size_t{7}}) {
    CAPTURE(i);
    const auto frame = opus.frame(i, opus.packetUs(i));
    const RtpFrameBlob blob = buildAndRead(*frame, 1200);
    CHECK(blob.kind == TrackKind::kAudio);
    CHECK(blob.keyframe == frame->keyframe);
    CHECK_FALSE(blob.disposable);
    CHECK(blob.ptsUs == frame->ptsUs);
    const Payloads payloads = payloadsOf(blob);
    CHECK(payloads == packetizedOpus(*frame, 1200));
    REQUIRE(payloads.size() == 1);
    CHECK(payloads[0].first == toVector(frame->payload.span()));
    CHECK_FALSE(payloads[0].second);
  }
  // The packet over the budget does not packetize.
  const auto frame = opus.frame(3, 0);
  CHECK_FALSE(RtpFrameBlob::build(*frame, frame->payload.size() - 1));
  CHECK(RtpFrameBlob::build(*frame, frame->payload.size()));
}

TEST_CASE("RTP frame blob: pts round-trips, negative and beyond 32 bits") {
  const int64_t values[] = {0,
                            -1,
                            -40'000,
                            -5'000'000'123,
                            (int64_t{1} << 32) - 1,
                            int64_t{1} << 32,
                            (int64_t{1} << 32) + 40'000,
                            (int64_t{1} << 40) + 7,
                            int64_t{1} << 53};
  const auto& opus = fixtures::opusTone48kStereo();
  for (int64_t pts : values) {
    CAPTURE(pts);
    CHECK(buildAndRead(*pFrame(pts), 1200).ptsUs == pts);
    CHECK(buildAndRead(*keyframe(pts), 1200).ptsUs == pts);
    CHECK(buildAndRead(*opus.frame(2, pts), 1200).ptsUs == pts);
  }
}

TEST_CASE("RTP frame blob: disposable only when every slice has nal_ref_idc 0") {
  auto disposable = [](const std::shared_ptr<MediaFrame>& frame) { return buildAndRead(*frame, 1200).disposable; };
  // Non-reference slices (B-frames), with an SEI (itself nal_ref_idc 0) in front.
  CHECK(disposable(h264Frame({nal(0x01, 300, 1)}, false)));
  CHECK(disposable(h264Frame({nal(0x06, 20, 1), nal(0x01, 300, 2), nal(0x01, 2000, 3)}, false)));
  // One reference slice among them is enough to keep it.
  CHECK_FALSE(disposable(h264Frame({nal(0x01, 300, 1), nal(0x21, 300, 2)}, false)));
  CHECK_FALSE(disposable(h264Frame({nal(0x61, 300, 1), nal(0x01, 300, 2)}, false)));
  CHECK_FALSE(disposable(h264Frame({nal(0x41, 300, 1)}, false)));
  // Reference non-slice units do not count, either way: only slices decide.
  CHECK(disposable(h264Frame({nal(0x66, 20, 1), nal(0x01, 300, 2)}, false)));
  // No slice at all (an SEI alone): nothing to say it is not needed.
  CHECK_FALSE(disposable(h264Frame({nal(0x06, 20, 1)}, false)));
  // Keyframes are reference pictures.
  CHECK_FALSE(disposable(keyframe(0)));
  // A 2-byte length prefix, as the configuration says.
  auto config = std::make_shared<TrackConfig>(*fixtures::videoConfig(Codec::kH264));
  config->nalLengthSize = 2;
  CHECK(disposable(h264Frame({nal(0x06, 20, 1), nal(0x01, 300, 2)}, false, 0, config)));
  CHECK_FALSE(disposable(h264Frame({nal(0x01, 300, 1), nal(0x41, 300, 2)}, false, 0, config)));
  // And the payloads still match the packetizer's with that prefix.
  const auto twoByte = h264Frame({nal(0x06, 20, 1), nal(0x01, 1500, 2)}, false, 0, config);
  CHECK(payloadsOf(buildAndRead(*twoByte, 1200)) == packetizedH264(*twoByte, 1200));
}

TEST_CASE("RTP frame blob: other codecs and frames that do not packetize give nothing") {
  // AAC (browsers get the stream's Opus rendition instead) and H.265.
  const auto& aac = fixtures::aacTone48kStereo();
  CHECK_FALSE(RtpFrameBlob::build(*aac.frame(0, 0), 1200));
  const auto hevc = fixtures::videoFrame(fixtures::videoConfig(Codec::kH265), true, 0, 0, 500, 1);
  CHECK_FALSE(RtpFrameBlob::build(*hevc, 1200));
  // A length prefix running past the payload.
  auto malformed = pFrame(0);
  BytesBuilder bad;
  bad.appendU32(1000);
  bad.append(std::vector<uint8_t>(10, 0x41));
  malformed->payload = bad.freeze();
  CHECK_FALSE(RtpFrameBlob::build(*malformed, 1200));
  // A length prefix cut short.
  malformed->payload = Bytes::copyOf(std::vector<uint8_t>{0x00, 0x00});
  CHECK_FALSE(RtpFrameBlob::build(*malformed, 1200));
  // Only units the packetizer drops (an AUD): no payload at all.
  CHECK_FALSE(RtpFrameBlob::build(*h264Frame({{0x09, 0xf0}}, false), 1200));
  // A budget no packetizer accepts.
  CHECK_FALSE(RtpFrameBlob::build(*pFrame(0), rtp::kMinRtpPayloadSize - 1));
  // An empty Opus packet.
  auto emptyOpus = fixtures::opusTone48kStereo().frame(0, 0);
  emptyOpus->payload = Bytes();
  CHECK_FALSE(RtpFrameBlob::build(*emptyOpus, 1200));
}

TEST_CASE("RTP frame blob: read refuses short blocks and unknown kinds") {
  CHECK_FALSE(RtpFrameBlob::read(Bytes()));
  CHECK_FALSE(RtpFrameBlob::read(Bytes::copyOf(ByteVector{0})));
  CHECK_FALSE(RtpFrameBlob::read(Bytes::copyOf(ByteVector(RtpFrameBlob::kHeaderSize - 1, 0))));
  // Every proper prefix of a real block's header.
  const Bytes real = *RtpFrameBlob::build(*pFrame(0), 1200);
  for (size_t size = 0; size < RtpFrameBlob::kHeaderSize; ++size) {
    CAPTURE(size);
    CHECK_FALSE(RtpFrameBlob::read(real.slice(0, size)));
  }
  // Kind: video 0 and audio 1 only.
  for (uint8_t kind : {uint8_t{2}, uint8_t{3}, uint8_t{0x80}, uint8_t{0xff}}) {
    CAPTURE(kind);
    ByteVector bytes = toVector(real.span());
    bytes[0] = kind;
    CHECK_FALSE(RtpFrameBlob::read(Bytes::copyOf(bytes)));
  }
}

TEST_CASE("RTP frame blob: read refuses garbage whose payload table runs past the block") {
  // 12 bytes: video, no flags, pts 0, 5 payloads, and none of them there.
  ByteVector garbage(RtpFrameBlob::kHeaderSize, 0);
  garbage[11] = 5;
  CHECK_FALSE(RtpFrameBlob::read(Bytes::copyOf(garbage)));
  // A real block cut anywhere after its header.
  const Bytes real = *RtpFrameBlob::build(*keyframe(0), 1200);
  for (size_t size = RtpFrameBlob::kHeaderSize; size < real.size(); ++size) {
    CAPTURE(size);
    CHECK_FALSE(RtpFrameBlob::read(real.slice(0, size)));
  }
  // A payload size larger than what follows it.
  ByteVector oversized = toVector(real.span());
  oversized[RtpFrameBlob::kHeaderSize] = 0xff;
  CHECK_FALSE(RtpFrameBlob::read(Bytes::copyOf(oversized)));
}

TEST_CASE("RTP frame blob: a payload over 65535 bytes is refused, never written truncated") {
  const auto frame = h264Frame({nal(0x41, 70'000, 1)}, false);
  auto bytes = RtpFrameBlob::build(*frame, 100'000);
  if (bytes) {
    auto blob = RtpFrameBlob::read(*bytes);
    REQUIRE(blob);
    CHECK(payloadsOf(*blob) == packetizedH264(*frame, 100'000));
  }
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc
