#include "protocols/webrtc/dtls/dtls_fingerprint.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "relay/hex.h"
#include "relay/tls/tls_context.h"

namespace rtsedge::webrtc {

namespace {

struct HashName {
  std::string_view sdp;      // the RFC 8122 / IANA "Hash Function Textual Names" spelling
  std::string_view openssl;  // EVP_get_digestbyname
};

constexpr std::array<HashName, 5> kHashes = {{
    {"sha-1", "SHA1"},
    {"sha-224", "SHA224"},
    {"sha-256", "SHA256"},
    {"sha-384", "SHA384"},
    {"sha-512", "SHA512"},
}};

const HashName* findHash(std::string_view name) {
  for (const HashName& hash : kHashes) {
    if (hash.sdp.size() == name.size() && std::equal(name.begin(), name.end(), hash.sdp.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return &hash;
    }
  }
  return nullptr;
}

bool isBlank(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

Result<DtlsFingerprint> DtlsFingerprint::parse(std::string_view sdpValue) {
  while (!sdpValue.empty() && isBlank(sdpValue.front())) {
    sdpValue.remove_prefix(1);
  }
  while (!sdpValue.empty() && (isBlank(sdpValue.back()) || sdpValue.back() == '\r' || sdpValue.back() == '\n')) {
    sdpValue.remove_suffix(1);
  }
  size_t space = sdpValue.find_first_of(" \t");
  if (space == std::string_view::npos) {
    return Error("fingerprint \"" + std::string(sdpValue) + "\": no hash function and digest");
  }
  std::string_view name = sdpValue.substr(0, space);
  std::string_view hex = sdpValue.substr(space);
  while (!hex.empty() && isBlank(hex.front())) {
    hex.remove_prefix(1);
  }
  const HashName* hash = findHash(name);
  if (hash == nullptr) {
    return Error("fingerprint: unsupported hash function \"" + std::string(name) + "\"");
  }
  const EVP_MD* md = EVP_get_digestbyname(std::string(hash->openssl).c_str());
  if (md == nullptr) {
    return Error("fingerprint: hash " + std::string(hash->sdp) + " not available");
  }
  // Pairs of hex digits separated by single colons.
  std::vector<uint8_t> digest;
  for (size_t at = 0;; at += 3) {
    if (at + 2 > hex.size()) {
      return Error("fingerprint: truncated digest");
    }
    int high = hexDigitValue(hex[at]);
    int low = hexDigitValue(hex[at + 1]);
    if (high < 0 || low < 0) {
      return Error("fingerprint: \"" + std::string(hex.substr(at, 2)) + "\" is not a hex byte");
    }
    digest.push_back(static_cast<uint8_t>(high << 4 | low));
    if (at + 2 == hex.size()) {
      break;
    }
    if (hex[at + 2] != ':') {
      return Error("fingerprint: bytes must be separated by ':'");
    }
  }
  if (digest.size() != static_cast<size_t>(EVP_MD_get_size(md))) {
    return Error("fingerprint: a " + std::string(hash->sdp) + " digest has " + std::to_string(EVP_MD_get_size(md)) +
                 " bytes, not " + std::to_string(digest.size()));
  }
  return DtlsFingerprint(std::string(hash->sdp), std::move(digest));
}

Result<DtlsFingerprint> DtlsFingerprint::of(X509* certificate, std::string_view algorithm) {
  const HashName* hash = findHash(algorithm);
  if (hash == nullptr) {
    return Error("fingerprint: unsupported hash function \"" + std::string(algorithm) + "\"");
  }
  const EVP_MD* md = EVP_get_digestbyname(std::string(hash->openssl).c_str());
  if (md == nullptr || certificate == nullptr) {
    return Error("fingerprint: no " + std::string(md == nullptr ? "hash " + std::string(hash->sdp) : "certificate"));
  }
  std::vector<uint8_t> digest(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (X509_digest(certificate, md, digest.data(), &length) != 1) {
    return Error("fingerprint: " + tls::takeOpenSslError("digest failed"));
  }
  digest.resize(length);
  return DtlsFingerprint(std::string(hash->sdp), std::move(digest));
}

std::string DtlsFingerprint::hex() const {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  text.reserve(digest_.size() * 3);
  for (uint8_t byte : digest_) {
    if (!text.empty()) {
      text += ':';
    }
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0x0F];
  }
  return text;
}

std::string DtlsFingerprint::toString() const {
  return algorithm_ + " " + hex();
}

}  // namespace rtsedge::webrtc
