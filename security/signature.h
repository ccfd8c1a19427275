#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "relay/status.h"

namespace rtsedge::security {

// Signed URLs, the usual CDN scheme: a request carries `expires=UNIX&sign=HEX` where
// sign = lowercase hex of HMAC-SHA256(secret, "{action}:{app}/{name}:{expires}").
// The action ("publish" or "play") and the key are inside the signature, so a play
// link cannot publish and a link for one stream opens no other.

// The 64 hex digits of HMAC-SHA256(secret, "{action}:{key}:{expires}").
std::string signature(std::string_view secret, std::string_view action, std::string_view key, int64_t expires);

// "expires=1767225600&sign=ab12...": the query an operator appends (`rtsedge sign`).
std::string signedQuery(std::string_view secret, std::string_view action, std::string_view key, int64_t expires,
                        std::string_view expiresParam = "expires", std::string_view signParam = "sign");

enum class SignatureVerdict : uint8_t {
  kValid,
  kMissing,   // no sign parameter (or no expires): the request is unsigned
  kMalformed, // expires not a decimal number, sign not 64 hex digits
  kExpired,   // expires + skew is in the past
  kWrong,     // matches none of the secrets
};

std::string_view signatureVerdictName(SignatureVerdict verdict);  // "valid", "missing", "malformed", ...

struct SignatureCheck {
  SignatureVerdict verdict = SignatureVerdict::kMissing;
  std::string detail;  // for logs: "expired 42 s ago", "sign is not 64 hex digits", ...
};

// Checks the query's expires/sign parameters (names as given) against every secret
// (rotation: the old and the new secret are both valid while clients move over).
// `now` is the Unix time; a link is valid until expires + skewSeconds. The comparison
// is constant-time. The query is the raw query string without '?', parameters in any
// order, other parameters ignored; a parameter given twice is malformed.
SignatureCheck checkSignature(std::span<const std::string> secrets, std::string_view action, std::string_view key,
                              std::string_view query, int64_t now, int64_t skewSeconds,
                              std::string_view expiresParam = "expires", std::string_view signParam = "sign");

}  // namespace rtsedge::security
