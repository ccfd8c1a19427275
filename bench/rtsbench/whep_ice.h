#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocols/webrtc/ice/stun_message.h"
#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::bench {

// The controlling ICE agent's side of one candidate pair (RFC 8445 7.2.4), as a WHEP
// player against an ICE-lite server needs it: Binding requests, answers checked.

// PRIORITY of the peer-reflexive candidate a check would make (RFC 8445 5.1.2: type
// preference 110, local preference 65535, component 1).
inline constexpr uint32_t kPeerReflexivePriority = (110U << 24) | (65535U << 8) | (256U - 1);

struct IceCheck {
  webrtc::StunTransactionId transactionId{};
  std::string_view serverUfrag;  // USERNAME is "<server ufrag>:<our ufrag>"
  std::string_view localUfrag;
  std::string_view serverPwd;  // MESSAGE-INTEGRITY's key
  uint64_t tieBreaker = 0;     // ICE-CONTROLLING's value
  bool nominate = true;        // USE-CANDIDATE: the first checks nominate; consent checks need not
};

// A Binding request: USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE (when nominating),
// MESSAGE-INTEGRITY, FINGERPRINT.
Bytes buildIceCheck(const IceCheck& check);

// A random transaction id (RAND_bytes); all zeros if the generator fails, which the
// server still answers.
webrtc::StunTransactionId randomTransactionId();
uint64_t randomU64();

enum class IceAnswer {
  kSuccess,  // a success response to `transactionId`, integrity keyed with the server's pwd
  kError,    // an error response to it (401, 487...): `errorCode` tells which
  kIgnored,  // anything else: another transaction, a bad fingerprint or integrity, a request
};

// Judges a STUN message that came back on the pair.
IceAnswer checkIceAnswer(const webrtc::StunMessage& message, const webrtc::StunTransactionId& transactionId,
                         std::string_view serverPwd, uint16_t* errorCode = nullptr);

}  // namespace rtsedge::bench
