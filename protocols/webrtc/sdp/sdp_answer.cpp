#include "protocols/webrtc/sdp/sdp_answer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <limits>

namespace rtsedge::webrtc::sdp {

namespace {

constexpr std::string_view kProto = "UDP/TLS/RTP/SAVPF";
constexpr uint32_t kOpusClock = 48000;
constexpr uint32_t kVideoClock = 90000;
constexpr std::string_view kOpusFmtp = "minptime=10;useinbandfec=1";

// The rtcp-fb values we implement, in the order we write them.
constexpr std::array<std::string_view, 5> kVideoFeedback = {"goog-remb", "transport-cc", "ccm fir", "nack",
                                                            "nack pli"};
constexpr std::array<std::string_view, 2> kAudioFeedback = {"transport-cc", "nack"};

// H.264 profile-level-ids in the order we prefer them (what Chromium offers).
constexpr std::array<uint32_t, 4> kPreferredH264 = {0x42e01f, 0x42001f, 0x4d001f, 0x640c1f};

bool isIceChars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

// Characters safe in an a=ssrc cname, an msid and a candidate address.
bool isSafeWord(std::string_view text, std::string_view extra) {
  return !text.empty() && text.size() <= 255 && std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
  });
}

std::string_view videoCodecName(VideoCodec codec) {
  return codec == VideoCodec::kH264 ? "H264" : "H265";
}

std::string_view kindName(MediaKind kind) {
  switch (kind) {
    case MediaKind::kAudio:
      return "audio";
    case MediaKind::kVideo:
      return "video";
    case MediaKind::kOther:
      break;
  }
  return "other";
}

Status validate(const AnswerOptions& options) {
  if (options.iceUfrag.size() < 4 || options.iceUfrag.size() > 256 || !isIceChars(options.iceUfrag)) {
    return Error("our ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
  }
  if (options.icePwd.size() < 22 || options.icePwd.size() > 256 || !isIceChars(options.icePwd)) {
    return Error("our ice-pwd must be 22 to 256 characters of A-Z a-z 0-9 + /");
  }
  for (const HostCandidate& candidate : options.candidates) {
    if (!isSafeWord(candidate.address, ".:-") || candidate.port == 0) {
      return Error(fmt::format("host candidate \"{}\" port {}: not an address and a port", candidate.address,
                               candidate.port));
    }
  }
  if (!isSafeWord(options.cname, "+/-_.") || !isSafeWord(options.msidStream, "+/-_.")) {
    return Error("cname and msid stream id must be 1 to 255 characters of A-Z a-z 0-9 + / - _ .");
  }
  return {};
}

// Lower is better.
int h264Rank(const Codec& codec) {
  uint32_t id = codec.h264ProfileLevelId();
  for (size_t i = 0; i < kPreferredH264.size(); ++i) {
    if (kPreferredH264[i] == id) {
      return static_cast<int>(i);
    }
  }
  uint32_t profile = id >> 16;
  uint32_t constraints = (id >> 8) & 0xff;
  if (profile == 0x42 && (constraints & 0x40) != 0) {
    return 10;  // Constrained Baseline, another level
  }
  if (profile == 0x42) {
    return 20;
  }
  if (profile == 0x4d) {
    return 30;
  }
  if (profile == 0x64) {
    return 40;
  }
  return 100;  // High 10, 4:2:2, 4:4:4, ...: what few decoders take
}

const Codec* chooseH264(const MediaSection& section, Role role) {
  const Codec* best = nullptr;
  int bestScore = std::numeric_limits<int>::max();
  for (const Codec& codec : section.codecs) {
    if (!codec.is("H264") || codec.clockRate != kVideoClock) {
      continue;
    }
    int mode = codec.h264PacketizationMode();
    // We fragment frames (FU-A) when we send; a publisher may send single NAL units.
    if (mode == 2 || (mode == 0 && role == Role::kPlay)) {
      continue;
    }
    int score = (mode == 1 ? 0 : 1000) + h264Rank(codec);
    if (score < bestScore) {
      best = &codec;
      bestScore = score;
    }
  }
  return best;
}

const Codec* chooseH265(const MediaSection& section) {
  const Codec* fallback = nullptr;
  for (const Codec& codec : section.codecs) {
    if (!codec.is("H265") || codec.clockRate != kVideoClock) {
      continue;
    }
    auto profile = codec.parameter("profile-id");
    if (!profile || *profile == "1") {
      return &codec;  // Main
    }
    if (fallback == nullptr) {
      fallback = &codec;
    }
  }
  return fallback;
}

const Codec* chooseOpus(const MediaSection& section) {
  for (const Codec& codec : section.codecs) {
    if (codec.is("opus") && codec.clockRate == kOpusClock && codec.channels == 2) {
      return &codec;
    }
  }
  return nullptr;
}

const Codec* findRtx(const MediaSection& section, uint8_t payloadType) {
  for (const Codec& codec : section.codecs) {
    if (codec.is("rtx") && codec.clockRate == kVideoClock && codec.rtxApt() == payloadType) {
      return &codec;
    }
  }
  return nullptr;
}

// "VP8, VP9, AV1": the distinct offered codec names, repair formats left out.
std::string offeredCodecs(const MediaSection& section) {
  std::vector<std::string> names;
  for (const Codec& codec : section.codecs) {
    std::string name = codec.name.empty() ? fmt::format("pt {}", codec.payloadType) : codec.name;
    if (codec.is("rtx") || codec.is("red") || codec.is("ulpfec") || codec.is("flexfec-03") ||
        std::find(names.begin(), names.end(), name) != names.end()) {
      continue;
    }
    names.push_back(std::move(name));
  }
  return names.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(names, ", "));
}

