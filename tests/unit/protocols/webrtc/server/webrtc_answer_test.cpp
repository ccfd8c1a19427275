#include "protocols/webrtc/server/webrtc_answer.h"

#include <doctest/doctest.h>

#include "protocols/webrtc/ice/ice_credentials.h"
#include "tests/unit/protocols/webrtc/sdp/sdp_fixtures.h"

namespace rtsedge::webrtc {

namespace {
using sdp::fixtures::readFixture;

sdp::SessionDescription offer(std::string_view name) {
  auto parsed = sdp::parseSessionDescription(readFixture(name));
  REQUIRE_MESSAGE(parsed, parsed.error().message());
  return std::move(*parsed);
}

AnswerInputs inputs(SignalingRole role, const TrackConfig* streamVideo = nullptr) {
  auto ice = generateIceCredentials();
  REQUIRE(ice);
  AnswerInputs in;
  in.role = role;
  in.ice = std::move(*ice);
  in.candidates = {{"198.18.0.1", 8000}};
  in.streamName = "cam";
  in.streamVideo = streamVideo;
  in.videoSsrc = 1111;
  in.audioSsrc = 2222;
  return in;
}

TrackConfig videoOf(Codec codec) {
  TrackConfig config;
  config.codec = codec;
  return config;
}
}  // namespace

TEST_CASE("answerOffer: a WHEP viewer of an H.264 stream gets H.264 and Opus under the offer's payload types") {
  TrackConfig h264 = videoOf(Codec::kH264);
  auto agreed = answerOffer(offer("chrome_whep_offer.sdp"), inputs(SignalingRole::kPlay, &h264));
  REQUIRE_MESSAGE(agreed, agreed.error().message());
  using Track = std::pair<TrackKind, uint8_t>;
  CHECK(agreed->viewerTracks == std::vector<Track>{{TrackKind::kVideo, 108}, {TrackKind::kAudio, 111}});
  CHECK(agreed->sdp.find("a=ssrc:1111 cname:rtsedge") != std::string::npos);
  CHECK(agreed->sdp.find("a=ssrc:2222 cname:rtsedge") != std::string::npos);
  CHECK(agreed->sdp.find("a=candidate:1 1 udp 2130706431 198.18.0.1 8000 typ host") != std::string::npos);
  CHECK(agreed->remoteFingerprint == offer("chrome_whep_offer.sdp").media[0].fingerprints[0]);
  CHECK_FALSE(agreed->ingest.videoPayloadType);
}

TEST_CASE("answerOffer: a stream without video answers audio only; H.265 is refused with a reason") {
  auto audioOnly = answerOffer(offer("chrome_whep_offer.sdp"), inputs(SignalingRole::kPlay));
  REQUIRE(audioOnly);
  CHECK(audioOnly->viewerTracks == std::vector<std::pair<TrackKind, uint8_t>>{{TrackKind::kAudio, 111}});
  CHECK(audioOnly->sdp.find("m=video 0 ") != std::string::npos);

  TrackConfig h265 = videoOf(Codec::kH265);
  auto refused = answerOffer(offer("chrome_whep_offer.sdp"), inputs(SignalingRole::kPlay, &h265));
  REQUIRE_FALSE(refused);
  CAPTURE(refused.error().message());
  CHECK(refused.error().message().find("do not get yet") != std::string::npos);
}

TEST_CASE("answerOffer: a WHIP publisher's H.264 with RTX, Opus and the transport-wide CC extension") {
  auto agreed = answerOffer(offer("chrome_whip_offer.sdp"), inputs(SignalingRole::kPublish));
  REQUIRE_MESSAGE(agreed, agreed.error().message());
  CHECK(agreed->viewerTracks.empty());
  CHECK(agreed->ingest.videoPayloadType == 108);
  CHECK(agreed->ingest.videoRtxPayloadType == 109);
  CHECK(agreed->ingest.audioPayloadType == 111);
  CHECK(agreed->ingest.audioChannels == 2);
  REQUIRE(agreed->ingest.transportCcId);
  CHECK(agreed->sdp.find("a=recvonly") != std::string::npos);
}

TEST_CASE("answerOffer: an offer with nothing to answer is an Error, not an empty answer") {
  auto parsed = sdp::parseSessionDescription("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n");
  REQUIRE(parsed);
  CHECK_FALSE(answerOffer(*parsed, inputs(SignalingRole::kPlay)));
  CHECK_FALSE(answerOffer(*parsed, inputs(SignalingRole::kPublish)));
}

}  // namespace rtsedge::webrtc
