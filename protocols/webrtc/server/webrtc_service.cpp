#include "protocols/webrtc/server/webrtc_service.h"

#include <spdlog/spdlog.h>

#include "protocols/webrtc/ice/ice_credentials.h"
#include "protocols/webrtc/server/webrtc_answer.h"

namespace rtsedge::webrtc {

namespace {
// Whether any answer to the offer is possible (a section we can serve, a DTLS role left
// for us...), before access hooks run and a viewer waits for its stream: a hopeless offer
// gets its 400 at once. The real answer is built later, with the stream's codecs.
Status answerable(const sdp::SessionDescription& offer, SignalingRole role) {
  auto credentials = generateIceCredentials();
  if (!credentials) {
    return credentials.error();
  }
  AnswerInputs inputs;
  inputs.role = role;
  inputs.ice = std::move(*credentials);
  inputs.candidates = {{"127.0.0.1", 9}};
  inputs.videoSsrc = 1;
  inputs.audioSsrc = 2;
  TrackConfig h264;  // the stream is not known yet: assume the usual one
  h264.codec = Codec::kH264;
  inputs.streamVideo = &h264;
  auto agreed = answerOffer(offer, inputs);
  return agreed ? Status::ok() : Status(agreed.error());
}
}  // namespace

// Withdraws the offer of a session still waiting for its answer when the HTTP client leaves.
class WebRtcService::PendingOffer final : public Signaling::Pending {
 public:
  PendingOffer(WebRtcService& service, std::string resourceId)
      : service_(service), resourceId_(std::move(resourceId)) {}
  ~PendingOffer() override {
    if (WebRtcSession* session = service_.find(resourceId_)) {
      session->withdraw();
    }
  }

 private:
  WebRtcService& service_;
  std::string resourceId_;
};

WebRtcService::~WebRtcService() {
  stop();
}

std::unique_ptr<Signaling::Pending> WebRtcService::offer(WebRtcOffer offer, std::function<void(OfferOutcome)> done) {
  auto description = sdp::parseSessionDescription(offer.sdp);
  if (!description) {
    context_.metrics.protocolErrors.labels({context_.metrics.protocol, "sdp"}).inc();
    spdlog::info("webrtc: {}: bad SDP offer for {}: {}", offer.peer, offer.key.key(), description.error().message());
    done(SignalingFailure{400, "bad SDP offer: " + description.error().message()});
    return nullptr;
  }
  if (Status usable = answerable(*description, offer.role); !usable) {
    context_.metrics.protocolErrors.labels({context_.metrics.protocol, "sdp"}).inc();
    spdlog::info("webrtc: {}: SDP offer for {} cannot be answered: {}", offer.peer, offer.key.key(),
                 usable.error().message());
    done(SignalingFailure{400, "SDP offer cannot be answered: " + usable.error().message()});
    return nullptr;
  }
  if (sessions_.size() >= context_.settings.maxSessions) {
    done(SignalingFailure{503, "too many WebRTC sessions (webrtc.max_sessions)"});
    return nullptr;
  }
  auto resourceId = randomIceString(24);  // 144 random bits; ice-chars minus '+' and '/' below
  if (!resourceId) {
    done(SignalingFailure{503, resourceId.error().message()});
    return nullptr;
  }
  for (char& c : *resourceId) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;  // URL-safe
  }
  auto session = std::make_unique<WebRtcSession>(context_, std::move(offer), std::move(*description), *resourceId,
                                                  *this);
  WebRtcSession& started = *session;
  sessions_.emplace(*resourceId, std::move(session));
  auto pending = std::make_unique<PendingOffer>(*this, *resourceId);
  started.start(std::move(done));
  return pending;
}

std::optional<SignalingFailure> WebRtcService::end(std::string_view resourceId) {
  WebRtcSession* session = find(resourceId);
  if (session == nullptr) {
    return SignalingFailure{404, "no WebRTC session here by that id"};
  }
  session->close(CloseReason::kPeerClosed, "DELETE of the session resource");
  return std::nullopt;
}

PatchOutcome WebRtcService::patch(std::string_view resourceId, std::string_view ifMatch, std::string_view fragment) {
  WebRtcSession* session = find(resourceId);
  if (session == nullptr) {
    return SignalingFailure{404, "no WebRTC session here by that id"};
  }
  return session->patch(ifMatch, fragment);
}

void WebRtcService::stop() {
  while (!sessions_.empty()) {
    sessions_.begin()->second->close(CloseReason::kShutdown, "server stopping");
  }
}

WebRtcSession* WebRtcService::find(std::string_view resourceId) {
  auto found = sessions_.find(resourceId);
  return found == sessions_.end() ? nullptr : found->second.get();
}

void WebRtcService::onSessionClosed(WebRtcSession& session) {
  auto found = sessions_.find(session.resourceId());
  if (found != sessions_.end()) {
    context_.loop.deferDelete(std::move(found->second));
    sessions_.erase(found);
  }
}

}  // namespace rtsedge::webrtc