std::string wanted(const AnswerOptions& options) {
  std::vector<std::string_view> video;
  for (VideoCodec codec : options.videoCodecs) {
    video.push_back(videoCodecName(codec));
  }
  std::string text = video.empty() ? std::string() : fmt::format("video {}", fmt::join(video, " or "));
  if (options.audio) {
    text += text.empty() ? "audio opus/48000/2" : ", audio opus/48000/2";
  }
  return text.empty() ? std::string("no media at all") : text;
}

bool supportedExtension(std::string_view uri, MediaKind kind) {
  return uri == kExtensionMid || uri == kExtensionAbsSendTime || uri == kExtensionTransportCc ||
         (uri == kExtensionPlayoutDelay && kind == MediaKind::kVideo);
}

// The offered extensions we take. Ids above 14 need the two-byte header form, which we
// do not write; an extension the offerer declares in the wrong direction is left out.
std::vector<Extmap> chooseExtensions(const MediaSection& section, Role role) {
  Direction needed = role == Role::kPlay ? Direction::kRecvOnly : Direction::kSendOnly;  // the offerer's side
  std::vector<Extmap> chosen;
  for (const Extmap& extmap : section.extmaps) {
    if (!supportedExtension(extmap.uri, section.kind) || extmap.id > 14) {
      continue;
    }
    if (extmap.direction && *extmap.direction != needed && *extmap.direction != Direction::kSendRecv) {
      continue;
    }
    Extmap answered = extmap;
    answered.attributes.clear();
    if (answered.direction) {
      answered.direction = reverse(needed);
    }
    chosen.push_back(std::move(answered));
  }
  return chosen;
}

struct CodecChoice {
  const Codec* codec = nullptr;
  const Codec* rtx = nullptr;
  std::string reason;  // when codec is null
  bool noCodec = false;
};

CodecChoice chooseCodec(const MediaSection& section, const AnswerOptions& options) {
  CodecChoice choice;
  if (section.kind == MediaKind::kVideo) {
    if (options.videoCodecs.empty()) {
      choice.reason = "no video to send or take";
      return choice;
    }
    for (VideoCodec wantedCodec : options.videoCodecs) {
      choice.codec = wantedCodec == VideoCodec::kH264 ? chooseH264(section, options.role) : chooseH265(section);
      if (choice.codec != nullptr) {
        break;
      }
    }
    if (choice.codec != nullptr) {
      bool rtxWanted = options.role == Role::kPublish || options.videoRtxSsrc != 0;
      choice.rtx = rtxWanted ? findRtx(section, choice.codec->payloadType) : nullptr;
    }
  } else {
    if (!options.audio) {
      choice.reason = "no audio to send or take";
      return choice;
    }
    choice.codec = chooseOpus(section);
  }
  if (choice.codec == nullptr) {
    choice.noCodec = true;
    choice.reason = fmt::format("no codec in common: offered {} (we take {})", offeredCodecs(section), wanted(options));
  }
  return choice;
}

