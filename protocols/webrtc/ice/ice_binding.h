#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/webrtc/ice/stun_message.h"
#include "relay/bytes.h"

namespace rtsedge::webrtc {

// What a connectivity check (RFC 8445 7.3) tells an ICE-lite agent.
struct IceBindingRequest {
  StunTransactionId transactionId{};
  std::string remoteUfrag;     // USERNAME after the ':'
  uint32_t priority = 0;       // of the peer-reflexive candidate it would learn
  bool useCandidate = false;   // the controlling agent nominates this pair
  bool controlling = false;    // ICE-CONTROLLING was present
  uint64_t tieBreaker = 0;     // its value
};

// Why a request is refused.
enum class IceRefusal : uint8_t {
  kNone,               // accepted
  kNotBindingRequest,  // another method or class: dropped without an answer
  kBadFingerprint,     // a FINGERPRINT that does not match: not STUN at all, dropped
  kBadRequest,         // 400: no FINGERPRINT, USERNAME or MESSAGE-INTEGRITY; after authentication,
                       // no PRIORITY or both roles claimed
  kUnauthorized,       // 401: USERNAME not "<our ufrag>:<theirs>", or integrity not keyed with our password
  kUnknownAttributes,  // 420: unknown comprehension-required attributes, listed in the answer
  kRoleConflict,       // 487: the peer claims the controlled role, which a lite agent always has
};

struct IceBindingCheck {
  IceRefusal refusal = IceRefusal::kNone;
  IceBindingRequest request;  // filled when accepted
  std::string_view reason;    // why refused, for the log (a static text)

  bool accepted() const { return refusal == IceRefusal::kNone; }
  // The error response code to answer with; 0 when accepted or to be dropped.
  uint16_t errorCode() const;
  // The refusal comes after the credentials were verified, so the error response
  // carries MESSAGE-INTEGRITY (420, 487).
  bool authenticated() const { return refusal == IceRefusal::kUnknownAttributes || refusal == IceRefusal::kRoleConflict; }
};

// The local ufrag a request is addressed to: its USERNAME up to the first ':'. This
// is how a server with one UDP port finds the session (and so the password) first.
std::optional<std::string_view> iceLocalUfragOf(const StunMessage& message);

// Checks a Binding request for an ICE-lite agent whose credentials are `localUfrag`
// and `localPassword`: fingerprint present and right, USERNAME
// "<localUfrag>:<remoteUfrag>", MESSAGE-INTEGRITY keyed with `localPassword`, no
// unknown comprehension-required attribute, the peer controlling.
IceBindingCheck checkIceBindingRequest(const StunMessage& message, std::string_view localUfrag,
                                       std::string_view localPassword);

// The answer to a checked request from `source`: a success response with
// XOR-MAPPED-ADDRESS when accepted, the error response its refusal calls for, or
// nullopt when the request is to be dropped unanswered.
std::optional<Bytes> answerIceBindingRequest(const StunMessage& message, const IceBindingCheck& check,
                                             const StunAddress& source, std::string_view localPassword);

}  // namespace rtsedge::webrtc
