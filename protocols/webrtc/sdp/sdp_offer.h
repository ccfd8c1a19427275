#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/status.h"

namespace rtsedge::webrtc::sdp {

// Session descriptions (RFC 8866) with the attributes JSEP (RFC 8829) puts in them:
// ICE (RFC 8839), DTLS (RFC 8842, RFC 8122), BUNDLE (RFC 8843), rtcp-mux (RFC 8858),
// RTP header extensions (RFC 8285), SSRC attributes (RFC 5576), msid (RFC 8830).
// Knows no socket; the text is untrusted (a WHIP or WHEP request body).

enum class Direction { kSendRecv, kSendOnly, kRecvOnly, kInactive };
// The DTLS role an endpoint takes (RFC 4145, RFC 8842). kUnspecified: no a=setup, which
// RFC 4145 reads as active.
enum class Setup { kUnspecified, kActPass, kActive, kPassive, kHoldConn };
enum class MediaKind { kAudio, kVideo, kOther };

std::string_view directionName(Direction direction);  // "sendrecv", ...
std::string_view setupName(Setup setup);              // "actpass", ...; "" for kUnspecified
// What the other side does: sendonly <-> recvonly; sendrecv and inactive stay.
Direction reverse(Direction direction);

// A certificate fingerprint. Only sha-256 is accepted (RFC 8122 allows others; every
// browser sends sha-256, and sha-1 is no longer collision resistant).
struct Fingerprint {
  std::array<uint8_t, 32> sha256{};

  // "sha-256 AB:CD:...", the a=fingerprint value.
  std::string toString() const;
  // Parses "AB:CD:..." (32 hex pairs, either case), the digest without the algorithm.
  static std::optional<Fingerprint> fromHex(std::string_view hex);
  bool operator==(const Fingerprint&) const = default;
};

// One payload type of an RTP media section, assembled from the m= line, a=rtpmap,
// a=fmtp and a=rtcp-fb.
struct Codec {
  uint8_t payloadType = 0;
  std::string name;        // as written ("H264", "opus", "rtx"); static types 0, 8, 9, 13 are filled in
  uint32_t clockRate = 0;  // 0 when there was no a=rtpmap for a dynamic type
  uint8_t channels = 0;    // 0 when not given (one channel, for audio)
  std::string fmtp;        // the a=fmtp parameters as written
  std::map<std::string, std::string, std::less<>> parameters;  // key=value items of fmtp, keys lower-cased
  // a=rtcp-fb values for this type and for '*', normalized to single spaces and lower
  // case: "nack", "nack pli", "ccm fir", "goog-remb", "transport-cc", ...
  std::vector<std::string> feedback;

  bool is(std::string_view codecName) const;  // case-insensitive name match
  std::optional<std::string_view> parameter(std::string_view key) const;
  bool hasFeedback(std::string_view value) const;
  // rtx: the payload type it repairs (apt=).
  std::optional<uint8_t> rtxApt() const;
  // H.264 (RFC 6184): profile-level-id as 0xPPCCLL (absent: 42000a, Baseline level 1.0),
  // packetization-mode (absent: 0), level-asymmetry-allowed (absent: false).
  uint32_t h264ProfileLevelId() const;
  int h264PacketizationMode() const;
  bool h264LevelAsymmetryAllowed() const;
};

// a=extmap (RFC 8285).
struct Extmap {
  uint16_t id = 0;
  std::optional<Direction> direction;  // only when written ("a=extmap:6/recvonly ...")
  std::string uri;
  std::string attributes;  // what follows the URI, if anything
};

// What a=ssrc lines say about one SSRC.
struct SsrcInfo {
  uint32_t ssrc = 0;
  std::string cname;
  std::string msid;  // "stream track", the a=ssrc:N msid: value
};

// a=ssrc-group (RFC 5576): FID (media, RTX), FEC-FR, SIM, ...
struct SsrcGroup {
  std::string semantics;
  std::vector<uint32_t> ssrcs;
};

// a=group (RFC 5888).
struct Group {
  std::string semantics;  // "BUNDLE", "LS", ...
  std::vector<std::string> mids;
};

// a=candidate (RFC 8839), the fields up to the type. Kept, not used yet (trickle ICE
// and the ICE agent come later).
struct Candidate {
  std::string foundation;
  uint16_t component = 0;
  std::string transport;  // lower-cased: "udp", "tcp"
  uint32_t priority = 0;
  std::string address;  // IPv4, IPv6 or an mDNS name
  uint16_t port = 0;
  std::string type;  // "host", "srflx", "prflx", "relay"
};

struct MediaSection {
  size_t line = 0;    // the line number of its m= line, for messages
  std::string media;  // "audio", "video", "application", ...
  MediaKind kind = MediaKind::kOther;
  uint16_t port = 0;
  std::string proto;                 // "UDP/TLS/RTP/SAVPF", ...
  std::vector<std::string> formats;  // the m= line's formats, as written
  std::vector<Codec> codecs;         // RTP protocols: one per format, in m= line (preference) order
  std::string connectionAddress;     // c= (media level, else session level), "" if none

