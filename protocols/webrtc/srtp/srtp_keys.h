#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/status.h"

namespace rtsedge::webrtc {

// The SRTP protection profiles we offer in DTLS-SRTP (RFC 5764, RFC 7714), in our order
// of preference.
enum class SrtpProfile {
  kAeadAes128Gcm,       // SRTP_AEAD_AES_128_GCM: 16-byte key, 12-byte salt, 16-byte tag
  kAes128CmHmacSha1_80  // SRTP_AES128_CM_SHA1_80: 16-byte key, 14-byte salt, 10-byte tag
};

// "SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80": the names OpenSSL and RFC 5764 use.
std::string_view nameOf(SrtpProfile profile);
// The DTLS use_srtp protection profile id (0x0007, 0x0001); nullopt for an id we do not offer.
std::optional<SrtpProfile> srtpProfileFromId(uint16_t id);
size_t masterKeyLength(SrtpProfile profile);
size_t masterSaltLength(SrtpProfile profile);
// What DTLS exports for the profile: both directions' keys and salts.
size_t keyingMaterialLength(SrtpProfile profile);

// The SRTP master keys of one association, each as master key || master salt (the
// layout libsrtp takes). `local` protects what we send, `remote` unprotects what the peer
// sends. Wiped from memory when destroyed.
struct SrtpKeys {
  SrtpKeys() = default;
  SrtpKeys(SrtpProfile profile_, std::vector<uint8_t> local_, std::vector<uint8_t> remote_)
      : profile(profile_), local(std::move(local_)), remote(std::move(remote_)) {}
  SrtpKeys(const SrtpKeys&) = default;
  SrtpKeys(SrtpKeys&&) = default;
  SrtpKeys& operator=(const SrtpKeys&) = default;
  SrtpKeys& operator=(SrtpKeys&&) = default;
  ~SrtpKeys();

  SrtpProfile profile = SrtpProfile::kAeadAes128Gcm;
  std::vector<uint8_t> local;
  std::vector<uint8_t> remote;
};

// Splits the DTLS exporter output ("EXTRACTOR-dtls_srtp", keyingMaterialLength(profile)
// bytes) per RFC 5764 4.2: client key, server key, client salt, server salt. The DTLS
// server sends with the server half and receives with the client half; a client the
// other way round.
Result<SrtpKeys> splitKeyingMaterial(SrtpProfile profile, std::span<const uint8_t> material, bool localIsDtlsServer);

}  // namespace rtsedge::webrtc
