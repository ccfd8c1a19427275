#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/webrtc/sdp/sdp_offer.h"
#include "relay/status.h"

namespace rtsedge::webrtc::sdp {

// Which side of a WebRTC session this server is.
enum class Role {
  kPlay,     // WHEP: we send, the offer receives
  kPublish,  // WHIP: the offer sends, we receive
};

enum class VideoCodec { kH264, kH265 };

// A host candidate of ours: an address (IPv4 or IPv6) and a UDP port.
struct HostCandidate {
  std::string address;
  uint16_t port = 0;
};

// What the server brings to the answer. The server is ICE-lite, DTLS passive, BUNDLE
// and rtcp-mux only.
struct AnswerOptions {
  Role role = Role::kPlay;
  std::string iceUfrag;  // 4-256 ice-chars
  std::string icePwd;    // 22-256 ice-chars
  Fingerprint fingerprint;
  std::vector<HostCandidate> candidates;
  // The video codecs we take, by preference. Play: the stream's codec (H.265 is answered
  // only when the stream is H.265 and the browser offers it). Publish: what we ingest.
  // Empty: no video (the video section is rejected).
  std::vector<VideoCodec> videoCodecs{VideoCodec::kH264};
  bool audio = true;  // Opus 48000/2
  // Play: the SSRCs we send with (RTX only when videoRtxSsrc is not 0), and the
  // a=msid / a=ssrc cname we announce.
  uint32_t videoSsrc = 0;
  uint32_t videoRtxSsrc = 0;
  uint32_t audioSsrc = 0;
  std::string cname = "rtsedge";
  std::string msidStream = "rtsedge";
  uint64_t sessionId = 0;  // o= session id
};

// What was agreed for one media section of the offer.
struct NegotiatedMedia {
  std::string mid;
  MediaKind kind = MediaKind::kOther;
  bool accepted = false;
  std::string rejectReason;                  // why the section is answered with port 0
  Direction direction = Direction::kInactive;  // ours, as answered
  Codec codec;  // the chosen codec under the offer's payload type; fmtp and feedback as answered
  std::optional<uint8_t> rtxPayloadType;
  std::vector<Extmap> extensions;  // the supported ones, with the offer's ids
  bool rtcpRsize = false;
  uint32_t localSsrc = 0;  // play: what we send with
  uint32_t localRtxSsrc = 0;
  std::optional<uint32_t> remoteSsrc;  // what the offer announced (publish: the publisher's SSRCs)
  std::optional<uint32_t> remoteRtxSsrc;
};

struct Answer {
  std::string sdp;
  std::vector<NegotiatedMedia> media;  // one per offered media section, in offer order
  // The peer's transport, from the first accepted section (the BUNDLE transport).
  std::string remoteIceUfrag;
  std::string remoteIcePwd;
  std::vector<Fingerprint> remoteFingerprints;
};

// RTP header extensions we implement; any other offered extension is left out.
inline constexpr std::string_view kExtensionMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kExtensionAbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kExtensionTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kExtensionPlayoutDelay = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";

// Chooses codecs and builds the answer to an offer (JSEP, RFC 8829 section 5.3). Media
// sections we cannot serve (a codec, direction, protocol or kind we lack, no rtcp-mux,
// outside the BUNDLE group, a second section of a kind) are rejected with port 0; the
// answer fails only when no section remains ("no codec in common: offered ..."), when
// the offer's DTLS role leaves us no passive side, when the offer is ICE-lite too, or
// when the options are invalid.
//
// H.264: packetization-mode=1 first (play needs it: frames are fragmented), then the
// profile: 42e01f, 42001f, 4d001f, 640c1f, other Constrained Baseline, Baseline, Main,
// High; our fmtp says level-asymmetry-allowed=1 so any level of the stream decodes.
// Its RTX payload type is answered when offered (play: when videoRtxSsrc is set).
Result<Answer> buildAnswer(const SessionDescription& offer, const AnswerOptions& options);

}  // namespace rtsedge::webrtc::sdp
