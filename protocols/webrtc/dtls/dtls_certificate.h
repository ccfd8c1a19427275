#pragma once

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <utility>

#include "protocols/webrtc/dtls/dtls_fingerprint.h"
#include "relay/status.h"

namespace rtsedge::webrtc {

// Which end of DTLS-SRTP a certificate's context speaks: rtsedge is always the server
// (a=setup:passive); the client end is for test and load tools that stand in for a
// browser (rtsbench's WHEP players).
enum class DtlsRole { kServer, kClient };

// Our DTLS identity for WebRTC: an ECDSA P-256 key and a self-signed certificate made at
// start (the peer trusts it through the a=fingerprint of our SDP, not through a CA), and
// the one SSL_CTX every DtlsSession is made from. Made once per process by its owner and
// shared by all sessions on all loops; immutable once made.
//
// The SSL_CTX speaks DTLS 1.2 as a server (what browsers speak with DTLS-SRTP), ECDHE
// with ECDSA only, offers SRTP_AEAD_AES_128_GCM then SRTP_AES128_CM_SHA1_80, and demands
// the peer's certificate without judging it: the session checks it against the peer's
// a=fingerprint once the handshake is done. A kClient certificate's SSL_CTX is the same
// but speaks as a DTLS client and offers the same SRTP profiles (DtlsSession::createClient).
class DtlsCertificate {
 public:
  // How long a generated certificate is valid, from a day before it was made (clocks
  // differ); a process running longer should make a new one for new sessions.
  static constexpr std::chrono::hours kValidity{24 * 30};

  static Result<std::shared_ptr<const DtlsCertificate>> generate(DtlsRole role = DtlsRole::kServer);
  ~DtlsCertificate();
  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  // The sha-256 fingerprint for our SDP: fingerprint().toString() is "sha-256 AB:CD:...".
  const DtlsFingerprint& fingerprint() const { return fingerprint_; }
  const std::shared_ptr<SSL_CTX>& context() const { return context_; }
  X509* certificate() const { return certificate_; }
  DtlsRole role() const { return role_; }

 private:
  DtlsCertificate(EVP_PKEY* key, X509* certificate, DtlsFingerprint fingerprint, DtlsRole role)
      : key_(key), certificate_(certificate), fingerprint_(std::move(fingerprint)), role_(role) {}

  EVP_PKEY* key_;      // owned
  X509* certificate_;  // owned
  DtlsFingerprint fingerprint_;
  DtlsRole role_;
  std::shared_ptr<SSL_CTX> context_;
};

}  // namespace rtsedge::webrtc
