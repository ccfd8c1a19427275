// The pieces of rtsbench's WHEP player that need no socket: its offer against rtsedge's
// own answer, its ICE checks against rtsedge's own check of them, and its media source.

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench/rtsbench/whep_ice.h"
#include "bench/rtsbench/whep_media.h"
#include "bench/rtsbench/whep_offer.h"
#include "protocols/codec/sei.h"
#include "protocols/webrtc/dtls/dtls_certificate.h"
#include "protocols/webrtc/ice/ice_binding.h"
#include "protocols/webrtc/rtp/h264_packetizer.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/sdp/sdp_offer.h"
#include "protocols/webrtc/server/webrtc_answer.h"
#include "tests/unit/fixtures/h264_frames.h"
#include "tests/unit/fixtures/recording_subscriber.h"

namespace rtsedge::bench {
namespace {

using webrtc::IceCredentials;

std::shared_ptr<const webrtc::DtlsCertificate> certificate(webrtc::DtlsRole role) {
  auto made = webrtc::DtlsCertificate::generate(role);
  REQUIRE(made);
  return *made;
}

webrtc::sdp::Fingerprint sdpFingerprint(const webrtc::DtlsFingerprint& fingerprint) {
  webrtc::sdp::Fingerprint out;
  REQUIRE(fingerprint.digest().size() == out.sha256.size());
  std::copy(fingerprint.digest().begin(), fingerprint.digest().end(), out.sha256.begin());
  return out;
}

TEST_SUITE_BEGIN("whep");

TEST_CASE("WHEP offer: parses, and rtsedge's answer takes its H.264 and Opus") {
  auto ours = certificate(webrtc::DtlsRole::kClient);
  auto server = certificate(webrtc::DtlsRole::kServer);
  auto ice = webrtc::generateIceCredentials();
  REQUIRE(ice);
  std::string sdp = buildWhepOffer({*ice, &ours->fingerprint(), 42});
  auto offer = webrtc::sdp::parseSessionDescription(sdp);
  REQUIRE_MESSAGE(static_cast<bool>(offer), sdp);
  REQUIRE(offer->media.size() == 2);
  CHECK(offer->media[0].kind == webrtc::sdp::MediaKind::kVideo);
  CHECK(offer->media[0].direction == webrtc::sdp::Direction::kRecvOnly);
  CHECK(offer->media[0].setup == webrtc::sdp::Setup::kActPass);
  CHECK(offer->media[0].rtcpMux);
  CHECK(offer->media[0].iceUfrag == ice->ufrag);
  CHECK(offer->media[0].icePwd == ice->pwd);
  REQUIRE(offer->media[0].codecs.size() == 1);
  CHECK(offer->media[0].codecs[0].h264PacketizationMode() == 1);
  CHECK(offer->media[0].codecs[0].h264ProfileLevelId() == 0x42e01f);
  CHECK(offer->media[1].codecs[0].is("opus"));
  REQUIRE(offer->bundle() != nullptr);
  CHECK(offer->bundle()->mids == std::vector<std::string>{"0", "1"});

  TrackConfig h264;
  h264.codec = Codec::kH264;
  webrtc::AnswerInputs inputs;
  inputs.role = webrtc::SignalingRole::kPlay;
  inputs.ice = {"ServerUfrag0123456", "ServerPassword0123456789abcdef01"};
  inputs.fingerprint = sdpFingerprint(server->fingerprint());
  inputs.candidates = {{"127.0.0.1", 8123}};
  inputs.streamVideo = &h264;
  inputs.videoSsrc = 1111;
  inputs.audioSsrc = 2222;
  auto agreed = webrtc::answerOffer(*offer, inputs);
  REQUIRE_MESSAGE(static_cast<bool>(agreed), (agreed ? std::string() : agreed.error().message()));
  REQUIRE(agreed->viewerTracks.size() == 2);
  CHECK(agreed->viewerTracks[0] == std::pair{TrackKind::kVideo, kWhepVideoPayloadType});
  CHECK(agreed->viewerTracks[1] == std::pair{TrackKind::kAudio, kWhepAudioPayloadType});
  CHECK(agreed->remoteFingerprint == sdpFingerprint(ours->fingerprint()));

  // And the player reads back what it needs of that answer.
  auto answer = parseWhepAnswer(agreed->sdp);
  REQUIRE_MESSAGE(static_cast<bool>(answer), (answer ? std::string() : answer.error().message()));
  CHECK(answer->candidateHost == "127.0.0.1");
  CHECK(answer->candidatePort == 8123);
  CHECK(answer->ice.ufrag == inputs.ice.ufrag);
  CHECK(answer->ice.pwd == inputs.ice.pwd);
  REQUIRE(answer->fingerprint);
  CHECK(*answer->fingerprint == server->fingerprint());
  CHECK(answer->videoPayloadType == kWhepVideoPayloadType);
  CHECK(answer->audioPayloadType == kWhepAudioPayloadType);
  CHECK(answer->videoSsrc == 1111U);
  CHECK(answer->audioSsrc == 2222U);
}

TEST_CASE("WHEP answer: what a player cannot use is refused") {
  auto server = certificate(webrtc::DtlsRole::kServer);
  std::string fingerprint = server->fingerprint().toString();
  auto answerWith = [&](std::string_view setup, std::string_view candidate, std::string_view codec) {
    return fmt::format(
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE 0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
        "a=ice-pwd:0123456789012345678901\r\na=fingerprint:{}\r\na=setup:{}\r\na=mid:0\r\na=sendonly\r\n"
        "a=rtcp-mux\r\na=rtpmap:102 {}/90000\r\n{}",
        fingerprint, setup, codec, candidate);
  };
  std::string host = "a=candidate:1 1 udp 2130706431 127.0.0.1 9000 typ host\r\n";
  CHECK(parseWhepAnswer(answerWith("passive", host, "H264")));
  CHECK_FALSE(parseWhepAnswer(answerWith("active", host, "H264")));
  CHECK_FALSE(parseWhepAnswer(answerWith("passive", "", "H264")));
  CHECK_FALSE(parseWhepAnswer(answerWith("passive", "a=candidate:1 1 udp 1 x.local 9000 typ host\r\n", "H264")));
  CHECK_FALSE(parseWhepAnswer(answerWith("passive", host, "VP8")));
  CHECK_FALSE(parseWhepAnswer("not sdp"));
}

TEST_CASE("ICE check: rtsedge's check accepts it with the server's credentials only") {
  auto id = randomTransactionId();
  Bytes check = buildIceCheck({id, "ServerUfrag", "PlayerUfrag", "ServerPassword0123456789", 0x0102030405060708, true});
  auto message = webrtc::StunMessage::parse(check.span());
  REQUIRE(message);
  auto accepted = webrtc::checkIceBindingRequest(*message, "ServerUfrag", "ServerPassword0123456789");
  REQUIRE_MESSAGE(accepted.accepted(), accepted.reason);
  CHECK(accepted.request.remoteUfrag == "PlayerUfrag");
  CHECK(accepted.request.useCandidate);
  CHECK(accepted.request.controlling);
  CHECK(accepted.request.tieBreaker == 0x0102030405060708);
  CHECK(accepted.request.priority == kPeerReflexivePriority);
  CHECK(accepted.request.transactionId == id);
  CHECK(webrtc::checkIceBindingRequest(*message, "ServerUfrag", "AnotherPassword0123456789").refusal ==
        webrtc::IceRefusal::kUnauthorized);
  CHECK(webrtc::checkIceBindingRequest(*message, "OtherUfrag", "ServerPassword0123456789").refusal ==
        webrtc::IceRefusal::kUnauthorized);

  Bytes consent = buildIceCheck({id, "ServerUfrag", "PlayerUfrag", "ServerPassword0123456789", 1, false});
  auto consentMessage = webrtc::StunMessage::parse(consent.span());
  REQUIRE(consentMessage);
  auto consentCheck = webrtc::checkIceBindingRequest(*consentMessage, "ServerUfrag", "ServerPassword0123456789");
  CHECK(consentCheck.accepted());
  CHECK_FALSE(consentCheck.request.useCandidate);
}

TEST_CASE("ICE answers: success keyed with the server's password, for our transaction; errors with their code") {
  auto id = randomTransactionId();
  webrtc::StunAddress mapped;
  mapped.ip[0] = 127;
  mapped.ip[3] = 1;
  mapped.port = 40000;
  Bytes success = webrtc::buildBindingSuccess(id, mapped, "ServerPassword0123456789");
  auto message = webrtc::StunMessage::parse(success.span());
  REQUIRE(message);
  CHECK(checkIceAnswer(*message, id, "ServerPassword0123456789") == IceAnswer::kSuccess);
  CHECK(checkIceAnswer(*message, id, "WrongPassword0123456789") == IceAnswer::kIgnored);
  CHECK(checkIceAnswer(*message, randomTransactionId(), "ServerPassword0123456789") == IceAnswer::kIgnored);

  Bytes refused = webrtc::buildBindingError(id, 401, std::nullopt);
  auto error = webrtc::StunMessage::parse(refused.span());
  REQUIRE(error);
  uint16_t code = 0;
  CHECK(checkIceAnswer(*error, id, "ServerPassword0123456789", &code) == IceAnswer::kError);
  CHECK(code == 401);

  Bytes request = buildIceCheck({id, "a", "b", "ServerPassword0123456789", 1, true});
  auto echoed = webrtc::StunMessage::parse(request.span());
  REQUIRE(echoed);
  CHECK(checkIceAnswer(*echoed, id, "ServerPassword0123456789") == IceAnswer::kIgnored);
}

// RTP packets of H.264 frames as rtsedge sends them: its packetizer, payload type 102.
struct Sender {
  uint16_t sequence = 1000;
  std::vector<std::vector<uint8_t>> packets;

