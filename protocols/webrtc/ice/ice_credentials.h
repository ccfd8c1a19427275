#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "relay/status.h"

namespace rtsedge::webrtc {

// RFC 8839 5.4: ice-ufrag is 4 to 256 ice-chars, ice-pwd 22 to 256;
// ice-char = ALPHA / DIGIT / "+" / "/".
inline constexpr size_t kMinIceUfragSize = 4;
inline constexpr size_t kMinIcePwdSize = 22;
inline constexpr size_t kMaxIceCredentialSize = 256;

// What we generate. The ufrag is longer than the minimum because a server with one
// media port finds the session of a STUN request by it: 16 chars are 96 random bits.
inline constexpr size_t kIceUfragSize = 16;
inline constexpr size_t kIcePwdSize = 32;  // 192 random bits

struct IceCredentials {
  std::string ufrag;
  std::string pwd;
};

// `size` random ice-chars from RAND_bytes, each drawn from 6 random bits (64 chars:
// no bias). An Error when the random generator fails: never a predictable string.
Result<std::string> randomIceString(size_t size);
Result<IceCredentials> generateIceCredentials();

bool isIceChars(std::string_view text);
// Valid as an SDP a=ice-ufrag / a=ice-pwd value: size and characters.
bool isValidIceUfrag(std::string_view ufrag);
bool isValidIcePwd(std::string_view pwd);

}  // namespace rtsedge::webrtc