  std::string mid;
  Direction direction = Direction::kSendRecv;
  // Media level, else session level (resolved by the parser).
  std::string iceUfrag;
  std::string icePwd;
  std::vector<Fingerprint> fingerprints;  // sha-256 ones
  Setup setup = Setup::kUnspecified;
  std::vector<std::string> iceOptions;

  bool rtcpMux = false;
  bool rtcpRsize = false;
  bool bundleOnly = false;
  bool endOfCandidates = false;
  std::vector<Extmap> extmaps;  // media level, then session-level ones whose id the section does not use
  std::vector<SsrcInfo> ssrcs;  // in order of first mention
  std::vector<SsrcGroup> ssrcGroups;
  std::string msidStream;  // a=msid: "-" or a stream id
  std::string msidTrack;
  std::vector<Candidate> candidates;

  // Port 0 without a=bundle-only: the section is rejected or disabled.
  bool rejected() const { return port == 0 && !bundleOnly; }
  bool isRtp() const;  // the protocol carries RTP (formats are payload types)
  const Codec* codec(uint8_t payloadType) const;
  const Extmap* extmap(std::string_view uri) const;
  // The SSRC the peer sends media with: the first of an FID group, else the first SSRC.
  std::optional<uint32_t> mediaSsrc() const;
  // Its RTX SSRC: the second of the FID group that starts with mediaSsrc().
  std::optional<uint32_t> rtxSsrc() const;
};

struct SessionDescription {
  std::string originUsername;  // o= fields
  std::string sessionId;
  std::string sessionVersion;

  // Session level. The parser has already applied them to every media section that
  // did not override them.
  std::string iceUfrag;
  std::string icePwd;
  std::vector<Fingerprint> fingerprints;
  Setup setup = Setup::kUnspecified;
  std::vector<std::string> iceOptions;
  bool iceLite = false;
  bool extmapAllowMixed = false;
  std::vector<Group> groups;

  std::vector<MediaSection> media;

  const Group* bundle() const;  // the first BUNDLE group, if any
  const MediaSection* find(std::string_view mid) const;
};

// Every limit is checked before anything grows past it.
struct SdpLimits {
  size_t maxSize = 64 * 1024;
  size_t maxLines = 4096;
  size_t maxLineLength = 4096;
  size_t maxMediaSections = 32;
};

// Parses an offer (or any session description: answers parse the same). CRLF or LF line
// ends. Errors name the line: "line 12: a=rtpmap:abc H264/90000: payload type "abc" is not
// a number 0-127". Beyond syntax, it requires at least one m= section, and in each section
// that is not rejected (port 0 without bundle-only): ice-ufrag, ice-pwd and a sha-256
// fingerprint (there, at session level, or, for a bundled section with no transport of
// its own, in the BUNDLE tag's section: RFC 8843), a unique mid, and BUNDLE groups that
// name existing mids. Unknown attributes are ignored; a=candidate lines are parsed but
// not used yet. Text bytes above 0x7f pass (UTF-8 in s=, i=); control characters do not.
Result<SessionDescription> parseSessionDescription(std::string_view text, const SdpLimits& limits = {});

}  // namespace rtsedge::webrtc::sdp
