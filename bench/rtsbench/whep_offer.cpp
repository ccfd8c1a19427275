#include "bench/rtsbench/whep_offer.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include "protocols/webrtc/sdp/sdp_offer.h"

namespace rtsedge::bench {

namespace {

using webrtc::sdp::MediaKind;
using webrtc::sdp::MediaSection;

// The transport lines every section repeats, as browsers write them.
std::string transportLines(const WhepOfferInputs& inputs, std::string_view mid) {
  return fmt::format(
      "c=IN IP4 0.0.0.0\r\n"
      "a=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:{}\r\n"
      "a=ice-pwd:{}\r\n"
      "a=fingerprint:{}\r\n"
      "a=setup:actpass\r\n"
      "a=mid:{}\r\n"
      "a=recvonly\r\n"
      "a=rtcp-mux\r\n",
      inputs.ice.ufrag, inputs.ice.pwd, inputs.fingerprint != nullptr ? inputs.fingerprint->toString() : "", mid);
}

bool numericHost(const std::string& host) {
  in6_addr scratch{};
  return inet_pton(AF_INET, host.c_str(), &scratch) == 1 || inet_pton(AF_INET6, host.c_str(), &scratch) == 1;
}

}  // namespace

std::string buildWhepOffer(const WhepOfferInputs& inputs) {
  std::string sdp = fmt::format(
      "v=0\r\n"
      "o=- {} 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0 1\r\n"
      "a=msid-semantic: WMS\r\n",
      inputs.sessionId);
  sdp += fmt::format("m=video 9 UDP/TLS/RTP/SAVPF {}\r\n", kWhepVideoPayloadType);
  sdp += transportLines(inputs, "0");
  sdp += fmt::format(
      "a=rtcp-rsize\r\n"
      "a=rtpmap:{0} H264/90000\r\n"
      "a=rtcp-fb:{0} nack\r\n"
      "a=rtcp-fb:{0} nack pli\r\n"
      "a=fmtp:{0} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n",
      kWhepVideoPayloadType);
  sdp += fmt::format("m=audio 9 UDP/TLS/RTP/SAVPF {}\r\n", kWhepAudioPayloadType);
  sdp += transportLines(inputs, "1");
  sdp += fmt::format(
      "a=rtpmap:{0} opus/48000/2\r\n"
      "a=fmtp:{0} minptime=10;useinbandfec=1\r\n",
      kWhepAudioPayloadType);
  return sdp;
}

Result<WhepAnswer> parseWhepAnswer(std::string_view text) {
  auto description = webrtc::sdp::parseSessionDescription(text);
  if (!description) {
    return description.error().wrap("SDP answer");
  }
  WhepAnswer answer;
  const MediaSection* transport = nullptr;  // the first accepted section: the BUNDLE transport
  for (const MediaSection& section : description->media) {
    if (section.rejected()) {
      continue;
    }
    if (transport == nullptr) {
      transport = &section;
    }
    for (const webrtc::sdp::Codec& codec : section.codecs) {
      if (section.kind == MediaKind::kVideo && codec.is("H264") && !answer.videoPayloadType) {
        answer.videoPayloadType = codec.payloadType;
        answer.videoSsrc = section.mediaSsrc();
      } else if (section.kind == MediaKind::kAudio && codec.is("opus") && !answer.audioPayloadType) {
        answer.audioPayloadType = codec.payloadType;
        answer.audioSsrc = section.mediaSsrc();
      }
    }
  }
  if (transport == nullptr) {
    return Error("SDP answer: every media section rejected");
  }
  if (!answer.videoPayloadType) {
    return Error("SDP answer: no H.264 video");
  }
  if (transport->setup != webrtc::sdp::Setup::kPassive) {
    return Error(fmt::format("SDP answer: a=setup:{}, not passive: we are the DTLS client",
                             webrtc::sdp::setupName(transport->setup)));
  }
  if (transport->fingerprints.empty()) {
    return Error("SDP answer: no sha-256 fingerprint");
  }
  auto fingerprint = webrtc::DtlsFingerprint::parse(transport->fingerprints.front().toString());
  if (!fingerprint) {
    return fingerprint.error().wrap("SDP answer");
  }
  answer.fingerprint = std::move(*fingerprint);
  answer.ice = {transport->iceUfrag, transport->icePwd};
  for (const MediaSection& section : description->media) {
    for (const webrtc::sdp::Candidate& candidate : section.candidates) {
      if (candidate.transport == "udp" && candidate.component == 1 && numericHost(candidate.address) &&
          candidate.port != 0) {
        answer.candidateHost = candidate.address;
        answer.candidatePort = candidate.port;
        return answer;
      }
    }
  }
  return Error("SDP answer: no UDP candidate with a numeric address");
}

}  // namespace rtsedge::bench
