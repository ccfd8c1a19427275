#include "security/signature.h"

#include <doctest/doctest.h>

#include <cctype>
#include <string>
#include <vector>

namespace rtsedge::security {
namespace {

constexpr int64_t kExpires = 1767225600;  // 2026-01-01 00:00:00 UTC
constexpr int64_t kSkew = 30;
const std::vector<std::string> kSecrets{"secret"};

// printf '%s' 'play:live/cam:1767225600' | openssl dgst -sha256 -hmac secret
constexpr std::string_view kPlaySign = "06fdca6fbacd700355e3303924a5bf5b69f0368e54a171506d982aea60542751";

std::string query(std::string_view sign, int64_t expires = kExpires) {
  return "expires=" + std::to_string(expires) + "&sign=" + std::string(sign);
}

SignatureCheck check(const std::string& query, int64_t now = kExpires - 60,
                     const std::vector<std::string>& secrets = kSecrets, std::string_view action = "play",
                     std::string_view key = "live/cam") {
  return checkSignature(secrets, action, key, query, now, kSkew);
}

TEST_CASE("signatures: HMAC-SHA256 of action:key:expires, lowercase hex") {
  CHECK(signature("secret", "play", "live/cam", kExpires) == kPlaySign);
  // python3 -c "import hmac,hashlib; print(hmac.new(b'', b'play:live/cam:1767225600', hashlib.sha256).hexdigest())"
  CHECK(signature("", "play", "live/cam", kExpires) ==
        "b22ee5e7c512d502455df77085aba3f77743a599394a1ba1cc73c5b0f62bbfb1");
  CHECK(signedQuery("secret", "play", "live/cam", kExpires) == query(kPlaySign));
  CHECK(signedQuery("secret", "play", "live/cam", kExpires, "rtsedge_expires", "rtsedge_sign") ==
        "rtsedge_expires=1767225600&rtsedge_sign=" + std::string(kPlaySign));
}

TEST_CASE("signatures: a valid link is valid through expires + skew") {
  auto valid = check(query(kPlaySign));
  CHECK(valid.verdict == SignatureVerdict::kValid);
  CHECK(valid.detail == "secret 1 of 1");
  std::string upper(kPlaySign);
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  CHECK(check(query(upper)).verdict == SignatureVerdict::kValid);
  CHECK(check(query(kPlaySign), kExpires).verdict == SignatureVerdict::kValid);
  CHECK(check(query(kPlaySign), kExpires + kSkew).verdict == SignatureVerdict::kValid);
  auto expired = check(query(kPlaySign), kExpires + kSkew + 1);
  CHECK(expired.verdict == SignatureVerdict::kExpired);
  CHECK(expired.detail == "expired 31 s ago (skew 30 s)");
  // Expiry is decided before the signature: an expired link with a bad sign is expired.
  CHECK(check(query(std::string(64, '0')), kExpires + 3600).verdict == SignatureVerdict::kExpired);
  // No overflow at the far end of time.
  CHECK(checkSignature(kSecrets, "play", "live/cam", query(kPlaySign), INT64_MAX, INT64_MAX).verdict ==
        SignatureVerdict::kValid);
  auto far = signedQuery("secret", "play", "live/cam", INT64_MAX);
  CHECK(checkSignature(kSecrets, "play", "live/cam", far, kExpires, INT64_MAX).verdict == SignatureVerdict::kValid);
}

TEST_CASE("signatures: a wrong secret, action, key or expires is wrong") {
  auto wrong = check(query(kPlaySign), kExpires, {"other"});
  CHECK(wrong.verdict == SignatureVerdict::kWrong);
  CHECK(wrong.detail == "sign matches none of 1 secret");
  CHECK(check(query(kPlaySign), kExpires, kSecrets, "publish").verdict == SignatureVerdict::kWrong);
  CHECK(check(query(kPlaySign), kExpires, kSecrets, "play", "live/cam2").verdict == SignatureVerdict::kWrong);
  CHECK(check(query(kPlaySign), kExpires, kSecrets, "play", "live2/cam").verdict == SignatureVerdict::kWrong);
  CHECK(check(query(kPlaySign, kExpires + 1), kExpires).verdict == SignatureVerdict::kWrong);
  std::string flipped(kPlaySign);
  flipped.back() = '0';
  CHECK(check(query(flipped)).verdict == SignatureVerdict::kWrong);
  auto none = check(query(kPlaySign), kExpires, {});
  CHECK(none.verdict == SignatureVerdict::kWrong);
  CHECK(none.detail == "no secret configured");
}

TEST_CASE("signatures: while secrets rotate, the old and the new one are both valid") {
  const std::vector<std::string> rotating{"old", "new"};
  auto old = check(signedQuery("old", "play", "live/cam", kExpires), kExpires, rotating);
  CHECK(old.verdict == SignatureVerdict::kValid);
  CHECK(old.detail == "secret 1 of 2");
  auto current = check(signedQuery("new", "play", "live/cam", kExpires), kExpires, rotating);
  CHECK(current.verdict == SignatureVerdict::kValid);
  CHECK(current.detail == "secret 2 of 2");
  auto third = check(signedQuery("third", "play", "live/cam", kExpires), kExpires, rotating);
  CHECK(third.verdict == SignatureVerdict::kWrong);
  CHECK(third.detail == "sign matches none of 2 secrets");
}

TEST_CASE("signatures: without sign or expires the request is unsigned") {
  auto noSign = check("expires=1767225600");
  CHECK(noSign.verdict == SignatureVerdict::kMissing);
  CHECK(noSign.detail == "no sign parameter");
  auto noExpires = check("sign=" + std::string(kPlaySign));
  CHECK(noExpires.verdict == SignatureVerdict::kMissing);
  CHECK(noExpires.detail == "no expires parameter");
  CHECK(check("").verdict == SignatureVerdict::kMissing);
  CHECK(check("token=abc&x=1").verdict == SignatureVerdict::kMissing);
  // Names match whole: "signature" and "expires_at" are other parameters.
  CHECK(check("expires_at=1767225600&signature=" + std::string(kPlaySign)).verdict == SignatureVerdict::kMissing);
}

TEST_CASE("signatures: malformed expires or sign, or a parameter given twice") {
  struct Case {
    std::string query;
    std::string detail;
  };
  const std::string notHex = "sign is not 64 hex digits";
  const std::string notTime = "expires is not a Unix time in seconds";
  const std::string sign(kPlaySign);
  for (const Case& c : std::vector<Case>{
           {query(kPlaySign.substr(0, 63)), notHex},
           {query(sign + "0"), notHex},
           {query("g" + sign.substr(1)), notHex},
           {query(""), notHex},
           {"expires=1767225600&sign", notHex},
           {query(sign.substr(0, 62) + "%20"), notHex},
           {"expires=12a&sign=" + sign, notTime},
           {"expires=&sign=" + sign, notTime},
           {"expires=-1767225600&sign=" + sign, notTime},
           {"expires=+1767225600&sign=" + sign, notTime},
           {"expires=1767225600.0&sign=" + sign, notTime},
           {"expires=" + std::string(30, '9') + "&sign=" + sign, notTime},
           {"expires=9223372036854775808&sign=" + sign, notTime},
           {query(kPlaySign) + "&sign=" + sign, "sign given 2 times"},
           {query(kPlaySign) + "&expires=1767225600", "expires given 2 times"},
           {"expires=1&expires=2&expires=3", "expires given 3 times"},
       }) {
    CAPTURE(c.query);
    auto result = check(c.query);
    CHECK(result.verdict == SignatureVerdict::kMalformed);
    CHECK(result.detail == c.detail);
  }
  // The largest int64 is still a time.
  CHECK(check("expires=9223372036854775807&sign=" + sign).verdict == SignatureVerdict::kWrong);
}

TEST_CASE("signatures: other parameters around, in any order") {
  CHECK(check("token=1&" + query(kPlaySign) + "&x=&y").verdict == SignatureVerdict::kValid);
  CHECK(check("sign=" + std::string(kPlaySign) + "&a=b&expires=1767225600").verdict == SignatureVerdict::kValid);
}

TEST_CASE("signatures: custom parameter names") {
  const std::string tierQuery = signedQuery("secret", "play", "live/cam", kExpires, "rtsedge_expires", "rtsedge_sign");
  auto valid = checkSignature(kSecrets, "play", "live/cam", "x=1&" + tierQuery, kExpires, kSkew, "rtsedge_expires",
                              "rtsedge_sign");
  CHECK(valid.verdict == SignatureVerdict::kValid);
  // The default names are other parameters to it, and the other way round.
  auto missing = checkSignature(kSecrets, "play", "live/cam", query(kPlaySign), kExpires, kSkew, "rtsedge_expires",
                                "rtsedge_sign");
  CHECK(missing.verdict == SignatureVerdict::kMissing);
  CHECK(missing.detail == "no rtsedge_sign parameter");
  CHECK(check(tierQuery).verdict == SignatureVerdict::kMissing);
}

TEST_CASE("signatures: signedQuery round-trips through checkSignature") {
  for (std::string_view action : {"publish", "play"}) {
    for (std::string_view key : {"live/cam", "shop/eu/room_7", "a/b"}) {
      CAPTURE(action);
      CAPTURE(key);
      const std::vector<std::string> secrets{"k1", "a longer secret with spaces & symbols="};
      for (const std::string& secret : secrets) {
        auto result = checkSignature(secrets, action, key, signedQuery(secret, action, key, 2000000000), 1999999999, 0);
        CHECK(result.verdict == SignatureVerdict::kValid);
      }
      CHECK(checkSignature(secrets, action == "play" ? "publish" : "play", key,
                           signedQuery(secrets[0], action, key, 2000000000), 1999999999, 0)
                .verdict == SignatureVerdict::kWrong);
    }
  }
}

TEST_CASE("signatures: verdict names") {
  CHECK(signatureVerdictName(SignatureVerdict::kValid) == "valid");
  CHECK(signatureVerdictName(SignatureVerdict::kMissing) == "missing");
  CHECK(signatureVerdictName(SignatureVerdict::kMalformed) == "malformed");
  CHECK(signatureVerdictName(SignatureVerdict::kExpired) == "expired");
  CHECK(signatureVerdictName(SignatureVerdict::kWrong) == "wrong");
}

}  // namespace
}  // namespace rtsedge::security
