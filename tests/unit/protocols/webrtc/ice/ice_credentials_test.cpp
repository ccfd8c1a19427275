#include "protocols/webrtc/ice/ice_credentials.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace rtsedge::webrtc {
namespace {

TEST_SUITE("stun") {
  TEST_CASE("ice credentials: sizes, alphabet, validity") {
    Result<IceCredentials> credentials = generateIceCredentials();
    REQUIRE(credentials);
    CHECK(credentials->ufrag.size() == kIceUfragSize);
    CHECK(credentials->pwd.size() == kIcePwdSize);
    CHECK(isValidIceUfrag(credentials->ufrag));
    CHECK(isValidIcePwd(credentials->pwd));
  }

  TEST_CASE("ice credentials: different every time, every ice-char in use") {
    std::set<std::string> seen;
    std::set<char> chars;
    for (int i = 0; i < 200; ++i) {
      Result<IceCredentials> credentials = generateIceCredentials();
      REQUIRE(credentials);
      seen.insert(credentials->ufrag);
      seen.insert(credentials->pwd);
      chars.insert(credentials->pwd.begin(), credentials->pwd.end());
    }
    CHECK(seen.size() == 400);
    CHECK(chars.size() == 64);  // 6400 draws from 64 chars: a missing one is chance below 1e-40
    Result<std::string> empty = randomIceString(0);
    REQUIRE(empty);
    CHECK(empty->empty());
  }

  TEST_CASE("ice credentials: what SDP may carry") {
    CHECK(isValidIceUfrag("abcd"));
    CHECK(isValidIceUfrag("a+/9"));
    CHECK_FALSE(isValidIceUfrag("abc"));
    CHECK(isValidIceUfrag(std::string(256, 'u')));
    CHECK_FALSE(isValidIceUfrag(std::string(257, 'u')));
    CHECK(isValidIcePwd(std::string(22, 'p')));
    CHECK_FALSE(isValidIcePwd(std::string(21, 'p')));
    CHECK(isValidIcePwd(std::string(256, 'p')));
    CHECK_FALSE(isValidIcePwd(std::string(257, 'p')));
    for (char bad : {'-', '=', ' ', ':', '_', '.', '\0', '\x80'}) {
      std::string ufrag = "abcd";
      ufrag[1] = bad;
      CAPTURE(static_cast<int>(bad));
      CHECK_FALSE(isValidIceUfrag(ufrag));
      CHECK_FALSE(isIceChars(ufrag));
    }
  }
}

}  // namespace
}  // namespace rtsedge::webrtc
