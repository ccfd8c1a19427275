#include "protocols/webrtc/dtls/dtls_session.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "relay/tls/tls_context.h"

namespace rtsedge::webrtc {

namespace {

constexpr size_t kMinMtu = 256;  // OpenSSL's smallest DTLS MTU
constexpr size_t kMaxMtu = 65507;
constexpr size_t kRecordHeaderSize = 13;
// OpenSSL counts a timer with less than 15 ms left as expired; a shorter one would fire at once.
constexpr std::chrono::milliseconds kMinRetransmit{20};
constexpr std::chrono::milliseconds kMaxRetransmit{60000};
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

}  // namespace

bool DtlsSession::looksLikeDtls(std::span<const uint8_t> datagram) {
  return datagram.size() >= kRecordHeaderSize && datagram[0] >= 20 && datagram[0] <= 63;
}

Result<std::unique_ptr<DtlsSession>> DtlsSession::create(const DtlsCertificate& certificate,
                                                         DtlsFingerprint expectedPeer, const DtlsOptions& options) {
  if (certificate.role() != DtlsRole::kServer) {
    return Error("DTLS: a server session needs a server certificate context");
  }
  return make(certificate, std::move(expectedPeer), options, false);
}

Result<std::unique_ptr<DtlsSession>> DtlsSession::createClient(const DtlsCertificate& certificate,
                                                               DtlsFingerprint expectedPeer,
                                                               const DtlsOptions& options) {
  if (certificate.role() != DtlsRole::kClient) {
    return Error("DTLS: a client session needs a client certificate context");
  }
  auto session = make(certificate, std::move(expectedPeer), options, true);
  if (!session) {
    return session;
  }
  // The first flight: the ClientHello goes into the outgoing datagrams.
  if (auto started = (*session)->advanceHandshake(); !started) {
    return started.error();
  }
  return session;
}

Result<std::unique_ptr<DtlsSession>> DtlsSession::make(const DtlsCertificate& certificate, DtlsFingerprint expectedPeer,
                                                       const DtlsOptions& options, bool client) {
  if (options.mtu < kMinMtu || options.mtu > kMaxMtu) {
    return Error("DTLS: MTU " + std::to_string(options.mtu) + " not in " + std::to_string(kMinMtu) + ".." +
                 std::to_string(kMaxMtu));
  }
  if (options.initialRetransmit < kMinRetransmit || options.maxRetransmit < options.initialRetransmit ||
      options.maxRetransmit > kMaxRetransmit) {
    return Error("DTLS: retransmission timeouts must be 20 ms <= initial <= max <= 60 s");
  }
  std::unique_ptr<DtlsSession> self(new DtlsSession(std::move(expectedPeer), options, client));
  ERR_clear_error();
  self->ssl_ = SSL_new(certificate.context().get());  // holds a reference to the context
  BIO* bio = self->ssl_ != nullptr ? newBio(self.get()) : nullptr;
  if (bio == nullptr) {
    return Error("DTLS: cannot create a session: " + tls::takeOpenSslError("out of memory"));
  }
  SSL_set_bio(self->ssl_, bio, bio);  // the SSL owns it, for both directions
  SSL_set_app_data(self->ssl_, self.get());
  SSL_set_options(self->ssl_, SSL_OP_NO_QUERY_MTU);
  if (DTLS_set_link_mtu(self->ssl_, static_cast<long>(options.mtu)) != 1) {
    return Error("DTLS: MTU refused: " + tls::takeOpenSslError("too small"));
  }
  DTLS_set_timer_cb(self->ssl_, &DtlsSession::nextRetransmit);
  if (client) {
    SSL_set_connect_state(self->ssl_);
  } else {
    SSL_set_accept_state(self->ssl_);
  }
  return self;
}

DtlsSession::~DtlsSession() {
  SSL_free(ssl_);
}

Error DtlsSession::failure(std::string_view fallback) {
  failed_ = true;
  return Error("DTLS: " + tls::takeOpenSslError(fallback));
}

Result<DtlsEvent> DtlsSession::feed(std::span<const uint8_t> datagram) {
  if (failed_) {
    return Error("DTLS: association failed before");
  }
  if (!looksLikeDtls(datagram)) {
    return DtlsEvent::kRejected;
  }
  if (peerClosed_) {
    return DtlsEvent::kNone;  // it said it sends nothing more: whatever comes is stray
  }
  input_ = datagram;
  Result<DtlsEvent> result = connected_ ? readRecords() : advanceHandshake();
  input_ = {};  // what the SSL did not read of it (a truncated record) is dropped
  return result;
}

Result<DtlsEvent> DtlsSession::advanceHandshake() {
  ERR_clear_error();  // SSL_get_error reads the queue: nothing stale may be in it
  int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    if (Status done = finishHandshake(); !done) {
      return done.error();
    }
    return DtlsEvent::kConnected;
  }
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: return DtlsEvent::kNone;
    case SSL_ERROR_ZERO_RETURN: return failure("peer closed during the handshake");
    default: return failure("handshake failed");
  }
}

Result<DtlsEvent> DtlsSession::readRecords() {
  // Application data (an SCTP data channel) is not ours: read and dropped. SSL_read also
  // answers a retransmitted client Finished with our last flight again.
  std::array<uint8_t, 2048> scratch;
  while (true) {
    size_t read = 0;
    ERR_clear_error();
    if (SSL_read_ex(ssl_, scratch.data(), scratch.size(), &read) == 1) {
      continue;
    }
    switch (SSL_get_error(ssl_, 0)) {
      case SSL_ERROR_WANT_READ: return DtlsEvent::kNone;
      case SSL_ERROR_ZERO_RETURN: peerClosed_ = true; return DtlsEvent::kClosed;
      default: return failure("read failed");
    }
  }
}

