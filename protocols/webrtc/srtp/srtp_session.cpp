#include "protocols/webrtc/srtp/srtp_session.h"

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

namespace rtsedge::webrtc {

static_assert(SrtpSession::kMaxTrailer == SRTP_MAX_TRAILER_LEN);

namespace {

constexpr unsigned long kReplayWindow = 1024;
// Outbound, libsrtp's replay window bounds how far back a packet may be protected again: a
// NACKed packet older than the window fails with replay_old. The NACK history holds up to
// seconds of packets (2048 and more after a join's catch-up), so the window covers 16384.
constexpr unsigned long kRepeatTxWindow = 16384;
constexpr size_t kRtpHeaderSize = 12;
constexpr size_t kRtcpHeaderSize = 8;
constexpr uint8_t kVersion2 = 0x80;

std::string describe(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok: return "ok";
    case srtp_err_status_bad_param: return "bad parameter or malformed packet";
    case srtp_err_status_alloc_fail: return "out of memory";
    case srtp_err_status_init_fail: return "initialization failed";
    case srtp_err_status_auth_fail: return "authentication failed";
    case srtp_err_status_cipher_fail: return "cipher failure";
    case srtp_err_status_replay_fail: return "replayed packet";
    case srtp_err_status_replay_old: return "packet too old (outside the replay window)";
    case srtp_err_status_algo_fail: return "algorithm self-test failed";
    case srtp_err_status_no_ctx: return "no context for the SSRC";
    case srtp_err_status_key_expired: return "key expired (too many packets)";
    case srtp_err_status_parse_err: return "packet too short or malformed";
    case srtp_err_status_bad_mki: return "unknown MKI";
    case srtp_err_status_pkt_idx_old: return "packet index too old";
    case srtp_err_status_pkt_idx_adv: return "packet index advanced too far";
    default: return "libsrtp error " + std::to_string(static_cast<int>(status));
  }
}

Error srtpError(std::string_view operation, srtp_err_status_t status) {
  return Error(std::string(operation) + ": " + describe(status));
}

void setCryptoPolicy(SrtpProfile profile, srtp_policy_t& policy) {
  switch (profile) {
    case SrtpProfile::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
    case SrtpProfile::kAes128CmHmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
  }
}

Result<srtp_t> createSession(SrtpProfile profile, const std::vector<uint8_t>& masterKey, bool outbound) {
  size_t expected = masterKeyLength(profile) + masterSaltLength(profile);
  if (masterKey.size() != expected) {
    return Error(std::string(outbound ? "local" : "remote") + " key for " + std::string(nameOf(profile)) + " is " +
                 std::to_string(masterKey.size()) + " bytes, not " + std::to_string(expected));
  }
  // srtp_create copies the key; this copy (its pointer is not const) is wiped at once.
  std::vector<uint8_t> key = masterKey;
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof(policy));
  setCryptoPolicy(profile, policy);
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = key.data();
  policy.window_size = outbound ? kRepeatTxWindow : kReplayWindow;
  policy.allow_repeat_tx = outbound ? 1 : 0;
  policy.next = nullptr;
  srtp_t session = nullptr;
  srtp_err_status_t status = srtp_create(&session, &policy);
  OPENSSL_cleanse(key.data(), key.size());
  if (status != srtp_err_status_ok) {
    return srtpError(outbound ? "outbound SRTP session" : "inbound SRTP session", status);
  }
  return session;
}

// libsrtp reads the fixed header before checking much: refuse what cannot be one first.
Status checkRtp(std::span<const uint8_t> packet, size_t length) {
  if (length < kRtpHeaderSize) {
    return Error("RTP packet of " + std::to_string(length) + " bytes, shorter than its header");
  }
  if ((packet[0] & 0xC0) != kVersion2) {
    return Error("not RTP version 2");
  }
  return Status::ok();
}

Status checkRtcp(std::span<const uint8_t> packet, size_t length) {
  if (length < kRtcpHeaderSize) {
    return Error("RTCP packet of " + std::to_string(length) + " bytes, shorter than its header");
  }
  if ((packet[0] & 0xC0) != kVersion2) {
    return Error("not RTCP version 2");
  }
  return Status::ok();
}