std::string answeredFmtp(const Codec& codec) {
  if (codec.is("H264")) {
    return fmt::format("level-asymmetry-allowed=1;packetization-mode={};profile-level-id={:06x}",
                       codec.h264PacketizationMode(), codec.h264ProfileLevelId());
  }
  if (codec.is("opus")) {
    return std::string(kOpusFmtp);
  }
  return codec.fmtp;  // H.265: as offered
}

std::vector<std::string> answeredFeedback(const Codec& codec, MediaKind kind) {
  std::vector<std::string> feedback;
  auto take = [&](auto& ours) {
    for (std::string_view value : ours) {
      if (codec.hasFeedback(value)) {
        feedback.emplace_back(value);
      }
    }
  };
  if (kind == MediaKind::kVideo) {
    take(kVideoFeedback);
  } else {
    take(kAudioFeedback);
  }
  return feedback;
}

void appendLine(std::string& sdp, std::string_view line) {
  sdp += line;
  sdp += "\r\n";
}

std::string connectionLine(const AnswerOptions& options) {
  if (options.candidates.empty()) {
    return "c=IN IP4 0.0.0.0";
  }
  const std::string& address = options.candidates.front().address;
  return fmt::format("c=IN {} {}", address.find(':') != std::string::npos ? "IP6" : "IP4", address);
}

void writeRtpmap(std::string& sdp, const Codec& codec) {
  if (codec.channels != 0) {
    appendLine(sdp, fmt::format("a=rtpmap:{} {}/{}/{}", codec.payloadType, codec.name, codec.clockRate, codec.channels));
  } else {
    appendLine(sdp, fmt::format("a=rtpmap:{} {}/{}", codec.payloadType, codec.name, codec.clockRate));
  }
}

void writeAccepted(std::string& sdp, const MediaSection& section, const NegotiatedMedia& media,
                   const AnswerOptions& options) {
  uint16_t port = options.candidates.empty() ? 9 : options.candidates.front().port;
  std::string formats = fmt::format("{}", media.codec.payloadType);
  if (media.rtxPayloadType) {
    formats += fmt::format(" {}", *media.rtxPayloadType);
  }
  appendLine(sdp, fmt::format("m={} {} {} {}", section.media, port, kProto, formats));
  appendLine(sdp, connectionLine(options));
  appendLine(sdp, fmt::format("a=mid:{}", media.mid));
  appendLine(sdp, fmt::format("a=ice-ufrag:{}", options.iceUfrag));
  appendLine(sdp, fmt::format("a=ice-pwd:{}", options.icePwd));
  appendLine(sdp, fmt::format("a=fingerprint:{}", options.fingerprint.toString()));
  appendLine(sdp, "a=setup:passive");
  appendLine(sdp, fmt::format("a={}", directionName(media.direction)));
  appendLine(sdp, "a=rtcp-mux");
  if (media.rtcpRsize) {
    appendLine(sdp, "a=rtcp-rsize");
  }
  for (const Extmap& extmap : media.extensions) {
    if (extmap.direction) {
      appendLine(sdp, fmt::format("a=extmap:{}/{} {}", extmap.id, directionName(*extmap.direction), extmap.uri));
    } else {
      appendLine(sdp, fmt::format("a=extmap:{} {}", extmap.id, extmap.uri));
    }
  }
  const Codec& codec = media.codec;
  writeRtpmap(sdp, codec);
  for (const std::string& feedback : codec.feedback) {
    appendLine(sdp, fmt::format("a=rtcp-fb:{} {}", codec.payloadType, feedback));
  }
  if (!codec.fmtp.empty()) {
    appendLine(sdp, fmt::format("a=fmtp:{} {}", codec.payloadType, codec.fmtp));
  }
  if (media.rtxPayloadType) {
    appendLine(sdp, fmt::format("a=rtpmap:{} rtx/{}", *media.rtxPayloadType, kVideoClock));
    appendLine(sdp, fmt::format("a=fmtp:{} apt={}", *media.rtxPayloadType, codec.payloadType));
  }
  if (options.role == Role::kPlay) {
    std::string msid = fmt::format("{} {}-{}", options.msidStream, options.msidStream, section.media);
    appendLine(sdp, fmt::format("a=msid:{}", msid));
    if (media.rtxPayloadType) {
      appendLine(sdp, fmt::format("a=ssrc-group:FID {} {}", media.localSsrc, media.localRtxSsrc));
    }
    appendLine(sdp, fmt::format("a=ssrc:{} cname:{}", media.localSsrc, options.cname));
    appendLine(sdp, fmt::format("a=ssrc:{} msid:{}", media.localSsrc, msid));
    if (media.rtxPayloadType) {
      appendLine(sdp, fmt::format("a=ssrc:{} cname:{}", media.localRtxSsrc, options.cname));
      appendLine(sdp, fmt::format("a=ssrc:{} msid:{}", media.localRtxSsrc, msid));
    }
  }
  for (size_t i = 0; i < options.candidates.size(); ++i) {
    const HostCandidate& candidate = options.candidates[i];
    // RFC 8445 5.1.2.1: type preference 126 (host), local preference falling with the
    // candidate's rank, component 1.
    uint32_t localPreference = 65535 - static_cast<uint32_t>(std::min<size_t>(i, 65535));
    uint32_t priority = (126u << 24) | (localPreference << 8) | 255u;
    appendLine(sdp, fmt::format("a=candidate:{} 1 udp {} {} {} typ host", i + 1, priority, candidate.address,
                                candidate.port));
  }
  appendLine(sdp, "a=end-of-candidates");
}

