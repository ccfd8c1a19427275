#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/webrtc/dtls/dtls_session.h"
#include "protocols/webrtc/ice/ice_credentials.h"
#include "protocols/webrtc/sdp/sdp_answer.h"
#include "protocols/webrtc/sdp/sdp_offer.h"
#include "protocols/webrtc/server/webrtc_context.h"
#include "protocols/webrtc/server/webrtc_ingest.h"
#include "protocols/webrtc/server/webrtc_viewer.h"
#include "protocols/webrtc/signaling.h"
#include "protocols/webrtc/srtp/srtp_session.h"
#include "relay/clients.h"
#include "relay/session.h"
#include "relay/uv/loop.h"
#include "relay/uv/timer.h"
#include "security/session_access.h"

namespace rtsedge::webrtc {

// One WHIP publisher or WHEP viewer: access control, the SDP answer, ICE-lite checks
// and consent, DTLS (passive) keying SRTP, then media: a viewer's is WebRtcViewer's, a
// publisher's RTP is depacketized into the stream by WebRtcIngest. This class owns the
// session's life and its transport: what comes in is decrypted here, what goes out
// encrypted here.
class WebRtcSession final : public uv::DeferredDeletable,
                            public Client,
                            private WebRtcTransport::Endpoint,
                            private WebRtcViewer::Output,
                            private StreamSource::Listener {
 public:
  class Owner {
   public:
    virtual void onSessionClosed(WebRtcSession& session) = 0;

   protected:
    ~Owner() = default;
  };

  WebRtcSession(WebRtcContext& context, WebRtcOffer offer, sdp::SessionDescription description,
                std::string resourceId, Owner& owner);
  ~WebRtcSession() override;

  // Access control, the stream (a viewer waits up to playWait for it), then the answer.
  // `done` runs once unless withdraw() comes first.
  void start(std::function<void(OfferOutcome)> done);
  // The HTTP client went away before its answer: the session ends.
  void withdraw();
  PatchOutcome patch(std::string_view ifMatch, std::string_view fragment);
  void close(CloseReason reason, std::string_view detail);

  const std::string& resourceId() const { return resourceId_; }
  uint64_t id() const { return id_; }

  ClientInfo clientInfo() const override;
  void kick() override { close(CloseReason::kKicked, "kicked through the API"); }

 private:
  enum class State { kAuthorizing, kWaitingForStream, kConnecting, kConnected, kClosed };

  // Endpoint.
  void onStun(const StunMessage& message, const StunAddress& from) override;
  void onMedia(PacketKind kind, std::span<uint8_t> data, const StunAddress& from) override;
  // WebRtcViewer::Output.
  void sendMedia(std::span<const uint8_t> packet, bool rtcp) override;
  void onViewerEnded(CloseReason reason, std::string_view detail) override { close(reason, detail); }
  // StreamSource::Listener.
  void onPublisherReplaced() override;

  void authorized();
  void waitForStream();
  void answer();
  Result<WebRtcAnswer> negotiate();
  void fail(int status, std::string reason, CloseReason closeReason);
  void onDtls(std::span<const uint8_t> data, const StunAddress& from);
  void sendDtlsOutput(const StunAddress& to);
  void armDtlsTimer();
  void connected();
  void startPlaying();
  void startPublishing();
  void onRtp(std::span<uint8_t> data);
  void onRtcp(std::span<uint8_t> data);
  void onTick();
  // Moves the ingest's NACK, PLI and loss counts into the metrics.
  void recordIngestStats();

  WebRtcContext& context_;
  WebRtcOffer offer_;
  sdp::SessionDescription description_;
  std::string resourceId_;
  Owner& owner_;
  uint64_t id_;
  SteadyTime since_;
  SessionRole role_;
  State state_ = State::kAuthorizing;
  std::function<void(OfferOutcome)> done_;
  security::SessionAccess access_;
  uv::Timer timer_;
  uv::Timer dtlsTimer_;

  IceCredentials local_;
  std::string remoteUfrag_;  // the peer's, from its offer or its last ICE restart
  std::string etag_;
  std::optional<StunAddress> selected_;  // where media goes: the nominated (else last checked) address
  SteadyTime lastConsent_{};
  std::unique_ptr<DtlsSession> dtls_;
  std::unique_ptr<SrtpSession> srtp_;
  std::vector<uint8_t> scratch_;  // one packet being protected
  uint64_t bytesReceived_ = 0;
  uint64_t bytesSent_ = 0;
  uint32_t localSsrc_;  // RTCP sender SSRC of a publisher's feedback

  std::unique_ptr<WebRtcViewer> viewer_;
  // Publisher.
  std::unique_ptr<WebRtcIngest> ingest_;
  uint64_t recordedNacks_ = 0;  // what recordIngestStats() counted already
  uint64_t recordedPlis_ = 0;
  uint64_t recordedLost_ = 0;
};

}  // namespace rtsedge::webrtc