Status checkRoom(std::span<uint8_t> buffer, size_t length) {
  if (length > buffer.size() || buffer.size() - length < SRTP_MAX_TRAILER_LEN || buffer.size() > INT_MAX) {
    return Error("buffer of " + std::to_string(buffer.size()) + " bytes has no room for a " +
                 std::to_string(SRTP_MAX_TRAILER_LEN) + "-byte trailer after " + std::to_string(length));
  }
  return Status::ok();
}

}  // namespace

Status initSrtpLibrary() {
  static const srtp_err_status_t status = srtp_init();  // a magic static: thread-safe, once
  if (status != srtp_err_status_ok) {
    return srtpError("srtp_init", status);
  }
  return Status::ok();
}

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(const SrtpKeys& keys) {
  if (Status init = initSrtpLibrary(); !init) {
    return init.error();
  }
  std::unique_ptr<SrtpSession> session(new SrtpSession(keys.profile));
  auto outbound = createSession(keys.profile, keys.local, true);
  if (!outbound) {
    return outbound.error();
  }
  session->outbound_ = *outbound;
  auto inbound = createSession(keys.profile, keys.remote, false);
  if (!inbound) {
    return inbound.error();  // the destructor deallocates the outbound one
  }
  session->inbound_ = *inbound;
  return session;
}

SrtpSession::~SrtpSession() {
  if (outbound_ != nullptr) {
    srtp_dealloc(outbound_);
  }
  if (inbound_ != nullptr) {
    srtp_dealloc(inbound_);
  }
}

Result<size_t> SrtpSession::protect(std::span<uint8_t> buffer, size_t length) {
  if (Status check = checkRoom(buffer, length); !check) {
    return check.error().wrap("SRTP protect");
  }
  if (Status check = checkRtp(buffer, length); !check) {
    return check.error().wrap("SRTP protect");
  }
  int size = static_cast<int>(length);
  srtp_err_status_t status = srtp_protect(outbound_, buffer.data(), &size);
  if (status != srtp_err_status_ok) {
    return srtpError("SRTP protect", status);
  }
  return static_cast<size_t>(size);
}

Result<size_t> SrtpSession::protectRtcp(std::span<uint8_t> buffer, size_t length) {
  if (Status check = checkRoom(buffer, length); !check) {
    return check.error().wrap("SRTCP protect");
  }
  if (Status check = checkRtcp(buffer, length); !check) {
    return check.error().wrap("SRTCP protect");
  }
  int size = static_cast<int>(length);
  srtp_err_status_t status = srtp_protect_rtcp(outbound_, buffer.data(), &size);
  if (status != srtp_err_status_ok) {
    return srtpError("SRTCP protect", status);
  }
  return static_cast<size_t>(size);
}

Result<size_t> SrtpSession::unprotect(std::span<uint8_t> packet) {
  if (packet.size() > INT_MAX) {
    return Error("SRTP unprotect: packet too large");
  }
  if (Status check = checkRtp(packet, packet.size()); !check) {
    return check.error().wrap("SRTP unprotect");
  }
  int size = static_cast<int>(packet.size());
  srtp_err_status_t status = srtp_unprotect(inbound_, packet.data(), &size);
  if (status != srtp_err_status_ok) {
    return srtpError("SRTP unprotect", status);
  }
  return static_cast<size_t>(size);
}

Result<size_t> SrtpSession::unprotectRtcp(std::span<uint8_t> packet) {
  if (packet.size() > INT_MAX) {
    return Error("SRTCP unprotect: packet too large");
  }
  if (Status check = checkRtcp(packet, packet.size()); !check) {
    return check.error().wrap("SRTCP unprotect");
  }
  int size = static_cast<int>(packet.size());
  srtp_err_status_t status = srtp_unprotect_rtcp(inbound_, packet.data(), &size);
  if (status != srtp_err_status_ok) {
    return srtpError("SRTCP unprotect", status);
  }
  return static_cast<size_t>(size);
}

}  // namespace rtsedge::webrtc
