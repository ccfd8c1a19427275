#include "relay/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>

namespace rtsedge::tls {

namespace {

constexpr std::string_view kHttp11 = "http/1.1";

// ALPN: a browser offers h2 and http/1.1; the server speaks http/1.1. A client that
// offers neither (an RTMPS encoder offers nothing) negotiates no protocol.
int selectAlpn(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
               unsigned int inLength, void*) {
  for (unsigned int at = 0; at < inLength;) {
    unsigned int length = in[at];
    if (at + 1 + length > inLength) {
      break;  // malformed list
    }
    if (std::string_view(reinterpret_cast<const char*>(in + at + 1), length) == kHttp11) {
      *out = in + at + 1;
      *outLength = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    at += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

std::string takeOpenSslError(std::string_view fallback) {
  // The earliest entry is the cause ("No such file or directory", "key values mismatch"),
  // with its detail ("calling fopen(...)"); the later ones are the layers it went up through.
  std::string message;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    if (!message.empty()) {
      continue;
    }
    if (ERR_SYSTEM_ERROR(code)) {
      message = std::strerror(ERR_GET_REASON(code));
    } else if (const char* reason = ERR_reason_error_string(code)) {
      message = reason;
    } else {
      char text[256];
      ERR_error_string_n(code, text, sizeof(text));
      message = text;
    }
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      message += std::string(" (") + data + ")";
    }
  }
  return message.empty() ? std::string(fallback) : message;
}

Result<std::shared_ptr<SSL_CTX>> TlsContext::build(const std::string& certificateFile, const std::string& keyFile) {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!context) {
    return Error("cannot create a context: " + takeOpenSslError());
  }
  SSL_CTX* raw = context.get();
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_options(raw, SSL_OP_NO_RENEGOTIATION);
  // Idle connections give their 16 KB record buffers back; the loop's buffer does the reading.
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(raw, certificateFile.c_str()) != 1) {
    return Error("certificate " + certificateFile + ": " + takeOpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(raw, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error("private key " + keyFile + ": " + takeOpenSslError());
  }
  if (SSL_CTX_check_private_key(raw) != 1) {
    return Error("private key " + keyFile + " does not match certificate " + certificateFile + ": " +
                 takeOpenSslError());
  }
  SSL_CTX_set_alpn_select_cb(raw, &selectAlpn, nullptr);
  return context;
}

Result<std::shared_ptr<TlsContext>> TlsContext::load(const std::string& certificateFile, const std::string& keyFile) {
  auto context = build(certificateFile, keyFile);
  if (!context) {
    return context.error();
  }
  std::shared_ptr<TlsContext> self(new TlsContext(certificateFile, keyFile));
  self->context_ = std::move(*context);
  return self;
}

Status TlsContext::reload() {
  auto context = build(certificateFile_, keyFile_);
  if (!context) {
    return context.error();
  }
  context_ = std::move(*context);
  return Status::ok();
}

}  // namespace rtsedge::tls
