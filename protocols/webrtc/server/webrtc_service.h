#pragma once

#include <map>
#include <memory>
#include <string>

#include "protocols/webrtc/server/webrtc_context.h"
#include "protocols/webrtc/server/webrtc_session.h"
#include "protocols/webrtc/signaling.h"

namespace rtsedge::webrtc {

// The WebRTC side of WHIP/WHEP: parses offers, owns the sessions by resource id, and
// answers DELETE and PATCH on them. Loop-confined.
class WebRtcService final : public Signaling, public WebRtcSession::Owner {
 public:
  explicit WebRtcService(WebRtcContext& context) : context_(context) {}
  ~WebRtcService() override;

  std::unique_ptr<Pending> offer(WebRtcOffer offer, std::function<void(OfferOutcome)> done) override;
  std::optional<SignalingFailure> end(std::string_view resourceId) override;
  PatchOutcome patch(std::string_view resourceId, std::string_view ifMatch, std::string_view fragment) override;

  // Closes every session (the process is stopping).
  void stop();
  size_t sessionCount() const { return sessions_.size(); }

 private:
  void onSessionClosed(WebRtcSession& session) override;

 private:
  class PendingOffer;
  WebRtcSession* find(std::string_view resourceId);

  WebRtcContext& context_;
  std::map<std::string, std::unique_ptr<WebRtcSession>, std::less<>> sessions_;
};

}  // namespace rtsedge::webrtc
