#include "protocols/webrtc/server/webrtc_muxer.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "protocols/webrtc/rtp/rtp_packet.h"
#include "protocols/webrtc/server/rtp_frame_blob.h"
#include "tests/unit/fixtures/audio_frames.h"
#include "tests/unit/fixtures/h264_frames.h"
#include "tests/unit/fixtures/media_frames.h"

namespace rtsedge::webrtc {
namespace {

using fixtures::h264Frame;
using fixtures::nal;

TEST_SUITE_BEGIN("webrtc-server");

TEST_CASE("WebRTC muxer: a frame's RTP block is built once and shared by every viewer") {
  const FramePtr frame = h264Frame({nal(0x65, 2500, 1), nal(0x65, 700, 2)}, true, 80'000);
  WebRtcMuxer first(rtp::kDefaultRtpPayloadSize);
  WebRtcMuxer second(rtp::kDefaultRtpPayloadSize);
  Muxer& a = first;
  Muxer& b = second;
  const Bytes fromA = a.frame(frame);
  const Bytes fromB = b.frame(frame);
  REQUIRE_FALSE(fromA.empty());
  CHECK(fromA.data() == fromB.data());
  CHECK(fromA.size() == fromB.size());
  CHECK(a.frame(frame).data() == fromA.data());
  // It is the frame's cached kRtp form: a later reader gets it without building.
  bool built = false;
  const Bytes cached = frame->serialized(EgressFormat::kRtp, [&](const MediaFrame&) {
    built = true;
    return Bytes();
  });
  CHECK_FALSE(built);
  CHECK(cached.data() == fromA.data());
  // And it is what RtpFrameBlob::build makes of the frame.
  CHECK(fromA == *RtpFrameBlob::build(*frame, rtp::kDefaultRtpPayloadSize));
  auto blob = RtpFrameBlob::read(fromA);
  REQUIRE(blob);
  CHECK(blob->keyframe);
  CHECK(blob->ptsUs == 80'000);
}

TEST_CASE("WebRTC muxer: separate frames get separate blocks; Opus too") {
  WebRtcMuxer muxer(rtp::kDefaultRtpPayloadSize);
  const FramePtr one = h264Frame({nal(0x41, 500, 1)}, false, 0);
  const FramePtr two = h264Frame({nal(0x41, 500, 2)}, false, 40'000);
  const Bytes blockOne = muxer.frame(one);
  const Bytes blockTwo = muxer.frame(two);
  REQUIRE_FALSE(blockOne.empty());
  REQUIRE_FALSE(blockTwo.empty());
  CHECK(blockOne.data() != blockTwo.data());
  CHECK(RtpFrameBlob::read(blockTwo)->ptsUs == 40'000);

  const FramePtr opus = fixtures::opusTone48kStereo().frame(4, 20'000);
  WebRtcMuxer other(rtp::kDefaultRtpPayloadSize);
  const Bytes audio = muxer.frame(opus);
  REQUIRE_FALSE(audio.empty());
  CHECK(other.frame(opus).data() == audio.data());
  auto blob = RtpFrameBlob::read(audio);
  REQUIRE(blob);
  CHECK(blob->kind == TrackKind::kAudio);
  CHECK(blob->ptsUs == 20'000);
}

TEST_CASE("WebRTC muxer: configurations and metadata are nothing; so are AAC and other codecs") {
  WebRtcMuxer muxer(rtp::kDefaultRtpPayloadSize);
  CHECK(muxer.metadata(Bytes::copyOf(std::string_view("onMetaData"))).empty());
  CHECK(muxer.metadata(Bytes()).empty());
  CHECK(muxer.trackConfig(*fixtures::videoConfig(Codec::kH264), 0).empty());
  CHECK(muxer.trackConfig(*fixtures::aacConfig(), 40'000).empty());
  CHECK(muxer.trackConfig(*fixtures::opusTone48kStereo().config, 0).empty());

  const FramePtr aac = fixtures::aacTone48kStereo().frame(0, 0);
  CHECK(muxer.frame(aac).empty());
  const FramePtr hevc = fixtures::videoFrame(fixtures::videoConfig(Codec::kH265), true, 0, 0, 500, 1);
  CHECK(muxer.frame(hevc).empty());
  // An H.264 frame that does not packetize: nothing to send.
  auto malformed = h264Frame({nal(0x41, 50, 1)}, false);
  BytesBuilder bad;
  bad.appendU32(1000);
  bad.append(std::vector<uint8_t>(10, 0x41));
  malformed->payload = bad.freeze();
  CHECK(muxer.frame(malformed).empty());
}

TEST_CASE("WebRTC muxer: carries Opus audio only") {
  const WebRtcMuxer muxer(rtp::kDefaultRtpPayloadSize);
  CHECK(muxer.carriesAudio(Codec::kOpus));
  for (Codec codec : {Codec::kAac, Codec::kMp3, Codec::kFlvLegacyAudio, Codec::kUnknown, Codec::kH264}) {
    CAPTURE(static_cast<int>(codec));
    CHECK_FALSE(muxer.carriesAudio(codec));
  }
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc
