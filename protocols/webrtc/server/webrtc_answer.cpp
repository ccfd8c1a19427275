#include "protocols/webrtc/server/webrtc_answer.h"

#include <fmt/format.h>

#include "protocols/webrtc/server/rtp_track_sender.h"

namespace rtsedge::webrtc {

namespace {
Status chooseVideo(const AnswerInputs& inputs, sdp::AnswerOptions& options) {
  options.videoCodecs = {sdp::VideoCodec::kH264};
  if (inputs.role == SignalingRole::kPublish) {
    return Status::ok();
  }
  if (inputs.streamVideo == nullptr) {
    options.videoCodecs = {};
  } else if (inputs.streamVideo->codec != Codec::kH264) {
    return Error(fmt::format("the stream has {} video, which WebRTC viewers here do not get yet",
                             codecName(inputs.streamVideo->codec)));
  }
  return Status::ok();
}
}  // namespace

Result<AgreedSession> answerOffer(const sdp::SessionDescription& offer, const AnswerInputs& inputs) {
  sdp::AnswerOptions options;
  options.role = inputs.role == SignalingRole::kPublish ? sdp::Role::kPublish : sdp::Role::kPlay;
  options.iceUfrag = inputs.ice.ufrag;
  options.icePwd = inputs.ice.pwd;
  options.fingerprint = inputs.fingerprint;
  options.candidates = inputs.candidates;
  options.sessionId = (static_cast<uint64_t>(randomU32()) << 31) | randomU32();
  options.cname = "rtsedge";
  options.msidStream = inputs.streamName.empty() ? "rtsedge" : inputs.streamName;
  options.videoSsrc = inputs.videoSsrc;
  options.audioSsrc = inputs.audioSsrc;
  if (Status video = chooseVideo(inputs, options); !video) {
    return video.error();
  }
  auto answer = sdp::buildAnswer(offer, options);
  if (!answer) {
    return answer.error();
  }
  if (answer->remoteFingerprints.empty()) {
    return Error("the offer has no sha-256 fingerprint");
  }
  AgreedSession agreed{std::move(answer->sdp), answer->remoteFingerprints.front(), {}, {}};
  for (const sdp::NegotiatedMedia& media : answer->media) {
    if (!media.accepted) {
      continue;
    }
    bool video = media.kind == sdp::MediaKind::kVideo;
    if (inputs.role == SignalingRole::kPlay) {
      agreed.viewerTracks.emplace_back(video ? TrackKind::kVideo : TrackKind::kAudio, media.codec.payloadType);
    } else if (video) {
      agreed.ingest.videoPayloadType = media.codec.payloadType;
      agreed.ingest.videoRtxPayloadType = media.rtxPayloadType;
    } else {
      agreed.ingest.audioPayloadType = media.codec.payloadType;
      agreed.ingest.audioChannels = media.codec.channels == 0 ? 2 : media.codec.channels;
    }
    for (const sdp::Extmap& extension : media.extensions) {
      if (extension.uri == sdp::kExtensionTransportCc) {
        agreed.ingest.transportCcId = static_cast<uint8_t>(extension.id);
      }
    }
  }
  return agreed;
}

}  // namespace rtsedge::webrtc
