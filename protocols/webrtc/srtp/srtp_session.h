#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "protocols/webrtc/srtp/srtp_keys.h"
#include "relay/status.h"

struct srtp_ctx_t_;  // libsrtp's session, <srtp2/srtp.h>

namespace rtsedge::webrtc {

// The SRTP and SRTCP protection of one association (one DTLS handshake) with libsrtp:
// an outbound session keyed with our half of the keys, for any SSRC we send, and an
// inbound one keyed with the peer's, for any SSRC the peer sends (a stream is added for
// an SSRC only once a packet of it authenticated). Replay protection with a window of
// 1024 packets inbound; outbound, the same packet may be protected again (a NACKed
// retransmission), which libsrtp would otherwise refuse as a replay.
//
// Everything works in place. libsrtp expects a packet to start 4-byte aligned (a
// vector's data does) and may write up to kMaxTrailer bytes past a packet it protects:
// protect() takes a buffer with that room after the packet, and refuses one without.
// Not thread-safe: one session belongs to one loop.
class SrtpSession {
 public:
  // libsrtp's SRTP_MAX_TRAILER_LEN: the room protect() needs after a packet.
  static constexpr size_t kMaxTrailer = 144;

  static Result<std::unique_ptr<SrtpSession>> create(const SrtpKeys& keys);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // Encrypts and authenticates the RTP packet in buffer[0, length) into the SRTP packet
  // in buffer[0, result). buffer.size() must be at least length + kMaxTrailer.
  Result<size_t> protect(std::span<uint8_t> buffer, size_t length);
  // The same for an RTCP compound packet (adds the SRTCP index and tag).
  Result<size_t> protectRtcp(std::span<uint8_t> buffer, size_t length);
  // Authenticates and decrypts the SRTP packet in `packet`; the RTP packet is then in
  // packet[0, result). Errors: authentication failed, a replayed or too old packet, a
  // packet too short or malformed; the packet's bytes are then unspecified.
  Result<size_t> unprotect(std::span<uint8_t> packet);
  Result<size_t> unprotectRtcp(std::span<uint8_t> packet);

  SrtpProfile profile() const { return profile_; }

 private:
  explicit SrtpSession(SrtpProfile profile) : profile_(profile) {}

  SrtpProfile profile_;
  srtp_ctx_t_* outbound_ = nullptr;
  srtp_ctx_t_* inbound_ = nullptr;
};

// libsrtp's srtp_init, once per process, from whichever thread comes first.
Status initSrtpLibrary();

}  // namespace rtsedge::webrtc
