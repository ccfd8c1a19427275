#include "protocols/webrtc/srtp/srtp_keys.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstddef>
#include <string>

namespace rtsedge::webrtc {

namespace {
// The DTLS-SRTP profile ids (RFC 5764 4.1.2, RFC 7714 14.2).
constexpr uint16_t kIdAes128CmHmacSha1_80 = 0x0001;
constexpr uint16_t kIdAeadAes128Gcm = 0x0007;
}  // namespace

std::string_view nameOf(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::kAeadAes128Gcm: return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::kAes128CmHmacSha1_80: return "SRTP_AES128_CM_SHA1_80";
  }
  return "unknown";
}

std::optional<SrtpProfile> srtpProfileFromId(uint16_t id) {
  switch (id) {
    case kIdAeadAes128Gcm: return SrtpProfile::kAeadAes128Gcm;
    case kIdAes128CmHmacSha1_80: return SrtpProfile::kAes128CmHmacSha1_80;
    default: return std::nullopt;
  }
}

size_t masterKeyLength(SrtpProfile) {
  return 16;  // AES-128 for both
}

size_t masterSaltLength(SrtpProfile profile) {
  return profile == SrtpProfile::kAeadAes128Gcm ? 12 : 14;
}

size_t keyingMaterialLength(SrtpProfile profile) {
  return 2 * (masterKeyLength(profile) + masterSaltLength(profile));
}

SrtpKeys::~SrtpKeys() {
  if (!local.empty()) {
    OPENSSL_cleanse(local.data(), local.size());
  }
  if (!remote.empty()) {
    OPENSSL_cleanse(remote.data(), remote.size());
  }
}

Result<SrtpKeys> splitKeyingMaterial(SrtpProfile profile, std::span<const uint8_t> material, bool localIsDtlsServer) {
  if (material.size() != keyingMaterialLength(profile)) {
    return Error("keying material for " + std::string(nameOf(profile)) + " is " +
                 std::to_string(keyingMaterialLength(profile)) + " bytes, not " + std::to_string(material.size()));
  }
  size_t keyLength = masterKeyLength(profile);
  size_t saltLength = masterSaltLength(profile);
  auto clientKey = material.subspan(0, keyLength);
  auto serverKey = material.subspan(keyLength, keyLength);
  auto clientSalt = material.subspan(2 * keyLength, saltLength);
  auto serverSalt = material.subspan(2 * keyLength + saltLength, saltLength);
  auto join = [](std::span<const uint8_t> key, std::span<const uint8_t> salt) {
    std::vector<uint8_t> joined(key.size() + salt.size());
    std::copy(key.begin(), key.end(), joined.begin());
    std::copy(salt.begin(), salt.end(), joined.begin() + static_cast<std::ptrdiff_t>(key.size()));
    return joined;
  };
  std::vector<uint8_t> client = join(clientKey, clientSalt);
  std::vector<uint8_t> server = join(serverKey, serverSalt);
  if (localIsDtlsServer) {
    return SrtpKeys(profile, std::move(server), std::move(client));
  }
  return SrtpKeys(profile, std::move(client), std::move(server));
}

}  // namespace rtsedge::webrtc
