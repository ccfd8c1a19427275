#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "protocols/webrtc/ice/ice_credentials.h"
#include "protocols/webrtc/sdp/sdp_answer.h"
#include "protocols/webrtc/sdp/sdp_offer.h"
#include "protocols/webrtc/server/webrtc_ingest.h"
#include "protocols/webrtc/signaling.h"
#include "relay/media_frame.h"
#include "relay/status.h"

namespace rtsedge::webrtc {

// What rtsedge brings to an answer.
struct AnswerInputs {
  SignalingRole role = SignalingRole::kPlay;
  IceCredentials ice;
  sdp::Fingerprint fingerprint;  // of our DTLS certificate
  std::vector<sdp::HostCandidate> candidates;
  std::string streamName;  // the msid stream id the answer announces
  // Play: the stream's video (null: none, the video section is rejected) and the SSRCs
  // the viewer sends with.
  const TrackConfig* streamVideo = nullptr;
  uint32_t videoSsrc = 0;
  uint32_t audioSsrc = 0;
};

// What the answer agreed on.
struct AgreedSession {
  std::string sdp;
  sdp::Fingerprint remoteFingerprint;  // the certificate the peer's DTLS must present
  IngestTracks ingest;                 // publish: the payload types and extensions to read
  std::vector<std::pair<TrackKind, uint8_t>> viewerTracks;  // play: the tracks and payload types to send
};

// The answer to an offer (sdp::buildAnswer with what rtsedge takes: H.264 and Opus, as an
// ICE-lite, DTLS-passive, BUNDLE, rtcp-mux server) and what it agreed on. An Error says
// why no answer is possible: it is the 400's reason.
Result<AgreedSession> answerOffer(const sdp::SessionDescription& offer, const AnswerInputs& inputs);

}  // namespace rtsedge::webrtc
