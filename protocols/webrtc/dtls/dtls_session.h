#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "protocols/webrtc/dtls/dtls_certificate.h"
#include "protocols/webrtc/dtls/dtls_fingerprint.h"
#include "protocols/webrtc/srtp/srtp_keys.h"
#include "relay/status.h"

namespace rtsedge::webrtc {

struct DtlsOptions {
  // The largest datagram sent (UDP payload): handshake messages are fragmented to fit.
  // 1200 keeps a flight under any path MTU a browser meets; at least 256.
  size_t mtu = 1200;
  // Retransmission of an unanswered flight: after `initialRetransmit`, then doubling up to
  // `maxRetransmit`; after 12 unanswered retransmissions the handshake fails. At least
  // 20 ms: OpenSSL takes a timer less than 15 ms from expiry as expired.
  std::chrono::milliseconds initialRetransmit{100};
  std::chrono::milliseconds maxRetransmit{4000};
};

enum class DtlsEvent {
  kNone,       // taken: handshake progress, a retransmission, ignored application data,
               // or a record DTLS discards (a bad MAC, a stray epoch) — see takeDatagrams()
  kRejected,   // not a DTLS record at all (RFC 7983: first byte outside 20..63): dropped,
               // the association is unaffected
  kConnected,  // the handshake completed and the peer's certificate matched: srtpKeys() set
  kClosed,     // the peer sent close_notify: it sends nothing more
};

// One DTLS association for DTLS-SRTP, over memory: datagrams in, datagrams out, no socket
// and no loop (the WebRTC transport moves them and owns the timer). Passive role: we are
// the DTLS server (a=setup:passive), the browser connects. createClient() makes the
// active end instead, for tools that stand in for a browser (rtsbench's WHEP players).
//
// The SSL reads and writes through a BIO of our own, like uv::TlsStream's, but datagram
// shaped: during feed() it reads the datagram straight from the caller's buffer, one
// whole datagram per read; each write (OpenSSL flushes a datagram's worth of records at a
// time) goes into the last datagram not yet taken if it fits the MTU, else starts one.
// OpenSSL 3.0's memory BIO would run datagrams together, and its datagram BIO needs a
// socket.
//
// Timers: after feed() or onTimeout(), arm the loop's timer for nextTimeout() and call
// onTimeout() when it fires. The overall handshake deadline is the caller's.
class DtlsSession {
 public:
  // A server session from the process's certificate and context; `expectedPeer` is the
  // peer's a=fingerprint from its SDP.
  static Result<std::unique_ptr<DtlsSession>> create(const DtlsCertificate& certificate, DtlsFingerprint expectedPeer,
                                                     const DtlsOptions& options = {});
  // A client session (a=setup:active): `certificate` must be a DtlsRole::kClient one.
  // Its ClientHello is in takeDatagrams() at once; the server's certificate must match
  // `expectedPeer`, the answer's a=fingerprint; the keys are split as the client's.
  static Result<std::unique_ptr<DtlsSession>> createClient(const DtlsCertificate& certificate,
                                                           DtlsFingerprint expectedPeer,
                                                           const DtlsOptions& options = {});
  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  // One received datagram (one or more DTLS records). An Error means the association
  // failed (a fatal alert, a failed handshake, no SRTP profile in common, the peer's
  // certificate not the one its SDP announced, too many retransmissions): it is dead,
  // and an alert for the peer may be in takeDatagrams().
  Result<DtlsEvent> feed(std::span<const uint8_t> datagram);
  // When the retransmission timer is due, from now; nullopt when none runs (nothing
  // sent yet, or the handshake is over). Zero: due already.
  std::optional<std::chrono::microseconds> nextTimeout() const;
  // Retransmits the last flight if the timer is due (early calls do nothing). An Error:
  // too many retransmissions, the association failed.
  Status onTimeout();
  // Queues close_notify, once, on a connected association that did not fail.
  void shutdown();

  // RFC 7983 demultiplexing: could `datagram` be DTLS (first byte 20..63, a whole record
  // header)? STUN, RTP and RTCP are not.
  static bool looksLikeDtls(std::span<const uint8_t> datagram);

  bool connected() const { return connected_; }
  bool failed() const { return failed_; }
  bool peerClosed() const { return peerClosed_; }
  // The negotiated profile and keys, once connected; nullptr before.
  const SrtpKeys* srtpKeys() const { return srtpKeys_ ? &*srtpKeys_ : nullptr; }

  // Datagrams to send, in order, each at most options.mtu bytes.
  bool hasDatagrams() const { return !outgoing_.empty(); }
  std::vector<std::vector<uint8_t>> takeDatagrams() { return std::exchange(outgoing_, {}); }

 private:
  DtlsSession(DtlsFingerprint expectedPeer, const DtlsOptions& options, bool client)
      : expectedPeer_(std::move(expectedPeer)), options_(options), client_(client) {}

  static Result<std::unique_ptr<DtlsSession>> make(const DtlsCertificate& certificate, DtlsFingerprint expectedPeer,
                                                   const DtlsOptions& options, bool client);

  Result<DtlsEvent> advanceHandshake();
  Result<DtlsEvent> readRecords();
  Status finishHandshake();
  Error failure(std::string_view fallback);

  static unsigned int nextRetransmit(SSL* ssl, unsigned int previousUs);
  static int bioRead(BIO* bio, char* out, int length);
  static int bioWrite(BIO* bio, const char* in, int length);
  static long bioControl(BIO* bio, int command, long number, void* pointer);
  static int bioCreate(BIO* bio);
  static BIO* newBio(DtlsSession* owner);

  SSL* ssl_ = nullptr;
  DtlsFingerprint expectedPeer_;
  DtlsOptions options_;
  bool client_;
  std::span<const uint8_t> input_;  // during feed(): the datagram not yet read
  std::vector<std::vector<uint8_t>> outgoing_;
  std::optional<SrtpKeys> srtpKeys_;
  bool connected_ = false;
  bool failed_ = false;
  bool peerClosed_ = false;
  bool shutdownSent_ = false;
};

}  // namespace rtsedge::webrtc
