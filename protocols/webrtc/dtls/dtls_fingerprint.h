#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/status.h"

namespace rtsedge::webrtc {

// A certificate fingerprint as SDP carries it (RFC 8122 a=fingerprint): a hash function
// name and the digest of the DER certificate, written "sha-256 AB:CD:...". The hash is
// one of sha-1, sha-224, sha-256, sha-384, sha-512 (never md5 or md2).
class DtlsFingerprint {
 public:
  // Parses the attribute's value. The hash name and the hex digits may be in either case
  // (browsers write upper case); the digest must have the hash's length.
  static Result<DtlsFingerprint> parse(std::string_view sdpValue);
  // The fingerprint of `certificate` with the named hash ("sha-256").
  static Result<DtlsFingerprint> of(X509* certificate, std::string_view algorithm = "sha-256");

  // The hash's name, lower case: "sha-256".
  const std::string& algorithm() const { return algorithm_; }
  std::span<const uint8_t> digest() const { return digest_; }
  // "sha-256 AB:CD:...", upper-case hex with colons, as browsers write it.
  std::string toString() const;
  // Just "AB:CD:...".
  std::string hex() const;

  bool operator==(const DtlsFingerprint& other) const = default;

 private:
  DtlsFingerprint(std::string algorithm, std::vector<uint8_t> digest)
      : algorithm_(std::move(algorithm)), digest_(std::move(digest)) {}

  std::string algorithm_;
  std::vector<uint8_t> digest_;
};

}  // namespace rtsedge::webrtc
