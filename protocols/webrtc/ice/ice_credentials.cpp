#include "protocols/webrtc/ice/ice_credentials.h"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

namespace rtsedge::webrtc {

namespace {

constexpr std::string_view kIceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static_assert(kIceChars.size() == 64);

bool isIceChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

Result<std::string> randomIceString(size_t size) {
  std::vector<uint8_t> random(size);
  if (size > 0 && RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Error("RAND_bytes failed");
  }
  std::string text(size, '\0');
  std::transform(random.begin(), random.end(), text.begin(), [](uint8_t byte) { return kIceChars[byte & 0x3f]; });
  return text;
}

Result<IceCredentials> generateIceCredentials() {
  Result<std::string> ufrag = randomIceString(kIceUfragSize);
  if (!ufrag) {
    return ufrag.error().wrap("ice-ufrag");
  }
  Result<std::string> pwd = randomIceString(kIcePwdSize);
  if (!pwd) {
    return pwd.error().wrap("ice-pwd");
  }
  return IceCredentials{std::move(*ufrag), std::move(*pwd)};
}

bool isIceChars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), isIceChar);
}

bool isValidIceUfrag(std::string_view ufrag) {
  return ufrag.size() >= kMinIceUfragSize && ufrag.size() <= kMaxIceCredentialSize && isIceChars(ufrag);
}

bool isValidIcePwd(std::string_view pwd) {
  return pwd.size() >= kMinIcePwdSize && pwd.size() <= kMaxIceCredentialSize && isIceChars(pwd);
}

}  // namespace rtsedge::webrtc
