#pragma once

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/rtsbench/player.h"
#include "bench/rtsbench/whep_http.h"
#include "bench/rtsbench/whep_media.h"
#include "bench/rtsbench/whep_offer.h"
#include "protocols/webrtc/dtls/dtls_certificate.h"
#include "protocols/webrtc/dtls/dtls_session.h"
#include "protocols/webrtc/ice/ice_credentials.h"
#include "protocols/webrtc/ice/stun_message.h"
#include "protocols/webrtc/srtp/srtp_session.h"
#include "relay/uv/timer.h"
#include "relay/uv/udp.h"

namespace rtsedge::bench {

// What the WHEP players of a run share: one DTLS client certificate (ECDSA P-256, as a
// browser makes one per peer connection; one per run is enough here).
struct WhepContext {
  std::shared_ptr<const webrtc::DtlsCertificate> certificate;  // null when generating it failed
  std::string certificateError;
};

// One WebRTC viewer speaking WHEP as a browser does, without the browser:
//   1. POST /whep/app/name with a recvonly offer (buildWhepOffer); 201 and the answer;
//   2. ICE as the controlling agent: Binding requests to the answer's candidate from a UDP
//      socket of its own, USE-CANDIDATE, every 50 ms until a success response; then a
//      consent check every 2 s (rtsedge closes a session without them after 30 s);
//   3. DTLS as the client (DtlsSession::createClient), the server's certificate checked
//      against the answer's fingerprint; SRTP keyed from it;
//   4. media: RTP and RTCP unprotected, H.264 into frames for the meter (WhepMediaSource),
//      RTCP receiver reports and NACKs back;
//   5. at the end, DELETE of the session's Location (the run waits up to 2 s for it).
// Each stage has kConnectTimeout (5 s); a refused POST, an ICE error response, a DTLS
// failure or the server's close_notify end the player with its reason.
class WhepPlayer final : public Player, private uv::UdpSocket::Listener, private StreamSource::Listener {
 public:
  explicit WhepPlayer(PlayerContext& context);

  void start() override;
  uint64_t bytesReceived() const override { return bytes_; }
  const WhepMediaStats& mediaStats() const { return media_.stats(); }

 private:
  enum class State { kIdle, kPosting, kChecking, kHandshaking, kConnected, kClosed };

  void close() override;
  void onPosted(Result<HttpReply> reply);
  Status startIce();
  void startDtls();
  void onDatagram(std::span<uint8_t> data, const sockaddr* from) override;
  void onStun(std::span<const uint8_t> data);
  void onDtls(std::span<const uint8_t> data);
  void onRtp(std::span<uint8_t> data);
  void onRtcp(std::span<uint8_t> data);
  void onTick();
  void sendCheck(bool nominate);
  void sendDtlsOutput();
  void sendRtcp(const Bytes& packet);
  void send(std::span<const uint8_t> datagram);
  void deleteSession();
  void onPublisherReplaced() override {}  // the meter's stream has no other source

  uv::Loop& loop_;
  const Clock& clock_;
  const PlayUrl& url_;
  const WhepContext* whep_;
  WhepMediaSource media_;
  HttpExchange signaling_;  // the POST, then the DELETE
  uv::Timer tick_;
  std::unique_ptr<uv::UdpSocket> socket_;
  sockaddr_storage server_{};
  std::optional<webrtc::StunAddress> serverAddress_;

  State state_ = State::kIdle;
  SteadyTime stageStart_{};
  webrtc::IceCredentials local_;
  std::optional<WhepAnswer> answer_;
  std::string location_;
  uint64_t tieBreaker_ = 0;
  webrtc::StunTransactionId checkId_{};
  SteadyTime lastCheck_{};
  SteadyTime lastConsent_{};  // the last success response
  std::unique_ptr<webrtc::DtlsSession> dtls_;
  std::unique_ptr<webrtc::SrtpSession> srtp_;
  std::vector<uint8_t> scratch_;  // an RTCP packet being protected
  uint64_t bytes_ = 0;
};

}  // namespace rtsedge::bench
