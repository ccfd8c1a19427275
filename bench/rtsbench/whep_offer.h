#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/webrtc/dtls/dtls_fingerprint.h"
#include "protocols/webrtc/ice/ice_credentials.h"
#include "relay/status.h"

namespace rtsedge::bench {

// A WHEP player's SDP offer, as a browser's recvonly transceivers make it (Chromium's is
// tests/fixtures/sdp/chrome_whep_offer.sdp), reduced to what rtsbench receives: BUNDLE of
// a video section (H.264 packetization-mode=1, profile-level-id 42e01f, NACK) and an audio
// section (Opus 48000/2), rtcp-mux, our ICE credentials, the sha-256 fingerprint of our
// certificate, a=setup:actpass. No candidates (port 9, as before gathering): rtsedge is
// ICE-lite and learns our address from our checks.
struct WhepOfferInputs {
  webrtc::IceCredentials ice;
  const webrtc::DtlsFingerprint* fingerprint = nullptr;  // sha-256
  uint64_t sessionId = 1;
};

inline constexpr uint8_t kWhepVideoPayloadType = 102;
inline constexpr uint8_t kWhepAudioPayloadType = 111;

std::string buildWhepOffer(const WhepOfferInputs& inputs);

// What a player needs of the server's answer.
struct WhepAnswer {
  std::string candidateHost;  // the first UDP host candidate's address (numeric)
  uint16_t candidatePort = 0;
  webrtc::IceCredentials ice;                          // the server's
  std::optional<webrtc::DtlsFingerprint> fingerprint;  // its certificate's, which DTLS must present: always set
  std::optional<uint8_t> videoPayloadType;             // H.264, when the video section was accepted
  std::optional<uint8_t> audioPayloadType;             // Opus, when the audio section was accepted
  std::optional<uint32_t> videoSsrc;                   // as announced (a=ssrc)
  std::optional<uint32_t> audioSsrc;
};

// Parses the answer (parseSessionDescription) and takes what a player needs. An Error
// when it is not an answer we can play: no UDP candidate, no fingerprint, a DTLS role
// other than passive, no H.264 video.
Result<WhepAnswer> parseWhepAnswer(std::string_view sdp);

}  // namespace rtsedge::bench
