#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/status.h"

namespace rtsedge::uv {

// The server side of one TLS connection as a state machine over memory: ciphertext
// in, plaintext out and the other way round, no socket and no loop (TcpConnection
// moves the bytes). The SSL reads and writes through one BIO over memory: during
// feed() it reads the received ciphertext straight from the caller's buffer, and
// whatever it writes (handshake records, alerts, encrypted data, close_notify) is
// appended to output(). Nothing else is held here: with SSL_MODE_RELEASE_BUFFERS an
// idle stream costs the SSL object alone.
class TlsStream {
 public:
  // Takes one chunk of plaintext; false stops the feed (the connection closed).
  using Deliver = std::function<bool(std::span<const uint8_t>)>;

  explicit TlsStream(SSL_CTX* context);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Runs received ciphertext through the SSL: drives the handshake and hands what it
  // decrypts to `deliver`, chunk by chunk, in `scratch` (reused). All of `ciphertext`
  // is consumed; a record it ends inside of waits in the SSL for the rest. An Error is
  // a TLS failure (a bad record, a failed handshake, a peer not speaking TLS): the
  // stream is dead, and the alert for the peer, if any, is in output().
  Status feed(std::span<const uint8_t> ciphertext, std::span<uint8_t> scratch, const Deliver& deliver);
  // Encrypts into output(). False: the handshake is not done; nothing was taken, so
  // offer the same bytes again after the next feed().
  Result<bool> encrypt(std::span<const uint8_t> plaintext);
  // Room in output() for `bytes` more plaintext in `pieces` encrypt() calls, so a batch
  // costs one allocation.
  void reserve(size_t bytes, size_t pieces);
  // Queues close_notify, once, after a completed handshake that did not fail.
  void shutdown();

  bool handshakeDone() const;
  bool failed() const { return failed_; }
  // The peer sent close_notify: it sends nothing more.
  bool peerClosed() const { return peerClosed_; }
  // The protocol ALPN settled on ("http/1.1"), empty if none.
  std::string_view alpn() const;

  // Ciphertext to send, in order.
  bool hasOutput() const { return !output_.empty(); }
  std::span<const uint8_t> output() const { return output_; }
  // Hands the pending ciphertext over (to a write); output() is empty afterwards.
  std::vector<uint8_t> takeOutput() { return std::exchange(output_, {}); }

 private:
  static int bioRead(BIO* bio, char* out, int length);
  static int bioWrite(BIO* bio, const char* in, int length);
  static long bioControl(BIO* bio, int command, long number, void* pointer);
  static int bioCreate(BIO* bio);
  static BIO* newBio(TlsStream* owner);
  Status readAll(std::span<uint8_t> scratch, const Deliver& deliver);
  Error failure(std::string_view fallback);

  SSL* ssl_ = nullptr;
  std::span<const uint8_t> input_;  // during feed()
  std::vector<uint8_t> output_;
  bool failed_ = false;
  bool peerClosed_ = false;
  bool shutdownSent_ = false;
};

}  // namespace rtsedge::uv