Status DtlsSession::finishHandshake() {
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
  std::optional<SrtpProfile> profile =
      selected != nullptr ? srtpProfileFromId(static_cast<uint16_t>(selected->id)) : std::nullopt;
  if (!profile) {
    failed_ = true;
    return Error("DTLS: no SRTP profile in common with the peer");
  }
  X509* peer = SSL_get0_peer_certificate(ssl_);
  if (peer == nullptr) {
    failed_ = true;  // SSL_VERIFY_FAIL_IF_NO_PEER_CERT makes this unreachable
    return Error("DTLS: the peer sent no certificate");
  }
  auto actual = DtlsFingerprint::of(peer, expectedPeer_.algorithm());
  if (!actual) {
    failed_ = true;
    return actual.error().wrap("DTLS");
  }
  if (!(*actual == expectedPeer_)) {
    failed_ = true;
    return Error("DTLS: the peer's certificate is " + actual->toString() + ", its SDP announced " +
                 expectedPeer_.toString());
  }
  std::vector<uint8_t> material(keyingMaterialLength(*profile));
  ERR_clear_error();
  if (SSL_export_keying_material(ssl_, material.data(), material.size(), kExporterLabel, sizeof(kExporterLabel) - 1,
                                 nullptr, 0, 0) != 1) {
    return failure("cannot export SRTP keying material");
  }
  auto keys = splitKeyingMaterial(*profile, material, !client_);
  OPENSSL_cleanse(material.data(), material.size());
  if (!keys) {
    failed_ = true;
    return keys.error().wrap("DTLS");
  }
  srtpKeys_ = std::move(*keys);
  connected_ = true;
  return Status::ok();
}

std::optional<std::chrono::microseconds> DtlsSession::nextTimeout() const {
  timeval left{};
  if (ssl_ == nullptr || failed_ || DTLSv1_get_timeout(ssl_, &left) != 1) {
    return std::nullopt;
  }
  return std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
}

Status DtlsSession::onTimeout() {
  if (failed_) {
    return Error("DTLS: association failed before");
  }
  ERR_clear_error();
  if (DTLSv1_handle_timeout(ssl_) < 0) {
    return failure("handshake timed out");
  }
  return Status::ok();
}

void DtlsSession::shutdown() {
  if (failed_ || shutdownSent_ || !connected_) {
    return;
  }
  shutdownSent_ = true;
  ERR_clear_error();
  if (SSL_shutdown(ssl_) < 0) {
    ERR_clear_error();
  }
}

unsigned int DtlsSession::nextRetransmit(SSL* ssl, unsigned int previousUs) {
  const auto* self = static_cast<const DtlsSession*>(SSL_get_app_data(ssl));
  auto initial = std::chrono::duration_cast<std::chrono::microseconds>(self->options_.initialRetransmit).count();
  auto most = std::chrono::duration_cast<std::chrono::microseconds>(self->options_.maxRetransmit).count();
  if (previousUs == 0) {
    return static_cast<unsigned int>(initial);  // the timer starts for a new flight
  }
  return static_cast<unsigned int>(std::min<long long>(2LL * previousUs, most));
}

int DtlsSession::bioRead(BIO* bio, char* out, int length) {
  auto* self = static_cast<DtlsSession*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (self->input_.empty() || length <= 0) {
    BIO_set_retry_read(bio);  // no datagram now; more may come
    return -1;
  }
  // A datagram is read whole or not at all: a longer one is cut, like recv() would.
  size_t count = std::min(self->input_.size(), static_cast<size_t>(length));
  std::memcpy(out, self->input_.data(), count);
  self->input_ = {};
  return static_cast<int>(count);
}

int DtlsSession::bioWrite(BIO* bio, const char* in, int length) {
  auto* self = static_cast<DtlsSession*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (length <= 0) {
    return 0;
  }
  // OpenSSL hands over whole records, as many as fit its MTU at a time; but it writes a
  // retransmitted flight message by message. Records that fit go into the datagram not
  // yet taken (RFC 6347 4.1.1 allows several per datagram): one packet, not five.
  const auto* bytes = reinterpret_cast<const uint8_t*>(in);
  auto size = static_cast<size_t>(length);
  if (!self->outgoing_.empty() && self->outgoing_.back().size() + size <= self->options_.mtu) {
    self->outgoing_.back().insert(self->outgoing_.back().end(), bytes, bytes + size);
  } else {
    self->outgoing_.emplace_back(bytes, bytes + size);
  }
  return length;
}

long DtlsSession::bioControl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH: return 1;  // each write is a datagram already
    case BIO_CTRL_PENDING: return static_cast<long>(static_cast<DtlsSession*>(BIO_get_data(bio))->input_.size());
    case BIO_CTRL_WPENDING: return 0;
    case BIO_CTRL_DGRAM_QUERY_MTU: return 0;         // none: the MTU is set
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return 0;  // the MTU counts UDP payload
    default: return 0;
  }
}

int DtlsSession::bioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO* DtlsSession::newBio(DtlsSession* owner) {
  // Built once per process and kept: every session's BIO refers to it.
  static BIO_METHOD* method = [] {
    BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtsedge datagram");
    BIO_meth_set_read(created, &DtlsSession::bioRead);
    BIO_meth_set_write(created, &DtlsSession::bioWrite);
    BIO_meth_set_ctrl(created, &DtlsSession::bioControl);
    BIO_meth_set_create(created, &DtlsSession::bioCreate);
    return created;
  }();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (bio != nullptr) {
    BIO_set_data(bio, owner);
  }
  return bio;
}

}  // namespace rtsedge::webrtc
