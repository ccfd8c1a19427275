#include "relay/uv/tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>

#include "relay/tls/tls_context.h"

namespace rtsedge::uv {

namespace {
// The most a record adds to its plaintext (header, explicit IV, MAC or tag, padding).
constexpr size_t kRecordOverhead = 96;
constexpr size_t kMaxRecordPlaintext = 16384;
}  // namespace

TlsStream::TlsStream(SSL_CTX* context) {
  ERR_clear_error();
  ssl_ = SSL_new(context);
  BIO* bio = ssl_ != nullptr ? newBio(this) : nullptr;
  if (bio == nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
    ERR_clear_error();
    failed_ = true;  // out of memory: the first feed() reports it
    return;
  }
  SSL_set_bio(ssl_, bio, bio);  // the SSL owns it, for both directions
  SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() {
  SSL_free(ssl_);
}

Error TlsStream::failure(std::string_view fallback) {
  failed_ = true;
  return Error(tls::takeOpenSslError(fallback));
}

Status TlsStream::feed(std::span<const uint8_t> ciphertext, std::span<uint8_t> scratch, const Deliver& deliver) {
  if (failed_) {
    return Error(ssl_ == nullptr ? "cannot create a session" : "connection failed before");
  }
  input_ = ciphertext;
  Status status = readAll(scratch, deliver);
  input_ = {};  // what a stopped feed left is dropped: the connection is gone
  return status;
}

Status TlsStream::readAll(std::span<uint8_t> scratch, const Deliver& deliver) {
  while (true) {
    size_t before = input_.size();
    size_t read = 0;
    ERR_clear_error();  // SSL_get_error reads the queue: nothing stale may be in it
    if (SSL_read_ex(ssl_, scratch.data(), scratch.size(), &read) == 1) {
      if (!deliver(scratch.first(read))) {
        return Status::ok();
      }
      continue;
    }
    switch (SSL_get_error(ssl_, 0)) {
      case SSL_ERROR_WANT_READ:
        // It takes everything it is given; should it stop short without reading, the
        // rest would be lost rather than spin.
        if (input_.empty() || input_.size() == before) {
          return Status::ok();
        }
        continue;
      case SSL_ERROR_ZERO_RETURN: peerClosed_ = true; return Status::ok();
      default: return failure("connection failed");
    }
  }
}

Result<bool> TlsStream::encrypt(std::span<const uint8_t> plaintext) {
  if (failed_) {
    return Error("connection failed before");
  }
  if (plaintext.empty()) {
    return true;
  }
  size_t written = 0;
  ERR_clear_error();
  if (SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &written) == 1) {
    return true;  // all of it: partial writes are off, and output() takes everything
  }
  if (SSL_get_error(ssl_, 0) == SSL_ERROR_WANT_READ) {
    return false;  // still in the handshake, waiting for the client
  }
  return failure("write failed");
}

void TlsStream::reserve(size_t bytes, size_t pieces) {
  size_t records = bytes / kMaxRecordPlaintext + pieces;
  output_.reserve(output_.size() + bytes + records * kRecordOverhead);
}

void TlsStream::shutdown() {
  if (failed_ || shutdownSent_ || !SSL_is_init_finished(ssl_)) {
    return;
  }
  shutdownSent_ = true;
  ERR_clear_error();
  if (SSL_shutdown(ssl_) < 0) {
    ERR_clear_error();
  }
}

bool TlsStream::handshakeDone() const {
  return ssl_ != nullptr && SSL_is_init_finished(ssl_);
}

std::string_view TlsStream::alpn() const {
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  if (ssl_ != nullptr) {
    SSL_get0_alpn_selected(ssl_, &protocol, &length);
  }
  return protocol == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(protocol), length);
}

int TlsStream::bioRead(BIO* bio, char* out, int length) {
  auto* self = static_cast<TlsStream*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (self->input_.empty() || length <= 0) {
    BIO_set_retry_read(bio);  // not the end of the stream: more may come
    return -1;
  }
  size_t count = std::min(self->input_.size(), static_cast<size_t>(length));
  std::memcpy(out, self->input_.data(), count);
  self->input_ = self->input_.subspan(count);
  return static_cast<int>(count);
}

int TlsStream::bioWrite(BIO* bio, const char* in, int length) {
  auto* self = static_cast<TlsStream*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (length <= 0) {
    return 0;
  }
  self->output_.insert(self->output_.end(), in, in + length);
  return length;
}

long TlsStream::bioControl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH: return 1;  // output() is the socket's queue; TcpConnection sends it
    case BIO_CTRL_PENDING: return static_cast<long>(static_cast<TlsStream*>(BIO_get_data(bio))->input_.size());
    case BIO_CTRL_WPENDING: return 0;
    default: return 0;
  }
}

int TlsStream::bioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO* TlsStream::newBio(TlsStream* owner) {
  // Built once per process and kept: every stream's BIO refers to it.
  static BIO_METHOD* method = [] {
    BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtsedge memory");
    BIO_meth_set_read(created, &TlsStream::bioRead);
    BIO_meth_set_write(created, &TlsStream::bioWrite);
    BIO_meth_set_ctrl(created, &TlsStream::bioControl);
    BIO_meth_set_create(created, &TlsStream::bioCreate);
    return created;
  }();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (bio != nullptr) {
    BIO_set_data(bio, owner);
  }
  return bio;
}

}  // namespace rtsedge::uv