void writeRejected(std::string& sdp, const MediaSection& section) {
  appendLine(sdp, fmt::format("m={} 0 {} {}", section.media, section.proto, section.formats.front()));
  appendLine(sdp, "c=IN IP4 0.0.0.0");
  if (!section.mid.empty()) {
    appendLine(sdp, fmt::format("a=mid:{}", section.mid));
  }
  if (section.isRtp()) {
    appendLine(sdp, "a=inactive");
  }
}

// Why a section cannot be answered before its codecs are looked at; "" when it can.
std::string sectionProblem(const MediaSection& section, const SessionDescription& offer, const AnswerOptions& options,
                           const std::vector<NegotiatedMedia>& accepted) {
  if (section.rejected()) {
    return "rejected in the offer (port 0)";
  }
  if (section.proto != kProto) {
    return fmt::format("protocol {} (we take {} only)", section.proto, kProto);
  }
  if (section.kind == MediaKind::kOther) {
    return fmt::format("m={} (we take audio and video only)", section.media);
  }
  const Group* bundle = offer.bundle();
  if (bundle != nullptr) {
    if (std::find(bundle->mids.begin(), bundle->mids.end(), section.mid) == bundle->mids.end()) {
      return "not in the BUNDLE group (we bundle everything on one transport)";
    }
  } else if (!accepted.empty()) {
    return "no BUNDLE group: only one media section can be answered";
  }
  if (!section.rtcpMux) {
    return "no a=rtcp-mux (we multiplex RTP and RTCP only)";
  }
  if (section.setup == Setup::kPassive || section.setup == Setup::kHoldConn) {
    return fmt::format("a=setup:{} leaves us no DTLS role (we are passive: offer actpass or active)",
                       setupName(section.setup));
  }
  bool play = options.role == Role::kPlay;
  bool offerReceives = section.direction == Direction::kRecvOnly || section.direction == Direction::kSendRecv;
  bool offerSends = section.direction == Direction::kSendOnly || section.direction == Direction::kSendRecv;
  if (play && !offerReceives) {
    return fmt::format("direction {}: a play (WHEP) offer must receive (recvonly or sendrecv)",
                       directionName(section.direction));
  }
  if (!play && !offerSends) {
    return fmt::format("direction {}: a publish (WHIP) offer must send (sendonly or sendrecv)",
                       directionName(section.direction));
  }
  for (const NegotiatedMedia& other : accepted) {
    if (other.kind == section.kind) {
      return fmt::format("a second {} section (one {} track per session)", section.media, section.media);
    }
  }
  return {};
}

}  // namespace

