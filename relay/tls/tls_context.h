#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "relay/status.h"

namespace rtsedge::tls {

// The server side of TLS (HTTPS, RTMPS): an OpenSSL 3 SSL_CTX built from a PEM
// certificate chain and private key, TLS 1.2 and newer. reload() builds a new one
// from the same files (on SIGHUP): connections accepted later use it, those already
// open keep the one they started with; a reload that fails keeps the old one.
class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> load(const std::string& certificateFile, const std::string& keyFile);

  std::shared_ptr<SSL_CTX> current() const { return context_; }
  Status reload();
  const std::string& certificateFile() const { return certificateFile_; }

 private:
  TlsContext(std::string certificateFile, std::string keyFile)
      : certificateFile_(std::move(certificateFile)), keyFile_(std::move(keyFile)) {}
  static Result<std::shared_ptr<SSL_CTX>> build(const std::string& certificateFile, const std::string& keyFile);

  std::string certificateFile_;
  std::string keyFile_;
  std::shared_ptr<SSL_CTX> context_;
};

// What OpenSSL's error queue of this thread says (its reason strings), and empties the
// queue: a stale entry would make the next SSL_get_error on this thread report a failure.
// `fallback` when the queue is empty.
std::string takeOpenSslError(std::string_view fallback = "unknown error");

}  // namespace rtsedge::tls
