#include "protocols/webrtc/sdp/sdp_answer.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "tests/unit/protocols/webrtc/sdp/sdp_fixtures.h"

namespace rtsedge::webrtc::sdp {
namespace {

using fixtures::readFixture;
using fixtures::replaced;

constexpr std::string_view kHex =
    "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F";

AnswerOptions options(Role role) {
  AnswerOptions options;
  options.role = role;
  options.iceUfrag = "rtsE";
  options.icePwd = "abcdefghijklmnopqrstuvwx";
  for (size_t i = 0; i < options.fingerprint.sha256.size(); ++i) {
    options.fingerprint.sha256[i] = static_cast<uint8_t>(0xA0 + i);
  }
  options.candidates = {{"198.18.0.1", 8000}, {"fd00::1", 8000}};
  options.videoSsrc = 1111;
  options.videoRtxSsrc = 2222;
  options.audioSsrc = 3333;
  options.sessionId = 42;
  return options;
}

SessionDescription parsedOffer(std::string_view text) {
  auto result = parseSessionDescription(text);
  REQUIRE_MESSAGE(result.isOk(), (result.isOk() ? std::string() : result.error().message()));
  return std::move(*result);
}

std::string answerError(std::string_view offerText, const AnswerOptions& answerOptions) {
  auto answer = buildAnswer(parsedOffer(offerText), answerOptions);
  REQUIRE_MESSAGE(!answer.isOk(), "answered, but should not have:\n", (answer.isOk() ? answer->sdp : ""));
  return answer.error().message();
}

struct Answered {
  SessionDescription offer;
  Answer answer;
  SessionDescription back;  // our answer, parsed back

