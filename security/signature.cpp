#include "security/signature.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <limits>
#include <optional>

#include "relay/hex.h"
#include "relay/query.h"

namespace rtsedge::security {

namespace {

constexpr size_t kDigestSize = 32;  // SHA-256
using Digest = std::array<uint8_t, kDigestSize>;

Digest hmacSha256(std::string_view secret, std::string_view action, std::string_view key, int64_t expires) {
  const std::string message = fmt::format("{}:{}:{}", action, key, expires);
  // An empty secret's data() may be null, which HMAC() would read as "no key".
  static const uint8_t kEmptyKey = 0;
  const void* keyData = secret.empty() ? &kEmptyKey : static_cast<const void*>(secret.data());
  Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), keyData, static_cast<int>(secret.size()), reinterpret_cast<const uint8_t*>(message.data()),
       message.size(), digest.data(), &length);
  return digest;
}

// 64 hex digits, either case, to the 32 bytes they spell.
std::optional<Digest> parseHex(std::string_view text) {
  if (text.size() != 2 * kDigestSize) {
    return std::nullopt;
  }
  Digest digest{};
  for (size_t i = 0; i < kDigestSize; ++i) {
    int high = hexDigitValue(text[2 * i]);
    int low = hexDigitValue(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    digest[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return digest;
}

// Decimal digits only (no sign), within int64.
std::optional<int64_t> parseUnixTime(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

struct Param {
  std::string_view value;
  int count = 0;
};

SignatureCheck verdict(SignatureVerdict kind, std::string detail) {
  return SignatureCheck{kind, std::move(detail)};
}

}  // namespace

std::string signature(std::string_view secret, std::string_view action, std::string_view key, int64_t expires) {
  const Digest digest = hmacSha256(secret, action, key, expires);
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * kDigestSize);
  for (uint8_t byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0x0f];
  }
  return hex;
}

std::string signedQuery(std::string_view secret, std::string_view action, std::string_view key, int64_t expires,
                        std::string_view expiresParam, std::string_view signParam) {
  return fmt::format("{}={}&{}={}", expiresParam, expires, signParam, signature(secret, action, key, expires));
}

std::string_view signatureVerdictName(SignatureVerdict verdict) {
  switch (verdict) {
    case SignatureVerdict::kValid: return "valid";
    case SignatureVerdict::kMissing: return "missing";
    case SignatureVerdict::kMalformed: return "malformed";
    case SignatureVerdict::kExpired: return "expired";
    case SignatureVerdict::kWrong: return "wrong";
  }
  return "unknown";
}

SignatureCheck checkSignature(std::span<const std::string> secrets, std::string_view action, std::string_view key,
                              std::string_view query, int64_t now, int64_t skewSeconds, std::string_view expiresParam,
                              std::string_view signParam) {
  Param expiresValue;
  Param signValue;
  forEachQueryParam(query, [&](std::string_view name, std::string_view value) {
    Param* param = name == expiresParam ? &expiresValue : name == signParam ? &signValue : nullptr;
    if (param != nullptr) {
      param->value = value;
      ++param->count;
    }
  });
  for (const auto& [name, param] : {std::pair{expiresParam, expiresValue}, std::pair{signParam, signValue}}) {
    if (param.count > 1) {
      return verdict(SignatureVerdict::kMalformed, fmt::format("{} given {} times", name, param.count));
    }
  }
  if (signValue.count == 0) {
    return verdict(SignatureVerdict::kMissing, fmt::format("no {} parameter", signParam));
  }
  if (expiresValue.count == 0) {
    return verdict(SignatureVerdict::kMissing, fmt::format("no {} parameter", expiresParam));
  }
  const std::optional<int64_t> expires = parseUnixTime(expiresValue.value);
  if (!expires) {
    return verdict(SignatureVerdict::kMalformed, fmt::format("{} is not a Unix time in seconds", expiresParam));
  }
  const std::optional<Digest> given = parseHex(signValue.value);
  if (!given) {
    return verdict(SignatureVerdict::kMalformed, fmt::format("{} is not 64 hex digits", signParam));
  }
  if (secrets.empty()) {
    return verdict(SignatureVerdict::kWrong, "no secret configured");
  }
  // Valid through expires + skew; written so that neither side can overflow.
  const int64_t skew = std::max<int64_t>(skewSeconds, 0);
  if (now > *expires && now - *expires > skew) {
    return verdict(SignatureVerdict::kExpired, fmt::format("expired {} s ago (skew {} s)", now - *expires, skew));
  }
  // Every secret is tried (no early exit): the time taken says nothing about which one matched.
  size_t matched = 0;
  for (size_t i = 0; i < secrets.size(); ++i) {
    const Digest expected = hmacSha256(secrets[i], action, key, *expires);
    if (CRYPTO_memcmp(expected.data(), given->data(), kDigestSize) == 0 && matched == 0) {
      matched = i + 1;
    }
  }
  if (matched == 0) {
    return verdict(SignatureVerdict::kWrong, fmt::format("{} matches none of {} secret{}", signParam, secrets.size(),
                                                         secrets.size() == 1 ? "" : "s"));
  }
  return verdict(SignatureVerdict::kValid, fmt::format("secret {} of {}", matched, secrets.size()));
}

}  // namespace rtsedge::security
