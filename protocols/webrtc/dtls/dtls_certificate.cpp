#include "protocols/webrtc/dtls/dtls_certificate.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <string>

#include "relay/tls/tls_context.h"

namespace rtsedge::webrtc {

namespace {

constexpr long kBackdateSeconds = 24 * 3600;
constexpr const char* kCommonName = "rtsedge";
// DTLS 1.2 with an ECDSA certificate: ECDHE-ECDSA suites, AEAD first. Browsers offer all.
constexpr const char* kCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

// The peer's certificate is self-signed and no CA vouches for it: accept any chain here;
// DtlsSession compares it with the SDP's a=fingerprint after the handshake.
int acceptAnyCertificate(int, X509_STORE_CTX*) {
  return 1;
}

Result<X509*> makeCertificate(EVP_PKEY* key) {
  X509* x = X509_new();
  if (x == nullptr) {
    return Error("certificate: " + tls::takeOpenSslError("out of memory"));
  }
  uint64_t serial = 0;
  bool ok = X509_set_version(x, X509_VERSION_3) == 1 &&
            RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial)) == 1;
  serial = (serial & 0x7FFFFFFFFFFFFFFFull) | 1;  // positive and not zero, as RFC 5280 wants
  ok = ok && ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) == 1;
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -kBackdateSeconds) != nullptr;
  ok = ok && X509_gmtime_adj(X509_getm_notAfter(x),
                             std::chrono::seconds(DtlsCertificate::kValidity).count() - kBackdateSeconds) != nullptr;
  ok = ok && X509_set_pubkey(x, key) == 1;
  X509_NAME* name = X509_get_subject_name(x);
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(kCommonName),
                                        -1, -1, 0) == 1;
  ok = ok && X509_set_issuer_name(x, name) == 1;
  ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
  if (!ok) {
    X509_free(x);
    return Error("certificate: " + tls::takeOpenSslError("cannot build"));
  }
  return x;
}

Result<std::shared_ptr<SSL_CTX>> makeContext(EVP_PKEY* key, X509* certificate, DtlsRole role) {
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(role == DtlsRole::kServer ? DTLS_server_method() : DTLS_client_method()),
                                   SSL_CTX_free);
  if (!context) {
    return Error("DTLS context: " + tls::takeOpenSslError("cannot create"));
  }
  SSL_CTX* raw = context.get();
  if (SSL_CTX_set_min_proto_version(raw, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(raw, DTLS1_2_VERSION) != 1) {
    return Error("DTLS context: " + tls::takeOpenSslError("no DTLS 1.2"));
  }
  // No renegotiation, no resumption; the MTU is ours to set, never queried from a socket.
  SSL_CTX_set_options(
      raw, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate(raw, certificate) != 1 || SSL_CTX_use_PrivateKey(raw, key) != 1 ||
      SSL_CTX_check_private_key(raw) != 1) {
    return Error("DTLS context: " + tls::takeOpenSslError("certificate or key refused"));
  }
  if (SSL_CTX_set_cipher_list(raw, kCiphers) != 1 || SSL_CTX_set1_groups_list(raw, kGroups) != 1) {
    return Error("DTLS context: " + tls::takeOpenSslError("cipher suites or groups refused"));
  }
  if (SSL_CTX_set_tlsext_use_srtp(raw, kSrtpProfiles) != 0) {  // 0 is success here
    return Error("DTLS context: " + tls::takeOpenSslError("SRTP profiles refused"));
  }
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &acceptAnyCertificate);
  return context;
}

}  // namespace

Result<std::shared_ptr<const DtlsCertificate>> DtlsCertificate::generate(DtlsRole role) {
  ERR_clear_error();
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) {
    return Error("DTLS key: " + tls::takeOpenSslError("cannot generate"));
  }
  auto certificate = makeCertificate(key);
  if (!certificate) {
    EVP_PKEY_free(key);
    return certificate.error();
  }
  auto fingerprint = DtlsFingerprint::of(*certificate, "sha-256");
  if (!fingerprint) {
    X509_free(*certificate);
    EVP_PKEY_free(key);
    return fingerprint.error();
  }
  // From here the destructor frees key and certificate.
  std::shared_ptr<DtlsCertificate> self(new DtlsCertificate(key, *certificate, std::move(*fingerprint), role));
  auto context = makeContext(key, *certificate, role);
  if (!context) {
    return context.error();
  }
  self->context_ = std::move(*context);
  return std::shared_ptr<const DtlsCertificate>(std::move(self));
}

DtlsCertificate::~DtlsCertificate() {
  X509_free(certificate_);
  EVP_PKEY_free(key_);
}

}  // namespace rtsedge::webrtc