  // The frame's packets as views into `packets` (valid until the next call).
  std::vector<webrtc::rtp::RtpPacketView> send(const MediaFrame& frame, uint32_t timestamp) {
    auto packetized = webrtc::rtp::packetizeH264(frame);
    REQUIRE(packetized);
    packets.clear();
    std::vector<webrtc::rtp::RtpPacketView> views;
    for (const webrtc::rtp::RtpPayload& payload : packetized->payloads) {
      packets.emplace_back(payload.data.span().begin(), payload.data.span().end());
      webrtc::rtp::RtpPacketView view;
      view.payloadType = kWhepVideoPayloadType;
      view.ssrc = 0xABCD;
      view.sequence = sequence++;
      view.timestamp = timestamp;
      view.marker = payload.marker;
      views.push_back(view);
    }
    for (size_t i = 0; i < views.size(); ++i) {
      views[i].payload = packets[i];
    }
    return views;
  }
};

struct NoReplacement final : StreamSource::Listener {
  void onPublisherReplaced() override {}
};

TEST_CASE("WHEP media: H.264 RTP becomes frames with 90 kHz timestamps and the SEI's capture stamp; NACKs and RRs") {
  ManualClock clock;
  metrics::Counter frames;
  NoReplacement listener;
  Stream stream("meter", StreamSettings{.gopCache = false}, clock);
  fixtures::RecordingSubscriber viewer;
  stream.subscribe(viewer);
  WhepMediaSource source(clock, frames, listener);
  REQUIRE(source.attachTo(stream));
  source.setTracks(kWhepVideoPayloadType, kWhepAudioPayloadType);

  const int64_t stampUs = 1'700'000'000'123'456;
  auto keyframe =
      fixtures::h264Frame({codec::captureTimeSei(Codec::kH264, stampUs), fixtures::nal(0x65, 3000, 1)}, true);
  Sender sender;
  for (const auto& packet : sender.send(*keyframe, 90'000)) {
    source.onRtp(packet, clock.now());
  }
  auto delta = fixtures::h264Frame({fixtures::nal(0x41, 500, 2)}, false);
  for (const auto& packet : sender.send(*delta, 93'000)) {
    source.onRtp(packet, clock.now());
  }
  // The next delta frame's packets would finish the previous one: a third frame closes it.
  auto views = sender.send(*fixtures::h264Frame({fixtures::nal(0x41, 2500, 3)}, false), 96'000);
  REQUIRE(views.size() >= 2);  // FU-A fragments
  for (size_t i = 1; i < views.size(); ++i) {
    source.onRtp(views[i], clock.now());  // the first fragment is lost
  }

  std::vector<FramePtr> video = fixtures::framesOf(viewer.frames, TrackKind::kVideo);
  REQUIRE(video.size() >= 2);
  CHECK(video[0]->keyframe);
  CHECK(video[0]->dtsUs == 0);
  REQUIRE(video[0]->capture);
  CHECK(std::chrono::duration_cast<Micros>(video[0]->capture->time_since_epoch()).count() == stampUs);
  CHECK_FALSE(video[1]->keyframe);
  CHECK(video[1]->dtsUs == 33'333);
  CHECK_FALSE(video[1]->capture);
  CHECK(source.stats().videoFrames == video.size());
  CHECK(frames.value() == static_cast<double>(video.size()));

  clock.advance(Micros(1'500'000));
  Bytes feedback = source.feedback(clock.now());
  auto items = webrtc::rtp::parseRtcp(feedback.span());
  REQUIRE(items);
  REQUIRE(items->size() == 2);
  const auto* report = std::get_if<webrtc::rtp::ReceiverReport>(&(*items)[0].body);
  REQUIRE(report != nullptr);
  REQUIRE(report->reports.size() == 1);
  CHECK(report->reports[0].ssrc == 0xABCD);
  const auto* nack = std::get_if<webrtc::rtp::Nack>(&(*items)[1].body);
  REQUIRE(nack != nullptr);
  CHECK(nack->mediaSsrc == 0xABCD);
  CHECK(nack->lost == std::vector<uint16_t>{views[0].sequence});
  CHECK(source.stats().nacksSent == 1);

  // Nothing due right after: no RR before a second passed, the NACK not before its retry.
  CHECK(source.feedback(clock.now()).size() == 0);
  stream.unsubscribe(viewer);
}

TEST_CASE("WHEP media: packets of a payload type the answer did not agree on are counted and dropped") {
  ManualClock clock;
  metrics::Counter frames;
  NoReplacement listener;
  Stream stream("meter", StreamSettings{.gopCache = false}, clock);
  WhepMediaSource source(clock, frames, listener);
  REQUIRE(source.attachTo(stream));
  source.setTracks(kWhepVideoPayloadType, std::nullopt);
  webrtc::rtp::RtpPacketView packet;
  packet.payloadType = kWhepAudioPayloadType;
  source.onRtp(packet, clock.now());
  CHECK(source.stats().unknownPackets == 1);
  CHECK(source.feedback(clock.now()).size() == 0);
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::bench
