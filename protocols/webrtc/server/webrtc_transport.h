#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/webrtc/ice/packet_kind.h"
#include "protocols/webrtc/ice/stun_message.h"
#include "protocols/webrtc/sdp/sdp_answer.h"
#include "relay/config.h"
#include "relay/status.h"
#include "relay/uv/loop.h"
#include "relay/uv/udp.h"

namespace rtsedge::webrtc {

class WebRtcMetrics;

// "1.2.3.4:5", "[::1]:5": for logs and client listings.
std::string formatStunAddress(const StunAddress& address);

// The one UDP port every WebRTC session of the node shares (ICE-lite: we never send a
// check, we answer them). A datagram is STUN, DTLS, RTP or RTCP (RFC 7983); a STUN
// request finds its session by the local ufrag in its USERNAME, anything else by the
// address it came from, which the session bound after a valid check from it.
class WebRtcTransport final : private uv::UdpSocket::Listener {
 public:
  // What a session looks like to the transport.
  class Endpoint {
   public:
    // A STUN message whose USERNAME names this endpoint's ufrag; `from` is its source.
    virtual void onStun(const StunMessage& message, const StunAddress& from) = 0;
    // DTLS, RTP or RTCP from an address bound to this endpoint; `data` may be changed in place.
    virtual void onMedia(PacketKind kind, std::span<uint8_t> data, const StunAddress& from) = 0;

   protected:
    ~Endpoint() = default;
  };

  static Result<std::unique_ptr<WebRtcTransport>> start(uv::Loop& loop, const WebRtcSettings& settings,
                                                        WebRtcMetrics& metrics);
  ~WebRtcTransport();
  WebRtcTransport(const WebRtcTransport&) = delete;
  WebRtcTransport& operator=(const WebRtcTransport&) = delete;

  uint16_t port() const { return socket_->port(); }
  // What answers advertise: the configured candidates, else the bound address, else (bound
  // to every address) the host's interface addresses, loopback last.
  const std::vector<sdp::HostCandidate>& candidates() const { return candidates_; }

  // False when the ufrag is taken already (a collision of 96 random bits: refuse).
  bool addEndpoint(const std::string& ufrag, Endpoint& endpoint);
  // Forgets the endpoint's ufrags and addresses.
  void removeEndpoint(Endpoint& endpoint);
  void removeUfrag(const std::string& ufrag);
  // Media from `address` goes to `endpoint` from now on (a later bind moves it).
  void bindAddress(const StunAddress& address, Endpoint& endpoint);

  bool send(std::span<const uint8_t> datagram, const StunAddress& to);
  void close() { socket_->close(); }

 private:
  WebRtcTransport(const WebRtcSettings& settings, WebRtcMetrics& metrics)
      : settings_(settings), metrics_(metrics) {}
  void onDatagram(std::span<uint8_t> data, const sockaddr* from) override;
  void findCandidates();

  struct AddressHash {
    size_t operator()(const StunAddress& address) const;
  };

  const WebRtcSettings& settings_;
  WebRtcMetrics& metrics_;
  std::unique_ptr<uv::UdpSocket> socket_;
  std::vector<sdp::HostCandidate> candidates_;
  std::unordered_map<std::string, Endpoint*> byUfrag_;
  std::unordered_map<StunAddress, Endpoint*, AddressHash> byAddress_;
};

}  // namespace rtsedge::webrtc
