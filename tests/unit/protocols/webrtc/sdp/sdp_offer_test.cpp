#include "protocols/webrtc/sdp/sdp_offer.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "tests/unit/protocols/webrtc/sdp/sdp_fixtures.h"

namespace rtsedge::webrtc::sdp {
namespace {

using fixtures::readFixture;
using fixtures::replaced;
using fixtures::withLf;

constexpr std::string_view kTwcc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
constexpr std::string_view kMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr std::string_view kAbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
constexpr std::string_view kPlayoutDelay = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";

SessionDescription parsed(std::string_view text, const SdpLimits& limits = {}) {
  auto result = parseSessionDescription(text, limits);
  REQUIRE_MESSAGE(result.isOk(), (result.isOk() ? std::string() : result.error().message()));
  return std::move(*result);
}

std::string errorOf(std::string_view text, const SdpLimits& limits = {}) {
  auto result = parseSessionDescription(text, limits);
  REQUIRE_MESSAGE(!result.isOk(), "parsed, but should not have: ", std::string(text.substr(0, 200)));
  return result.error().message();
}

std::vector<uint8_t> payloadTypes(const MediaSection& section) {
  std::vector<uint8_t> types;
  for (const Codec& codec : section.codecs) {
    types.push_back(codec.payloadType);
  }
  return types;
}

const Codec& codecOf(const MediaSection& section, uint8_t payloadType) {
  const Codec* codec = section.codec(payloadType);
  REQUIRE_MESSAGE(codec != nullptr, "no payload type ", int(payloadType));
  return *codec;
}

uint16_t extmapId(const MediaSection& section, std::string_view uri) {
  const Extmap* extmap = section.extmap(uri);
  return extmap == nullptr ? 0 : extmap->id;
}

constexpr std::string_view kHex =
    "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F";

// Lines 1-5 session, `session` from line 6, then the video section (13 lines), then
// `video` (from line 19 when `session` is empty).
std::string minimal(std::string_view session = "", std::string_view video = "") {
  std::string text =
      "v=0\r\n"
      "o=- 1 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0\r\n";
  text += session;
  text +=
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=mid:0\r\n"
      "a=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuv\r\n"
      "a=fingerprint:sha-256 ";
  text += kHex;
  text +=
      "\r\n"
      "a=setup:actpass\r\n"
      "a=rtcp-mux\r\n"
      "a=recvonly\r\n"
      "a=rtpmap:96 H264/90000\r\n"
      "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"
      "a=rtpmap:97 rtx/90000\r\n"
      "a=fmtp:97 apt=96\r\n";
  text += video;
  return text;
}

}  // namespace

TEST_SUITE("sdp") {

TEST_CASE("sdp offer: Chromium's WHEP (recvonly) offer, captured") {
  SessionDescription offer = parsed(readFixture("chrome_whep_offer.sdp"));
  CHECK(offer.originUsername == "-");
  CHECK(offer.sessionId == "7672564867177491541");
  CHECK(offer.extmapAllowMixed);
  CHECK_FALSE(offer.iceLite);
  REQUIRE(offer.bundle() != nullptr);
  CHECK(offer.bundle()->mids == std::vector<std::string>{"0", "1"});
  REQUIRE(offer.media.size() == 2);

  const MediaSection& video = offer.media[0];
  CHECK(video.line == 8);
  CHECK(video.media == "video");
  CHECK(video.kind == MediaKind::kVideo);
  CHECK(video.port == 44425);
  CHECK(video.proto == "UDP/TLS/RTP/SAVPF");
  CHECK(video.isRtp());
  CHECK_FALSE(video.rejected());
  CHECK(video.connectionAddress == "192.0.2.2");
  CHECK(video.mid == "0");
  CHECK(video.direction == Direction::kRecvOnly);
  CHECK(video.iceUfrag == "W3Tf");
  CHECK(video.icePwd == "cC7aselevCDML0fWsBY17uvq");
  CHECK(video.iceOptions == std::vector<std::string>{"trickle"});
  REQUIRE(video.fingerprints.size() == 1);
  CHECK(video.fingerprints[0].sha256[0] == 0x18);
  CHECK(video.fingerprints[0].sha256[31] == 0xA8);
  CHECK(video.fingerprints[0].toString() ==
        "sha-256 18:1F:7A:65:94:68:74:64:53:49:FD:98:7F:44:68:C1:5E:2E:46:1B:A6:9C:32:86:6F:79:94:5E:48:E4:15:A8");
  CHECK(video.setup == Setup::kActPass);
  CHECK(video.rtcpMux);
  CHECK(video.rtcpRsize);
  CHECK_FALSE(video.bundleOnly);
  CHECK(video.codecs.size() == 34);
  CHECK(payloadTypes(video).front() == 96);
  CHECK(payloadTypes(video).back() == 49);

  const Codec& h264 = codecOf(video, 108);
  CHECK(h264.name == "H264");
  CHECK(h264.is("h264"));
  CHECK(h264.clockRate == 90000);
  CHECK(h264.channels == 0);
  CHECK(h264.h264ProfileLevelId() == 0x42e01f);
  CHECK(h264.h264PacketizationMode() == 1);
  CHECK(h264.h264LevelAsymmetryAllowed());
  CHECK(h264.fmtp == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  CHECK(h264.feedback == std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"});
  CHECK(codecOf(video, 114).h264PacketizationMode() == 0);
  CHECK(codecOf(video, 116).h264ProfileLevelId() == 0x4d001f);
  CHECK(codecOf(video, 41).h264ProfileLevelId() == 0xf4001f);
  CHECK(codecOf(video, 109).is("rtx"));
  CHECK(codecOf(video, 109).rtxApt() == 108);
  CHECK_FALSE(codecOf(video, 108).rtxApt());
  CHECK(codecOf(video, 45).name == "AV1");
  CHECK(codecOf(video, 45).parameter("level-idx") == "5");
  CHECK(codecOf(video, 98).parameter("profile-id") == "0");
  CHECK(codecOf(video, 49).feedback == std::vector<std::string>{"goog-remb", "transport-cc"});

  CHECK(video.extmaps.size() == 11);
  CHECK(extmapId(video, kMid) == 9);
  CHECK(extmapId(video, kAbsSendTime) == 2);
  CHECK(extmapId(video, kTwcc) == 4);
  CHECK(extmapId(video, kPlayoutDelay) == 5);
  CHECK_FALSE(video.extmap(kPlayoutDelay)->direction);

  REQUIRE(video.candidates.size() == 4);
  CHECK(video.candidates[0].foundation == "2150052985");
  CHECK(video.candidates[0].component == 1);
  CHECK(video.candidates[0].transport == "udp");
  CHECK(video.candidates[0].priority == 2122194687u);
  CHECK(video.candidates[0].address == "192.0.2.2");
  CHECK(video.candidates[0].port == 44425);
  CHECK(video.candidates[0].type == "host");
  CHECK(video.candidates[1].address == "fd00::2");
  CHECK(video.candidates[2].transport == "tcp");
  CHECK_FALSE(video.endOfCandidates);
  CHECK(video.ssrcs.empty());
  CHECK_FALSE(video.mediaSsrc());

  const MediaSection& audio = offer.media[1];
  CHECK(audio.kind == MediaKind::kAudio);
  CHECK(audio.mid == "1");
  CHECK(audio.port == 53842);
  CHECK(audio.direction == Direction::kRecvOnly);
  CHECK(payloadTypes(audio) == std::vector<uint8_t>{111, 63, 9, 0, 8, 13, 110, 126});
  const Codec& opus = codecOf(audio, 111);
  CHECK(opus.is("OPUS"));
  CHECK(opus.clockRate == 48000);
  CHECK(opus.channels == 2);
  CHECK(opus.parameter("minptime") == "10");
  CHECK(opus.parameter("useinbandfec") == "1");
  CHECK(opus.feedback == std::vector<std::string>{"transport-cc"});
  CHECK(codecOf(audio, 63).fmtp == "111/111");  // not key=value: kept as text only
  CHECK(codecOf(audio, 63).parameters.empty());
  CHECK(codecOf(audio, 0).name == "PCMU");  // static, no a=rtpmap needed
  CHECK(codecOf(audio, 0).clockRate == 8000);
  CHECK(extmapId(audio, "urn:ietf:params:rtp-hdrext:ssrc-audio-level") == 14);
  CHECK(extmapId(audio, kMid) == 9);
  CHECK(audio.iceUfrag == video.iceUfrag);
  CHECK(audio.fingerprints == video.fingerprints);
}

TEST_CASE("sdp offer: Chromium's WHIP (sendonly, getUserMedia) offer, captured") {
  SessionDescription offer = parsed(readFixture("chrome_whip_offer.sdp"));
  REQUIRE(offer.media.size() == 2);
  const MediaSection& audio = offer.media[0];
  const MediaSection& video = offer.media[1];
  CHECK(audio.kind == MediaKind::kAudio);
  CHECK(audio.mid == "0");
  CHECK(audio.direction == Direction::kSendOnly);
  CHECK(audio.msidStream == "52757d6f-8792-463d-bef2-8317bcbee9c3");
  CHECK(audio.msidTrack == "80c0756a-34de-497e-ade9-df53df025aef");
  CHECK(audio.mediaSsrc() == 3712128570u);
  CHECK_FALSE(audio.rtxSsrc());
  REQUIRE(audio.ssrcs.size() == 1);
  CHECK(audio.ssrcs[0].cname == "YVkSTYbsaJE81UU/");
  CHECK(audio.ssrcs[0].msid == "52757d6f-8792-463d-bef2-8317bcbee9c3 80c0756a-34de-497e-ade9-df53df025aef");

  CHECK(video.kind == MediaKind::kVideo);
  CHECK(video.mid == "1");
  CHECK(video.direction == Direction::kSendOnly);
  CHECK(video.msidTrack == "326ebac8-f5e2-4555-8328-752376b45c1a");
  REQUIRE(video.ssrcGroups.size() == 1);
  CHECK(video.ssrcGroups[0].semantics == "FID");
  CHECK(video.ssrcGroups[0].ssrcs == std::vector<uint32_t>{3887236406u, 2865626858u});
  CHECK(video.mediaSsrc() == 3887236406u);
  CHECK(video.rtxSsrc() == 2865626858u);
  CHECK(video.ssrcs.size() == 2);
  CHECK(codecOf(video, 108).h264ProfileLevelId() == 0x42e01f);
  CHECK(extmapId(video, kMid) == 4);
  CHECK(extmapId(video, kTwcc) == 3);
  CHECK(extmapId(video, "urn:3gpp:video-orientation") == 13);
}

TEST_CASE("sdp offer: Chromium's video-only offer before ICE gathering, captured") {
  SessionDescription offer = parsed(readFixture("chrome_video_only_offer.sdp"));
  REQUIRE(offer.media.size() == 1);
  REQUIRE(offer.bundle() != nullptr);
  CHECK(offer.bundle()->mids == std::vector<std::string>{"0"});
  const MediaSection& video = offer.media[0];
  CHECK(video.port == 9);
  CHECK(video.connectionAddress == "0.0.0.0");
  CHECK(video.candidates.empty());
  CHECK(video.iceUfrag == "jHyn");
  CHECK(video.direction == Direction::kRecvOnly);
  CHECK(codecOf(video, 102).h264ProfileLevelId() == 0x42001f);
}

TEST_CASE("sdp offer: Firefox's WHEP offer (reconstructed): session-level fingerprint, fmtp before rtpmap") {
  SessionDescription offer = parsed(readFixture("firefox_whep_offer.sdp"));
  CHECK(offer.originUsername == "mozilla...THIS_IS_SDPARTA-99.0");
  REQUIRE(offer.fingerprints.size() == 1);
  CHECK(offer.fingerprints[0].sha256[0] == 0x4B);
  CHECK(offer.iceOptions == std::vector<std::string>{"trickle"});
  REQUIRE(offer.media.size() == 2);
  for (const MediaSection& section : offer.media) {
    INFO(section.mid);
    CHECK(section.fingerprints == offer.fingerprints);  // from the session level
    CHECK(section.direction == Direction::kRecvOnly);   // overrides the session's a=sendrecv
    CHECK(section.iceUfrag == "3c2c9ae4");
    CHECK(section.icePwd == "b8a4e4e8ac1dcd5de1a5d6bb2b4b0e08");
    CHECK(section.setup == Setup::kActPass);
    CHECK(section.endOfCandidates);
    REQUIRE(section.candidates.size() == 2);
    CHECK(section.candidates[0].transport == "udp");
    CHECK(section.candidates[1].transport == "tcp");
  }
  const MediaSection& video = offer.media[0];
  CHECK(payloadTypes(video) == std::vector<uint8_t>{120, 124, 121, 125, 126, 127, 97, 98, 123, 122, 119});
  CHECK(codecOf(video, 126).h264PacketizationMode() == 1);
  CHECK(codecOf(video, 97).h264PacketizationMode() == 0);  // absent: 0
  CHECK(codecOf(video, 97).h264ProfileLevelId() == 0x42e01f);
  CHECK(codecOf(video, 127).rtxApt() == 126);
  CHECK(codecOf(video, 126).feedback.size() == 5);
  const Extmap* playout = video.extmap(kPlayoutDelay);
  REQUIRE(playout != nullptr);
  CHECK(playout->id == 6);
  CHECK(playout->direction == Direction::kRecvOnly);
  CHECK(video.mediaSsrc() == 1582446431u);
  CHECK(video.ssrcs[0].cname == "{5f2a3e1c-0b8d-4c6e-9a43-8e1f7d2b6c90}");
  CHECK(video.rtcpRsize);

  const MediaSection& audio = offer.media[1];
  CHECK(codecOf(audio, 109).channels == 2);
  CHECK(codecOf(audio, 109).parameter("stereo") == "1");
  CHECK(codecOf(audio, 9).channels == 1);
  CHECK(codecOf(audio, 101).fmtp == "0-15");
  CHECK_FALSE(audio.rtcpRsize);
  CHECK(audio.extmap("urn:ietf:params:rtp-hdrext:csrc-audio-level")->direction == Direction::kRecvOnly);
}

TEST_CASE("sdp offer: LF line ends parse the same as CRLF") {
  for (const char* name : {"chrome_whep_offer.sdp", "chrome_whip_offer.sdp", "firefox_whep_offer.sdp"}) {
    INFO(name);
    std::string crlf = readFixture(name);
    SessionDescription a = parsed(crlf);
    SessionDescription b = parsed(withLf(crlf));
    REQUIRE(a.media.size() == b.media.size());
    for (size_t i = 0; i < a.media.size(); ++i) {
      CHECK(a.media[i].mid == b.media[i].mid);
      CHECK(a.media[i].icePwd == b.media[i].icePwd);
      CHECK(payloadTypes(a.media[i]) == payloadTypes(b.media[i]));
      CHECK(a.media[i].extmaps.size() == b.media[i].extmaps.size());
    }
    // No line end after the last line is fine too.
    std::string trimmed = withLf(crlf);
    trimmed.pop_back();
    CHECK(parseSessionDescription(trimmed).isOk());
  }
}

TEST_CASE("sdp offer: broken fixtures give line-numbered errors") {
  struct Case {
    const char* fixture;
    const char* prefix;
    const char* reason;
  };
  const Case cases[] = {
      {"broken_truncated.sdp", "line 18: a=fingerprint:sha-256 18:1F:7A:65:94:68:", "not a sha-256 digest"},
      {"broken_missing_fingerprint.sdp", "line 8: m=video section (mid 0): ", "no a=fingerprint"},
      {"broken_sha1_fingerprint.sdp", "line 18: a=fingerprint:sha-1 5B:0E", "only sha-256 fingerprints are accepted"},
      {"broken_missing_ice_pwd.sdp", "line 8: m=video section (mid 0): ", "no a=ice-pwd"},
      {"broken_no_media.sdp", "line 7: ", "no media section"},
      {"broken_bad_rtpmap.sdp", "line 98: a=rtpmap:abc H264/90000: ", "payload type \"abc\" is not a number 0-127"},
      {"broken_garbage.sdp", "line 1: <html>: ", "not an SDP"},
  };
  for (const Case& c : cases) {
    INFO(c.fixture);
    std::string message = errorOf(readFixture(c.fixture));
    INFO(message);
    CHECK(message.starts_with(c.prefix));
    CHECK(message.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("sdp offer: a malformed line is named with its number and why") {
  struct Case {
    const char* line;
    const char* reason;
  };
  const Case mediaLines[] = {
      {"a=rtpmap:98 H264", "a=rtpmap needs"},
      {"a=rtpmap:200 H264/90000", "payload type \"200\" is not a number 0-127"},
      {"a=rtpmap:98 H264/0", "clock rate"},
      {"a=rtpmap:98 opus/48000/0", "channels"},
      {"a=rtpmap:98 opus/48000/2/1", "a=rtpmap needs"},
      {"a=rtpmap:96 VP8/90000", "a second a=rtpmap for payload type 96"},
      {"a=fmtp:98 profile-level-id=42e0", "profile-level-id is not 6 hex digits"},
      {"a=fmtp:98 profile-level-id=42e0zz", "profile-level-id is not 6 hex digits"},
      {"a=fmtp:98 packetization-mode=3", "packetization-mode is not 0, 1 or 2"},
      {"a=fmtp:98 level-asymmetry-allowed=yes", "level-asymmetry-allowed"},
      {"a=fmtp:98 apt=x", "apt is not a payload type"},
      {"a=fmtp:96 x=1", "a second a=fmtp for payload type 96"},
      {"a=fmtp:x apt=96", "payload type \"x\""},
      {"a=rtcp-fb:abc nack", "is not a number 0-127 or *"},
      {"a=rtcp-fb:96", "a=rtcp-fb needs"},
      {"a=extmap:0 urn:x", "extmap id \"0\""},
      {"a=extmap:15 urn:x", "extmap id \"15\""},
      {"a=extmap:300 urn:x", "extmap id \"300\""},
      {"a=extmap:x urn:x", "extmap id \"x\""},
      {"a=extmap:3/sideways urn:x", "extmap direction"},
      {"a=extmap:3", "a=extmap needs"},
      {"a=setup:maybe", "setup is not actpass, active, passive or holdconn"},
      {"a=setup:active", "a second a=setup"},
      {"a=ice-ufrag:efgh", "a second a=ice-ufrag"},
      {"a=mid:1", "a second a=mid"},
      {"a=sendonly", "a second direction attribute"},
      {"a=fingerprint:sha-256 AA:BB", "not a sha-256 digest"},
      {"a=fingerprint:sha-256", "a=fingerprint needs"},
      {"a=ssrc:abc cname:x", "ssrc \"abc\""},
      {"a=ssrc:4294967296 cname:x", "ssrc \"4294967296\""},
      {"a=ssrc:1", "a=ssrc needs"},
      {"a=ssrc-group:FID 1 x", "ssrc \"x\""},
      {"a=ssrc-group:FID", "a=ssrc-group needs"},
      {"a=candidate:1 1 udp", "a=candidate needs"},
      {"a=candidate:1 1 udp 1 192.0.2.1 99999 typ host", "malformed"},
      {"a=candidate:1 0 udp 1 192.0.2.1 9 typ host", "malformed"},
      {"a=msid:a b c", "a=msid needs"},
      {"a=a b", "the attribute name is not a token"},
      {"m=video 70000 UDP/TLS/RTP/SAVPF 96", "port \"70000\""},
      {"m=video 9/x UDP/TLS/RTP/SAVPF 96", "port count"},
      {"m=video 9 UDP/TLS/RTP/SAVPF 96 96", "payload type 96 listed twice"},
      {"m=video 9 UDP/TLS/RTP/SAVPF abc", "payload type \"abc\""},
      {"m=video 9 UDP/TLS/RTP/SAVPF", "m= needs"},
      {"m=video 9 UDP//RTP 96", "protocol"},
      {"x=1", "unknown line type 'x='"},
      {"garbage", "not <type>=<value>"},
      {"v=0", "a second v= line"},
      {"c=IN IP4", "c= is not IN IP4|IP6 <address>"},
      {"o=- 1 2 IN IP4 0.0.0.0", "o= inside a media section"},
  };
  for (const Case& c : mediaLines) {
    INFO(c.line);
    std::string message = errorOf(minimal("", std::string(c.line) + "\r\n"));
    INFO(message);
    CHECK(message.starts_with(fmt::format("line 19: {}: ", c.line)));
    CHECK(message.find(c.reason) != std::string::npos);
  }
  const Case sessionLines[] = {
      {"a=ice-ufrag:ab", "ice-ufrag must be 4 to 256"},
      {"a=ice-ufrag:ab-cd", "ice-ufrag must be 4 to 256"},
      {"a=ice-pwd:tooshort", "ice-pwd must be 22 to 256"},
      {"a=group:BUNDLE 0 a/b", "a mid in a=group is not a token"},
      {"a=group:", "a=group needs"},
      {"o=- 1 2 IN IP4 0.0.0.0", "a second o= line"},
      {"a=fingerprint:sha-256 zz", "not a sha-256 digest"},
      {"a=ice-options:trickle a/b", "not a token"},
  };
  for (const Case& c : sessionLines) {
    INFO(c.line);
    std::string message = errorOf(minimal(std::string(c.line) + "\r\n"));
    INFO(message);
    CHECK(message.starts_with(fmt::format("line 6: {}: ", c.line)));
    CHECK(message.find(c.reason) != std::string::npos);
  }
  CHECK(errorOf("v=1\r\n").starts_with("line 1: v=1: not an SDP"));
  CHECK(errorOf(minimal("", "a=mid\r\n")).starts_with("line 19: a=mid: "));
  CHECK(errorOf(minimal().replace(0, 3, "o=-")).starts_with("line 1: o=-: not an SDP"));
  CHECK(errorOf("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n") == "line 2: the SDP ends with no media section (m= line)");
}

TEST_CASE("sdp offer: what a media section must have, and what it may inherit") {
  CHECK(errorOf(replaced(minimal(), "a=mid:0\r\n", "")) == "line 6: m=video section: no a=mid");
  CHECK(errorOf(replaced(minimal(), "a=ice-ufrag:abcd\r\n", "")) ==
        "line 6: m=video section (mid 0): no a=ice-ufrag, here or at session level");
  CHECK(errorOf(minimal("a=group:BUNDLE 7\r\n")) == "a=group:BUNDLE names mid 7, which no media section has");
  std::string twice = minimal("", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n");
  CHECK(errorOf(twice).ends_with("m=audio section (mid 0): mid used by an earlier section too"));

  // Session-level transport applies where a section has none; the section's own wins.
  std::string session = "a=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsession\r\na=setup:active\r\n";
  std::string noTransport = replaced(replaced(minimal(session), "a=ice-ufrag:abcd\r\n", ""), "a=setup:actpass\r\n", "");
  SessionDescription inherited = parsed(noTransport);
  CHECK(inherited.iceUfrag == "sess");
  CHECK(inherited.media[0].iceUfrag == "sess");
  CHECK(inherited.media[0].icePwd == "abcdefghijklmnopqrstuv");  // its own
  CHECK(inherited.media[0].setup == Setup::kActive);

  // A rejected section (port 0) needs nothing; a bundle-only one shares the BUNDLE tag's
  // transport.
  std::string more = minimal("", "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
                                 "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=bundle-only\r\na=mid:1\r\na=rtcp-mux\r\n"
                                 "a=rtpmap:111 opus/48000/2\r\n"
                                 "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n");
  more = replaced(more, "a=group:BUNDLE 0", "a=group:BUNDLE 0 1 2");
  SessionDescription bundled = parsed(more);
  REQUIRE(bundled.media.size() == 4);
  CHECK(bundled.media[1].rejected());
  CHECK(bundled.media[1].mid.empty());
  CHECK(bundled.media[1].codecs[0].name == "PCMU");
  CHECK_FALSE(bundled.media[2].rejected());
  CHECK(bundled.media[2].bundleOnly);
  CHECK(bundled.media[2].iceUfrag == "abcd");
  CHECK(bundled.media[2].fingerprints == bundled.media[0].fingerprints);
  CHECK(bundled.media[2].setup == Setup::kActPass);
  CHECK(bundled.media[3].kind == MediaKind::kOther);
  CHECK_FALSE(bundled.media[3].isRtp());
  CHECK(bundled.media[3].formats == std::vector<std::string>{"webrtc-datachannel"});
  CHECK(bundled.media[3].codecs.empty());
  CHECK(bundled.media[3].iceUfrag == "abcd");
  // Outside the BUNDLE group there is nothing to inherit.
  std::string outside = replaced(more, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 2");
  CHECK(errorOf(outside).ends_with("m=audio section (mid 1): no a=ice-ufrag, here or at session level"));
}

TEST_CASE("sdp offer: wildcard feedback, session extmaps, several fingerprints") {
  std::string text = minimal("a=extmap:3 urn:example:session\r\na=extmap:5 urn:example:other\r\n"
                             "a=fingerprint:sha-1 00:11\r\n",
                             "a=rtcp-fb:* nack\r\na=rtcp-fb:96 NACK  PLI\r\na=extmap:5/sendonly urn:example:media\r\n"
                             "a=fingerprint:sha-512 00:11\r\n"
                             "a=fingerprint:sha-256 FF:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:"
                             "16:17:18:19:1a:1b:1c:1d:1e:1f\r\n"
                             "a=candidate:abc 1 UDP 100 0e2c9a3f-1b2c.local 50000 typ host generation 0\r\n"
                             "a=end-of-candidates\r\n");
  SessionDescription description = parsed(text);
  const MediaSection& video = description.media[0];
  CHECK(codecOf(video, 96).feedback == std::vector<std::string>{"nack pli", "nack"});
  CHECK(codecOf(video, 97).feedback == std::vector<std::string>{"nack"});
  CHECK(video.extmap("urn:example:session")->id == 3);
  CHECK(video.extmap("urn:example:media")->id == 5);  // the section's own id 5 wins
  CHECK(video.extmap("urn:example:media")->direction == Direction::kSendOnly);
  CHECK(video.extmap("urn:example:other") == nullptr);
  REQUIRE(video.fingerprints.size() == 2);
  CHECK(video.fingerprints[1].sha256[0] == 0xFF);
  REQUIRE(video.candidates.size() == 1);
  CHECK(video.candidates[0].address == "0e2c9a3f-1b2c.local");
  CHECK(video.endOfCandidates);
  CHECK(Fingerprint::fromHex(kHex)->toString() == std::string("sha-256 ") + std::string(kHex));
  CHECK_FALSE(Fingerprint::fromHex("00"));
  CHECK_FALSE(Fingerprint::fromHex(std::string(kHex).replace(2, 1, "-")));
}

TEST_CASE("sdp offer: limits, control characters and hostile sizes") {
  std::string valid = readFixture("chrome_whep_offer.sdp");

  std::string big = valid + std::string(64 * 1024, 'x');
  CHECK(errorOf(big).starts_with("SDP of"));

  // 100k lines: over the size limit, and with a larger size limit over the line limit.
  std::string manyLines = minimal();
  for (int i = 0; i < 100000; ++i) {
    manyLines += "a=x\r\n";
  }
  CHECK(errorOf(manyLines).find("more than the limit of 65536") != std::string::npos);
  CHECK(errorOf(manyLines, SdpLimits{.maxSize = 1 << 20}) == "line 4097: more than 4096 lines");

  // A 1 MB line.
  std::string longLine = minimal("a=x:" + std::string(1 << 20, 'y') + "\r\n");
  CHECK(errorOf(longLine).starts_with("SDP of"));
  CHECK(errorOf(longLine, SdpLimits{.maxSize = 2 << 20}) == "line 6: 1048580 characters, more than the limit of 4096");

  // NULs and other control characters.
  std::string nul = minimal(std::string("a=tool:x\0y\r\n", 12));
  CHECK(errorOf(nul) == "line 6: a=tool:x\\x00y: control character 0x00");
  CHECK(errorOf(std::string(1000, '\0')).starts_with("line 1: \\x00\\x00"));
  CHECK(errorOf(std::string(5000, '\0')) == "line 1: 5000 characters, more than the limit of 4096");
  CHECK(errorOf(minimal("a=x\ry\r\n")).starts_with("line 6: a=x\\x0dy: control character 0x0d"));
  CHECK(errorOf("") == "empty SDP (expected v=0 first)");
  CHECK(errorOf("v=0") == "line 1: the SDP ends with no media section (m= line)");
  // Bytes above 0x7f are UTF-8 text (s=, i=, unknown attributes), not tokens.
  CHECK(parseSessionDescription(minimal("s=\xc3\xa9t\xc3\xa9\r\n", "a=x:\xff\xfe\r\n")).isOk());
  CHECK(errorOf(minimal("", "a=mid:\xc3\xa9\r\n")).starts_with("line 19: a=mid:\\xc3\\xa9: "));

  // Too many media sections.
  std::string sections = minimal();
  for (int i = 0; i < 40; ++i) {
    sections += fmt::format("m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n");
  }
  CHECK(errorOf(sections).find("more than 32 media sections") != std::string::npos);

  // Tighter limits apply as given.
  CHECK(errorOf(valid, SdpLimits{.maxLineLength = 100}).starts_with("line 8: "));
  CHECK(errorOf(valid, SdpLimits{.maxLines = 50}) == "line 51: more than 50 lines");
}

TEST_CASE("sdp offer: every truncation of a real offer parses or fails with a line-numbered error") {
  for (const char* name : {"chrome_whep_offer.sdp", "chrome_whip_offer.sdp", "firefox_whep_offer.sdp"}) {
    std::string full = readFixture(name);
    size_t parsedCount = 0;
    for (size_t length = 0; length <= full.size(); ++length) {
      auto result = parseSessionDescription(std::string_view(full).substr(0, length));
      if (result.isOk()) {
        ++parsedCount;
        CHECK(!result->media.empty());
        continue;
      }
      const std::string& message = result.error().message();
      if (length == 0) {
        CHECK(message == "empty SDP (expected v=0 first)");
      } else if (!message.starts_with("line ") && !message.starts_with("a=group:BUNDLE")) {
        FAIL_CHECK(name, " cut at ", length, ": ", message);
      }
    }
    INFO(name);
    CHECK(parsedCount > 0);  // from the first complete section on
  }
}

}  // TEST_SUITE

}  // namespace rtsedge::webrtc::sdp
