#pragma once

// A DTLS 1.2 client on plain OpenSSL, standing in for a browser in the DtlsSession tests:
// its own self-signed ECDSA certificate, the SRTP profiles it is told to offer, datagrams
// through a BIO of its own (a queue in, a list out), fast retransmission timers.

#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/webrtc/dtls/dtls_fingerprint.h"
#include "protocols/webrtc/srtp/srtp_keys.h"

namespace rtsedge::webrtc::test {

using Datagram = std::vector<uint8_t>;

struct ClientConfig {
  std::string srtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";  // empty: no use_srtp
  bool withCertificate = true;
  unsigned int initialTimeoutUs = 20000;  // OpenSSL fires a timer 15 ms early
  unsigned int maxTimeoutUs = 80000;
  long mtu = 1200;
};

class DtlsTestClient {
 public:
  explicit DtlsTestClient(const ClientConfig& config = {}) : config_(config) {
    context_ = SSL_CTX_new(DTLS_client_method());
    REQUIRE(context_ != nullptr);
    SSL_CTX_set_min_proto_version(context_, DTLS1_2_VERSION);
    SSL_CTX_set_options(context_, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
    if (config.withCertificate) {
      key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      REQUIRE(key_ != nullptr);
      certificate_ = selfSigned(key_);
      REQUIRE(SSL_CTX_use_certificate(context_, certificate_) == 1);
      REQUIRE(SSL_CTX_use_PrivateKey(context_, key_) == 1);
    }
    if (!config.srtpProfiles.empty()) {
      REQUIRE(SSL_CTX_set_tlsext_use_srtp(context_, config.srtpProfiles.c_str()) == 0);
    }
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    ssl_ = SSL_new(context_);
    REQUIRE(ssl_ != nullptr);
    BIO* bio = BIO_new(method());
    REQUIRE(bio != nullptr);
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_app_data(ssl_, this);
    REQUIRE(DTLS_set_link_mtu(ssl_, config.mtu) == 1);
    DTLS_set_timer_cb(ssl_, [](SSL* ssl, unsigned int previous) -> unsigned int {
      auto* self = static_cast<DtlsTestClient*>(SSL_get_app_data(ssl));
      return previous == 0 ? self->config_.initialTimeoutUs : std::min(2 * previous, self->config_.maxTimeoutUs);
    });
    SSL_set_connect_state(ssl_);
  }
  ~DtlsTestClient() {
    SSL_free(ssl_);
    SSL_CTX_free(context_);
    X509_free(certificate_);
    EVP_PKEY_free(key_);
  }
  DtlsTestClient(const DtlsTestClient&) = delete;
  DtlsTestClient& operator=(const DtlsTestClient&) = delete;

  // Runs the handshake on what arrived: true once it is complete.
  bool handshake() {
    if (failed_) {
      return false;
    }
    ERR_clear_error();
    int result = SSL_do_handshake(ssl_);
    if (result == 1) {
      return true;
    }
    int error = SSL_get_error(ssl_, result);
    if (error != SSL_ERROR_WANT_READ) {
      failed_ = true;
    }
    ERR_clear_error();
    return false;
  }
  bool done() const { return SSL_is_init_finished(ssl_) == 1; }
  bool failed() const { return failed_; }

  // After the handshake: reads what arrived; the last SSL_get_error (SSL_ERROR_ZERO_RETURN
  // after a close_notify), and the application data.
  int read(std::string* data = nullptr) {
    char buffer[2048];
    while (true) {
      size_t count = 0;
      ERR_clear_error();
      if (SSL_read_ex(ssl_, buffer, sizeof(buffer), &count) == 1) {
        if (data != nullptr) {
          data->append(buffer, count);
        }
        continue;
      }
      int error = SSL_get_error(ssl_, 0);
      ERR_clear_error();
      return error;
    }
  }
  void write(const std::string& data) {
    size_t written = 0;
    REQUIRE(SSL_write_ex(ssl_, data.data(), data.size(), &written) == 1);
  }
  void shutdown() { SSL_shutdown(ssl_); }

  void receive(Datagram datagram) { inbox_.push_back(std::move(datagram)); }
  std::vector<Datagram> takeDatagrams() { return std::exchange(outbox_, {}); }

  std::optional<std::chrono::microseconds> nextTimeout() {
    timeval left{};
    if (DTLSv1_get_timeout(ssl_, &left) != 1) {
      return std::nullopt;
    }
    return std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
  }
  void onTimeout() {
    if (DTLSv1_handle_timeout(ssl_) < 0) {
      failed_ = true;
    }
    ERR_clear_error();
  }

  DtlsFingerprint fingerprint(std::string_view algorithm = "sha-256") const {
    auto fingerprint = DtlsFingerprint::of(certificate_, algorithm);
    REQUIRE(fingerprint);
    return *fingerprint;
  }
  X509* peerCertificate() const { return SSL_get0_peer_certificate(ssl_); }
  std::optional<SrtpProfile> profile() const {
    const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
    return selected != nullptr ? srtpProfileFromId(static_cast<uint16_t>(selected->id)) : std::nullopt;
  }
  // The client's view of the keys, split as the DTLS client would.
  SrtpKeys srtpKeys() const {
    auto chosen = profile();
    REQUIRE(chosen);
    std::vector<uint8_t> material(keyingMaterialLength(*chosen));
    static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";
    REQUIRE(SSL_export_keying_material(ssl_, material.data(), material.size(), kLabel, sizeof(kLabel) - 1, nullptr, 0,
                                       0) == 1);
    auto keys = splitKeyingMaterial(*chosen, material, false);
    REQUIRE(keys);
    return *keys;
  }

 private:
  static X509* selfSigned(EVP_PKEY* key) {
    static long serial = 100;
    X509* x = X509_new();
    REQUIRE(x != nullptr);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("browser"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
  }

  static BIO_METHOD* method() {
    static BIO_METHOD* created = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "test datagrams");
      BIO_meth_set_read(m, [](BIO* bio, char* out, int length) -> int {
        auto* self = static_cast<DtlsTestClient*>(BIO_get_data(bio));
        BIO_clear_retry_flags(bio);
        if (self->inbox_.empty()) {
          BIO_set_retry_read(bio);
          return -1;
        }
        Datagram datagram = std::move(self->inbox_.front());
        self->inbox_.pop_front();
        size_t count = std::min(datagram.size(), static_cast<size_t>(length));
        std::memcpy(out, datagram.data(), count);
        return static_cast<int>(count);
      });
      BIO_meth_set_write(m, [](BIO* bio, const char* in, int length) -> int {
        auto* self = static_cast<DtlsTestClient*>(BIO_get_data(bio));
        BIO_clear_retry_flags(bio);
        self->outbox_.emplace_back(in, in + length);
        return length;
      });
      BIO_meth_set_ctrl(m, [](BIO*, int command, long, void*) -> long { return command == BIO_CTRL_FLUSH ? 1 : 0; });
      BIO_meth_set_create(m, [](BIO* bio) -> int {
        BIO_set_init(bio, 1);
        return 1;
      });
      return m;
    }();
    return created;
  }

  ClientConfig config_;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  EVP_PKEY* key_ = nullptr;
  X509* certificate_ = nullptr;
  std::deque<Datagram> inbox_;
  std::vector<Datagram> outbox_;
  bool failed_ = false;
};

}  // namespace rtsedge::webrtc::test