Result<Answer> buildAnswer(const SessionDescription& offer, const AnswerOptions& options) {
  if (Status status = validate(options); !status) {
    return status.error();
  }
  if (offer.iceLite) {
    return Error("the offer is ICE-lite too: one side must be a full ICE agent");
  }
  Answer answer;
  std::vector<NegotiatedMedia> accepted;
  std::vector<std::string> problems;
  std::vector<std::string> codecProblems;
  for (const MediaSection& section : offer.media) {
    NegotiatedMedia media;
    media.mid = section.mid;
    media.kind = section.kind;
    media.remoteSsrc = section.mediaSsrc();
    media.remoteRtxSsrc = section.rtxSsrc();
    media.rejectReason = sectionProblem(section, offer, options, accepted);
    if (media.rejectReason.empty()) {
      CodecChoice choice = chooseCodec(section, options);
      if (choice.codec == nullptr) {
        media.rejectReason = choice.reason;
        if (choice.noCodec) {
          codecProblems.push_back(fmt::format("{} {}", section.media, offeredCodecs(section)));
        }
      } else {
        media.accepted = true;
        media.direction = options.role == Role::kPlay ? Direction::kSendOnly : Direction::kRecvOnly;
        media.codec = *choice.codec;
        media.codec.fmtp = answeredFmtp(*choice.codec);
        media.codec.parameters.clear();
        media.codec.feedback = answeredFeedback(*choice.codec, section.kind);
        if (choice.rtx != nullptr) {
          media.rtxPayloadType = choice.rtx->payloadType;
        }
        media.extensions = chooseExtensions(section, options.role);
        media.rtcpRsize = section.rtcpRsize;
        if (options.role == Role::kPlay) {
          media.localSsrc = section.kind == MediaKind::kVideo ? options.videoSsrc : options.audioSsrc;
          media.localRtxSsrc = media.rtxPayloadType ? options.videoRtxSsrc : 0;
        }
        if (accepted.empty()) {
          answer.remoteIceUfrag = section.iceUfrag;
          answer.remoteIcePwd = section.icePwd;
          answer.remoteFingerprints = section.fingerprints;
        }
        accepted.push_back(media);
      }
    }
    if (!media.accepted && !section.rejected()) {
      problems.push_back(fmt::format("mid {} ({}): {}", section.mid, kindName(section.kind), media.rejectReason));
    }
    answer.media.push_back(std::move(media));
  }
  if (accepted.empty()) {
    if (!codecProblems.empty() && codecProblems.size() == problems.size()) {
      return Error(fmt::format("no codec in common: offered {}; we take {}", fmt::join(codecProblems, "; "),
                               wanted(options)));
    }
    if (problems.empty()) {
      return Error("no media section to answer: the offer rejects them all");
    }
    return Error(fmt::format("no media section to answer: {}", fmt::join(problems, "; ")));
  }

  std::string& sdp = answer.sdp;
  appendLine(sdp, "v=0");
  appendLine(sdp, fmt::format("o=rtsedge {} 1 IN IP4 127.0.0.1", options.sessionId));
  appendLine(sdp, "s=-");
  appendLine(sdp, "t=0 0");
  appendLine(sdp, "a=ice-lite");
  if (const Group* bundle = offer.bundle()) {
    std::vector<std::string_view> mids;
    for (const std::string& mid : bundle->mids) {
      auto found = std::find_if(accepted.begin(), accepted.end(), [&](const NegotiatedMedia& m) { return m.mid == mid; });
      if (found != accepted.end() && std::find(mids.begin(), mids.end(), mid) == mids.end()) {
        mids.push_back(mid);
      }
    }
    appendLine(sdp, fmt::format("a=group:BUNDLE {}", fmt::join(mids, " ")));
  }
  if (options.role == Role::kPlay) {
    appendLine(sdp, fmt::format("a=msid-semantic: WMS {}", options.msidStream));
  }
  for (size_t i = 0; i < offer.media.size(); ++i) {
    if (answer.media[i].accepted) {
      writeAccepted(sdp, offer.media[i], answer.media[i], options);
    } else {
      writeRejected(sdp, offer.media[i]);
    }
  }
  return answer;
}

}  // namespace rtsedge::webrtc::sdp