  const MediaSection& section(size_t i) const { return back.media.at(i); }
};

// Builds the answer, parses it back and checks what every answer must say.
Answered answerTo(std::string_view offerText, const AnswerOptions& answerOptions) {
  Answered out{parsedOffer(offerText), {}, {}};
  auto answer = buildAnswer(out.offer, answerOptions);
  REQUIRE_MESSAGE(answer.isOk(), (answer.isOk() ? std::string() : answer.error().message()));
  out.answer = std::move(*answer);
  auto back = parseSessionDescription(out.answer.sdp);
  REQUIRE_MESSAGE(back.isOk(), (back.isOk() ? std::string() : back.error().message()), "\n", out.answer.sdp);
  out.back = std::move(*back);

  CHECK(out.back.iceLite);
  CHECK(out.back.originUsername == "rtsedge");
  CHECK(out.back.sessionId == fmt::format("{}", answerOptions.sessionId));
  REQUIRE(out.back.media.size() == out.offer.media.size());
  REQUIRE(out.answer.media.size() == out.offer.media.size());
  std::vector<std::string> acceptedMids;
  for (size_t i = 0; i < out.offer.media.size(); ++i) {
    const MediaSection& section = out.back.media[i];
    const NegotiatedMedia& media = out.answer.media[i];
    INFO("section ", i, " mid ", out.offer.media[i].mid);
    CHECK(section.mid == out.offer.media[i].mid);
    CHECK(section.media == out.offer.media[i].media);
    CHECK(media.mid == out.offer.media[i].mid);
    CHECK(media.accepted == !section.rejected());
    if (!media.accepted) {
      CHECK(!media.rejectReason.empty());
      CHECK(section.port == 0);
      continue;
    }
    acceptedMids.push_back(section.mid);
    CHECK(media.rejectReason.empty());
    CHECK(section.proto == "UDP/TLS/RTP/SAVPF");
    CHECK(section.setup == Setup::kPassive);
    CHECK(section.iceUfrag == answerOptions.iceUfrag);
    CHECK(section.icePwd == answerOptions.icePwd);
    CHECK(section.fingerprints == std::vector<Fingerprint>{answerOptions.fingerprint});
    CHECK(section.rtcpMux);
    CHECK(section.rtcpRsize == out.offer.media[i].rtcpRsize);
    CHECK(section.direction == media.direction);
    CHECK(section.direction ==
          (answerOptions.role == Role::kPlay ? Direction::kSendOnly : Direction::kRecvOnly));
    CHECK(section.endOfCandidates);
    REQUIRE(section.candidates.size() == answerOptions.candidates.size());
    for (size_t c = 0; c < section.candidates.size(); ++c) {
      CHECK(section.candidates[c].address == answerOptions.candidates[c].address);
      CHECK(section.candidates[c].port == answerOptions.candidates[c].port);
      CHECK(section.candidates[c].type == "host");
      CHECK(section.candidates[c].transport == "udp");
      CHECK(section.candidates[c].component == 1);
      if (c > 0) {
        CHECK(section.candidates[c].priority < section.candidates[c - 1].priority);
      }
    }
    if (!answerOptions.candidates.empty()) {
      CHECK(section.port == answerOptions.candidates[0].port);
      CHECK(section.connectionAddress == answerOptions.candidates[0].address);
    } else {
      CHECK(section.port == 9);
    }
    // The codec the RTP layer is told about is the one the answer names.
    REQUIRE(!section.codecs.empty());
    CHECK(section.codecs[0].payloadType == media.codec.payloadType);
    CHECK(section.codecs[0].name == media.codec.name);
    CHECK(section.codecs[0].feedback == media.codec.feedback);
    CHECK(section.codecs[0].fmtp == media.codec.fmtp);
    CHECK(section.codecs.size() == (media.rtxPayloadType ? 2u : 1u));
    CHECK(section.extmaps.size() == media.extensions.size());
    for (const Extmap& extmap : media.extensions) {
      // Every extension is one the offer has, with the offer's id.
      const Extmap* offered = out.offer.media[i].extmap(extmap.uri);
      REQUIRE(offered != nullptr);
      CHECK(offered->id == extmap.id);
      CHECK(section.extmap(extmap.uri) != nullptr);
    }
    if (answerOptions.role == Role::kPlay) {
      CHECK(section.msidStream == answerOptions.msidStream);
      CHECK(section.mediaSsrc() == media.localSsrc);
    } else {
      CHECK(section.ssrcs.empty());
      CHECK(section.msidStream.empty());
    }
  }
  const Group* bundle = out.back.bundle();
  if (out.offer.bundle() != nullptr) {
    REQUIRE(bundle != nullptr);
    CHECK(bundle->mids == acceptedMids);
  } else {
    CHECK(bundle == nullptr);
  }
  return out;
}

std::vector<uint8_t> payloadTypes(const MediaSection& section) {
  std::vector<uint8_t> types;
  for (const Codec& codec : section.codecs) {
    types.push_back(codec.payloadType);
  }
  return types;
}

// A hand-written offer: the session, then sections made by section().
std::string session(std::string_view bundle, std::string_view extra = "") {
  std::string text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  if (!bundle.empty()) {
    text += fmt::format("a=group:BUNDLE {}\r\n", bundle);
  }
  return text + std::string(extra);
}

std::string section(std::string_view media, std::string_view mid, std::string_view formats,
                    std::string_view attributes, std::string_view direction = "recvonly") {
  return fmt::format(
      "m={} 9 UDP/TLS/RTP/SAVPF {}\r\nc=IN IP4 0.0.0.0\r\na=mid:{}\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuv\r\na=fingerprint:sha-256 {}\r\na=setup:actpass\r\na=rtcp-mux\r\na={}\r\n{}",
      media, formats, mid, kHex, direction, attributes);
}

std::string h264(int payloadType, std::string_view profileLevelId, int mode) {
  return fmt::format(
      "a=rtpmap:{0} H264/90000\r\na=rtcp-fb:{0} nack\r\na=rtcp-fb:{0} nack pli\r\n"
      "a=fmtp:{0} level-asymmetry-allowed=1;packetization-mode={1};profile-level-id={2}\r\n",
      payloadType, mode, profileLevelId);
}

const std::string kOpus = "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n";

// Chromium's WHEP offer with H.265 (as Chromium offers it where it can decode H.265).
std::string withH265(std::string offer) {
  offer = replaced(std::move(offer), "118 119 120 49\r\n", "118 119 120 49 50 51\r\n");
  return replaced(std::move(offer), "m=audio",
                  "a=rtpmap:50 H265/90000\r\na=rtcp-fb:50 nack\r\na=rtcp-fb:50 nack pli\r\n"
                  "a=fmtp:50 level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST\r\n"
                  "a=rtpmap:51 rtx/90000\r\na=fmtp:51 apt=50\r\nm=audio");
}

}  // namespace

TEST_SUITE("sdp") {

TEST_CASE("sdp answer: Chromium WHEP offer -> play answer") {
  AnswerOptions play = options(Role::kPlay);
  Answered a = answerTo(readFixture("chrome_whep_offer.sdp"), play);
  const std::string& sdp = a.answer.sdp;
  CHECK(sdp.starts_with("v=0\r\no=rtsedge 42 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE 0 1\r\n"));
  CHECK(sdp.find("a=candidate:1 1 udp 2130706431 198.18.0.1 8000 typ host\r\n") != std::string::npos);
  CHECK(sdp.find("a=candidate:2 1 udp 2130706175 fd00::1 8000 typ host\r\n") != std::string::npos);
  CHECK(sdp.find("c=IN IP4 198.18.0.1\r\n") != std::string::npos);
  CHECK(sdp.find("a=setup:passive\r\n") != std::string::npos);
  CHECK(sdp.find("a=fingerprint:sha-256 A0:A1:A2:") != std::string::npos);

  const MediaSection& video = a.section(0);
  CHECK(video.mid == "0");
  CHECK(payloadTypes(video) == std::vector<uint8_t>{108, 109});  // H.264 42e01f mode 1, its RTX
  const Codec& h264 = video.codecs[0];
  CHECK(h264.name == "H264");
  CHECK(h264.clockRate == 90000);
  CHECK(h264.fmtp == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  CHECK(h264.h264LevelAsymmetryAllowed());
  CHECK(h264.feedback == std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"});
  CHECK(video.codecs[1].is("rtx"));
  CHECK(video.codecs[1].rtxApt() == 108);
  CHECK(video.codecs[1].feedback.empty());
  // The extensions we implement, with Chromium's ids; toffset, video-orientation, ... not.
  CHECK(video.extmaps.size() == 4);
  CHECK(video.extmap(kExtensionAbsSendTime)->id == 2);
  CHECK(video.extmap(kExtensionTransportCc)->id == 4);
  CHECK(video.extmap(kExtensionPlayoutDelay)->id == 5);
  CHECK(video.extmap(kExtensionMid)->id == 9);
  CHECK(video.extmap("urn:ietf:params:rtp-hdrext:toffset") == nullptr);
  CHECK(video.mediaSsrc() == 1111u);
  CHECK(video.rtxSsrc() == 2222u);
  CHECK(video.msidTrack == "rtsedge-video");
  REQUIRE(video.ssrcs.size() == 2);
  CHECK(video.ssrcs[0].cname == "rtsedge");
  CHECK(video.ssrcs[1].msid == "rtsedge rtsedge-video");

  const MediaSection& audio = a.section(1);
  CHECK(audio.mid == "1");
  CHECK(payloadTypes(audio) == std::vector<uint8_t>{111});
  CHECK(audio.codecs[0].channels == 2);
  CHECK(audio.codecs[0].clockRate == 48000);
  CHECK(audio.codecs[0].fmtp == "minptime=10;useinbandfec=1");
  CHECK(audio.codecs[0].feedback == std::vector<std::string>{"transport-cc"});
  CHECK(audio.extmaps.size() == 3);
  CHECK(audio.extmap(kExtensionMid)->id == 9);
  CHECK(audio.extmap(kExtensionPlayoutDelay) == nullptr);
  CHECK(audio.extmap("urn:ietf:params:rtp-hdrext:ssrc-audio-level") == nullptr);
  CHECK(audio.mediaSsrc() == 3333u);
  CHECK_FALSE(audio.rtxSsrc());

  const NegotiatedMedia& negotiated = a.answer.media[0];
  CHECK(negotiated.kind == MediaKind::kVideo);
  CHECK(negotiated.codec.payloadType == 108);
  CHECK(negotiated.rtxPayloadType == 109);
  CHECK(negotiated.localSsrc == 1111u);
  CHECK(negotiated.localRtxSsrc == 2222u);
  CHECK_FALSE(negotiated.remoteSsrc);
  CHECK(a.answer.remoteIceUfrag == "W3Tf");
  CHECK(a.answer.remoteIcePwd == "cC7aselevCDML0fWsBY17uvq");
  CHECK(a.answer.remoteFingerprints == a.offer.media[0].fingerprints);
}

TEST_CASE("sdp answer: Chromium WHIP offer -> publish answer with the publisher's SSRCs") {
  Answered a = answerTo(readFixture("chrome_whip_offer.sdp"), options(Role::kPublish));
  CHECK(a.back.bundle()->mids == std::vector<std::string>{"0", "1"});
  CHECK(a.answer.sdp.find("a=ssrc") == std::string::npos);
  CHECK(a.answer.sdp.find("a=msid") == std::string::npos);

  const NegotiatedMedia& audio = a.answer.media[0];
  CHECK(audio.kind == MediaKind::kAudio);
  CHECK(audio.codec.payloadType == 111);
  CHECK(audio.remoteSsrc == 3712128570u);
  CHECK_FALSE(audio.remoteRtxSsrc);
  CHECK(audio.localSsrc == 0);

  const NegotiatedMedia& video = a.answer.media[1];
  CHECK(video.codec.payloadType == 108);
  CHECK(video.rtxPayloadType == 109);
  CHECK(video.remoteSsrc == 3887236406u);
  CHECK(video.remoteRtxSsrc == 2865626858u);
  CHECK(a.section(1).direction == Direction::kRecvOnly);
  CHECK(a.section(1).extmap(kExtensionMid)->id == 4);
  CHECK(a.section(1).extmap(kExtensionTransportCc)->id == 3);
  CHECK(a.section(0).extmap(kExtensionMid)->id == 4);
  CHECK(a.answer.remoteIceUfrag == "vjww");
}

TEST_CASE("sdp answer: Chromium video-only offer, no candidates given") {
  AnswerOptions play = options(Role::kPlay);
  play.candidates.clear();
  Answered a = answerTo(readFixture("chrome_video_only_offer.sdp"), play);
  CHECK(a.back.bundle()->mids == std::vector<std::string>{"0"});
  CHECK(a.section(0).port == 9);
  CHECK(a.section(0).connectionAddress == "0.0.0.0");
  CHECK(payloadTypes(a.section(0)) == std::vector<uint8_t>{108, 109});
}

TEST_CASE("sdp answer: Firefox WHEP offer -> play answer") {
  Answered a = answerTo(readFixture("firefox_whep_offer.sdp"), options(Role::kPlay));
  const MediaSection& video = a.section(0);
  CHECK(payloadTypes(video) == std::vector<uint8_t>{126, 127});  // mode 1, not 97 (mode 0)
  CHECK(video.codecs[0].fmtp == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  CHECK(video.extmap(kExtensionMid)->id == 3);
  CHECK(video.extmap(kExtensionAbsSendTime)->id == 4);
  CHECK(video.extmap(kExtensionTransportCc)->id == 7);
  // Firefox only receives playout-delay (6/recvonly): we send it.
  CHECK(video.extmap(kExtensionPlayoutDelay)->id == 6);
  CHECK(video.extmap(kExtensionPlayoutDelay)->direction == Direction::kSendOnly);
  CHECK(a.answer.sdp.find("a=extmap:6/sendonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n") !=
        std::string::npos);
  CHECK(video.rtcpRsize);
  const MediaSection& audio = a.section(1);
  CHECK(payloadTypes(audio) == std::vector<uint8_t>{109});
  CHECK(audio.codecs[0].fmtp == "minptime=10;useinbandfec=1");
  CHECK(audio.extmaps.size() == 1);  // sdes:mid; audio levels are not ours
  CHECK_FALSE(audio.rtcpRsize);
  CHECK(a.answer.media[0].remoteSsrc == 1582446431u);  // for its receiver reports
  CHECK(a.answer.remoteFingerprints == a.offer.fingerprints);
}

TEST_CASE("sdp answer: H.265 only for an H.265 stream that the browser offers") {
  std::string offer = withH265(readFixture("chrome_whep_offer.sdp"));
  AnswerOptions play = options(Role::kPlay);
  play.videoCodecs = {VideoCodec::kH265};
  Answered a = answerTo(offer, play);
  CHECK(payloadTypes(a.section(0)) == std::vector<uint8_t>{50, 51});
  CHECK(a.section(0).codecs[0].name == "H265");
  CHECK(a.section(0).codecs[0].fmtp == "level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST");
  CHECK(a.section(0).codecs[0].feedback == std::vector<std::string>{"nack", "nack pli"});

  // An H.264 stream still gets H.264 from the same offer.
  CHECK(payloadTypes(answerTo(offer, options(Role::kPlay)).section(0)) == std::vector<uint8_t>{108, 109});

  // An H.265 stream and a browser without H.265: audio only, video rejected.
  Answered audioOnly = answerTo(readFixture("chrome_whep_offer.sdp"), play);
  CHECK_FALSE(audioOnly.answer.media[0].accepted);
  CHECK(audioOnly.answer.media[0].rejectReason.starts_with("no codec in common: offered VP8, VP9, H264, AV1"));
  CHECK(audioOnly.section(0).rejected());
  CHECK(audioOnly.back.bundle()->mids == std::vector<std::string>{"1"});
  CHECK(audioOnly.answer.media[1].accepted);
  CHECK(audioOnly.answer.remoteIceUfrag == "W3Tf");

  // A stream with no video: the video section is rejected the same way.
  AnswerOptions noVideo = options(Role::kPlay);
  noVideo.videoCodecs.clear();
  Answered soundOnly = answerTo(readFixture("firefox_whep_offer.sdp"), noVideo);
  CHECK(soundOnly.answer.media[0].rejectReason == "no video to send or take");
  CHECK(soundOnly.answer.sdp.find("m=video 0 UDP/TLS/RTP/SAVPF 120\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=inactive\r\n") !=
        std::string::npos);
}

TEST_CASE("sdp answer: H.264 payload type preference") {
  auto chosen = [](std::string_view attributes, std::string_view formats, Role role) {
    std::string offer = session("0") + section("video", "0", formats, attributes,
                                               role == Role::kPlay ? "recvonly" : "sendonly");
    Answered a = answerTo(offer, options(role));
    return a.answer.media[0].accepted ? int(a.answer.media[0].codec.payloadType) : -1;
  };
  std::string all = h264(100, "640c1f", 1) + h264(101, "4d001f", 1) + h264(102, "42001f", 1) + h264(103, "42e01f", 0) +
                    h264(104, "42e01f", 1);
  CHECK(chosen(all, "100 101 102 103 104", Role::kPlay) == 104);
  CHECK(chosen(all, "100 101 102 103", Role::kPlay) == 102);
  CHECK(chosen(all, "100 101 103", Role::kPlay) == 101);
  CHECK(chosen(all, "100 103", Role::kPlay) == 100);
  CHECK(chosen(all, "100 101 102 103 104", Role::kPublish) == 104);
  std::string others = h264(105, "f4001f", 1) + h264(106, "640032", 1) + h264(107, "42e034", 1) + h264(108, "420034", 1);
  CHECK(chosen(others, "105 106", Role::kPlay) == 106);           // High before High 4:4:4
  CHECK(chosen(others, "105 106 108", Role::kPlay) == 108);       // Baseline before High
  CHECK(chosen(others, "105 106 108 107", Role::kPlay) == 107);   // Constrained Baseline first
  CHECK(chosen(others + all, "105 106 103 102", Role::kPlay) == 102);  // listed ones before others
  // Packetization mode 0 cannot carry our fragmented frames; a publisher may send it.
  CHECK(chosen(all, "101 103", Role::kPlay) == 101);
  CHECK(chosen(all, "103", Role::kPublish) == 103);
  Answered single = answerTo(session("0") + section("video", "0", "103", all, "sendonly"), options(Role::kPublish));
  CHECK(single.section(0).codecs[0].fmtp == "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f");
  // Absent parameters mean mode 0 and Baseline level 1.0.
  CHECK(chosen("a=rtpmap:96 H264/90000\r\n", "96", Role::kPublish) == 96);
  CHECK(answerTo(session("0") + section("video", "0", "96", "a=rtpmap:96 H264/90000\r\n", "sendonly"),
                 options(Role::kPublish))
            .section(0)
            .codecs[0]
            .fmtp == "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42000a");
}

TEST_CASE("sdp answer: RTX, extensions and feedback are answered only as we implement them") {
  std::string attributes = h264(96, "42e01f", 1) +
                           "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
                           "a=rtcp-fb:96 goog-lntf\r\na=rtcp-fb:* ccm fir\r\n"
                           "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
                           "a=extmap:16 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                           "a=extmap:5/sendonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
                           "a=extmap:7/recvonly http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n";
  std::string offer = session("0") + section("video", "0", "96 97", attributes);
  Answered a = answerTo(offer, options(Role::kPlay));
  CHECK(payloadTypes(a.section(0)) == std::vector<uint8_t>{96, 97});
  CHECK(a.section(0).codecs[0].feedback == std::vector<std::string>{"ccm fir", "nack", "nack pli"});
  // abs-send-time as is; mid at 16 needs two-byte headers (not ours); playout-delay the
  // offerer only sends; transport-cc answered in the other direction.
  REQUIRE(a.section(0).extmaps.size() == 2);
  CHECK(a.section(0).extmaps[0].id == 2);
  CHECK_FALSE(a.section(0).extmaps[0].direction);
  CHECK(a.section(0).extmaps[1].id == 7);
  CHECK(a.section(0).extmaps[1].direction == Direction::kSendOnly);

  // No RTX SSRC given: no RTX.
  AnswerOptions noRtx = options(Role::kPlay);
  noRtx.videoRtxSsrc = 0;
  Answered plain = answerTo(offer, noRtx);
  CHECK(payloadTypes(plain.section(0)) == std::vector<uint8_t>{96});
  CHECK(plain.section(0).ssrcGroups.empty());
  CHECK_FALSE(plain.answer.media[0].rtxPayloadType);
  CHECK(plain.answer.media[0].localRtxSsrc == 0);
}

TEST_CASE("sdp answer: sections we cannot serve are rejected with port 0") {
  std::string video = h264(96, "42e01f", 1);
  std::string offer = session("0 1 2 3 4 5 6") + section("video", "0", "96", video) +
                      section("audio", "1", "111", kOpus) +
                      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\n"
                      "a=sctp-port:5000\r\n" +
                      section("video", "3", "96", video) +                        // a second video
                      section("audio", "4", "111", kOpus, "sendonly") +            // wrong direction
                      replaced(section("audio", "5", "111", kOpus), "a=rtcp-mux\r\n", "") +  // no rtcp-mux
                      "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:6\r\n" +  // rejected by the offer
                      section("audio", "7", "111", kOpus);                        // not in the BUNDLE group
  Answered a = answerTo(offer, options(Role::kPlay));
  CHECK(a.back.bundle()->mids == std::vector<std::string>{"0", "1"});
  const std::vector<NegotiatedMedia>& media = a.answer.media;
  CHECK(media[0].accepted);
  CHECK(media[1].accepted);
  CHECK(media[2].rejectReason == "protocol UDP/DTLS/SCTP (we take UDP/TLS/RTP/SAVPF only)");
  CHECK(media[3].rejectReason == "a second video section (one video track per session)");
  CHECK(media[4].rejectReason.starts_with("direction sendonly: a play (WHEP) offer must receive"));
  CHECK(media[5].rejectReason.starts_with("no a=rtcp-mux"));
  CHECK(media[6].rejectReason == "rejected in the offer (port 0)");
  CHECK(media[7].rejectReason.starts_with("not in the BUNDLE group"));
  CHECK(a.answer.sdp.find("m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\nm=") !=
        std::string::npos);
  CHECK(a.section(2).formats == std::vector<std::string>{"webrtc-datachannel"});

  // Without a BUNDLE group one section can be answered.
  Answered unbundled = answerTo(session("") + section("video", "v", "96", video) + section("audio", "a", "111", kOpus),
                                options(Role::kPlay));
  CHECK(unbundled.answer.media[0].accepted);
  CHECK(unbundled.answer.media[1].rejectReason.starts_with("no BUNDLE group"));
  CHECK(unbundled.answer.sdp.find("a=group") == std::string::npos);

  // A bundle-only section (port 0) is bundled, not rejected.
  std::string bundleOnly = session("0 1") + section("video", "0", "96", video) +
                           replaced(section("audio", "1", "111", kOpus + "a=bundle-only\r\n"), "m=audio 9", "m=audio 0");
  Answered bundled = answerTo(bundleOnly, options(Role::kPlay));
  CHECK(bundled.answer.media[1].accepted);
  CHECK(bundled.section(1).port == 8000);
  CHECK_FALSE(bundled.section(1).bundleOnly);
}

TEST_CASE("sdp answer: nothing usable is an error that says why") {
  std::string offer = session("0 1") + section("video", "0", "96 97",
                                               "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n") +
                      section("audio", "1", "0 8 126", "a=rtpmap:126 telephone-event/8000\r\n");
  CHECK(answerError(offer, options(Role::kPlay)) ==
        "no codec in common: offered video VP8; audio PCMU, PCMA, telephone-event; "
        "we take video H264, audio opus/48000/2");

  std::string play = answerError(readFixture("chrome_whip_offer.sdp"), options(Role::kPlay));
  CHECK(play.starts_with("no media section to answer: mid 0 (audio): direction sendonly: a play (WHEP) offer must "
                         "receive (recvonly or sendrecv); mid 1 (video): direction sendonly"));
  std::string publish = answerError(readFixture("chrome_whep_offer.sdp"), options(Role::kPublish));
  CHECK(publish.starts_with("no media section to answer: mid 0 (video): direction recvonly: a publish (WHIP) offer "
                            "must send (sendonly or sendrecv)"));

  std::string passive = readFixture("chrome_video_only_offer.sdp");
  passive = replaced(passive, "a=setup:actpass", "a=setup:passive");
  CHECK(answerError(passive, options(Role::kPlay)) ==
        "no media section to answer: mid 0 (video): a=setup:passive leaves us no DTLS role (we are passive: offer "
        "actpass or active)");
  // a=setup:active is fine (we are passive), and so is no a=setup (RFC 4145: active).
  CHECK(answerTo(replaced(readFixture("chrome_video_only_offer.sdp"), "a=setup:actpass", "a=setup:active"),
                 options(Role::kPlay))
            .answer.media[0]
            .accepted);
  CHECK(answerTo(replaced(readFixture("chrome_video_only_offer.sdp"), "a=setup:actpass\r\n", ""), options(Role::kPlay))
            .answer.media[0]
            .accepted);

  std::string lite = replaced(readFixture("chrome_whep_offer.sdp"), "t=0 0\r\n", "t=0 0\r\na=ice-lite\r\n");
  CHECK(answerError(lite, options(Role::kPlay)) == "the offer is ICE-lite too: one side must be a full ICE agent");

  std::string allRejected = session("") + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n";
  CHECK(answerError(allRejected, options(Role::kPlay)) == "no media section to answer: the offer rejects them all");

  AnswerOptions nothing = options(Role::kPlay);
  nothing.videoCodecs.clear();
  nothing.audio = false;
  CHECK(answerError(readFixture("chrome_whep_offer.sdp"), nothing) ==
        "no media section to answer: mid 0 (video): no video to send or take; mid 1 (audio): no audio to send or take");
}

TEST_CASE("sdp answer: our own parameters are checked, nothing can be injected") {
  std::string offer = readFixture("chrome_whep_offer.sdp");
  auto rejected = [&](auto change) {
    AnswerOptions bad = options(Role::kPlay);
    change(bad);
    return answerError(offer, bad);
  };
  CHECK(rejected([](AnswerOptions& o) { o.iceUfrag = "abc"; }).starts_with("our ice-ufrag"));
  CHECK(rejected([](AnswerOptions& o) { o.iceUfrag = "abcd\r\na=x"; }).starts_with("our ice-ufrag"));
  CHECK(rejected([](AnswerOptions& o) { o.icePwd = "short"; }).starts_with("our ice-pwd"));
  CHECK(rejected([](AnswerOptions& o) { o.candidates = {{"198.18.0.1\r\na=evil", 8000}}; }).starts_with("host candidate"));
  CHECK(rejected([](AnswerOptions& o) { o.candidates = {{"198.18.0.1 1", 8000}}; }).starts_with("host candidate"));
  CHECK(rejected([](AnswerOptions& o) { o.candidates = {{"", 8000}}; }).starts_with("host candidate"));
  CHECK(rejected([](AnswerOptions& o) { o.candidates = {{"198.18.0.1", 0}}; }).starts_with("host candidate"));
  CHECK(rejected([](AnswerOptions& o) { o.cname = "a b"; }).starts_with("cname and msid"));
  CHECK(rejected([](AnswerOptions& o) { o.msidStream = ""; }).starts_with("cname and msid"));
}

TEST_CASE("sdp answer: every truncation of a real offer that parses gets an answer that parses") {
  struct Case {
    const char* fixture;
    Role role;
  };
  for (const Case& c : {Case{"chrome_whep_offer.sdp", Role::kPlay}, Case{"chrome_whip_offer.sdp", Role::kPublish},
                        Case{"firefox_whep_offer.sdp", Role::kPlay}}) {
    std::string full = readFixture(c.fixture);
    AnswerOptions answerOptions = options(c.role);
    size_t answered = 0;
    for (size_t length = 0; length <= full.size(); ++length) {
      auto offer = parseSessionDescription(std::string_view(full).substr(0, length));
      if (!offer.isOk()) {
        continue;
      }
      auto answer = buildAnswer(*offer, answerOptions);
      if (!answer.isOk()) {
        CHECK(!answer.error().message().empty());
        continue;
      }
      ++answered;
      auto back = parseSessionDescription(answer->sdp);
      if (!back.isOk()) {
        FAIL_CHECK(c.fixture, " cut at ", length, ": our answer does not parse: ", back.error().message());
        continue;
      }
      CHECK(back->media.size() == offer->media.size());
    }
    INFO(c.fixture);
    CHECK(answered > 0);
  }
}

}  // TEST_SUITE

}  // namespace rtsedge::webrtc::sdp
