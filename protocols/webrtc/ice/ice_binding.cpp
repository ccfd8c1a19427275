#include "protocols/webrtc/ice/ice_binding.h"

namespace rtsedge::webrtc {

namespace {

IceBindingCheck refuse(IceRefusal refusal, std::string_view reason) {
  IceBindingCheck check;
  check.refusal = refusal;
  check.reason = reason;
  return check;
}

}  // namespace

uint16_t IceBindingCheck::errorCode() const {
  switch (refusal) {
    case IceRefusal::kBadRequest:
      return 400;
    case IceRefusal::kUnauthorized:
      return 401;
    case IceRefusal::kUnknownAttributes:
      return 420;
    case IceRefusal::kRoleConflict:
      return 487;
    case IceRefusal::kNone:
    case IceRefusal::kNotBindingRequest:
    case IceRefusal::kBadFingerprint:
      break;
  }
  return 0;
}

std::optional<std::string_view> iceLocalUfragOf(const StunMessage& message) {
  if (!message.username()) {
    return std::nullopt;
  }
  std::string_view username = *message.username();
  size_t colon = username.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  return username.substr(0, colon);
}

IceBindingCheck checkIceBindingRequest(const StunMessage& message, std::string_view localUfrag,
                                       std::string_view localPassword) {
  if (message.method() != kStunMethodBinding || message.messageClass() != StunClass::kRequest) {
    return refuse(IceRefusal::kNotBindingRequest, "not a Binding request");
  }
  if (!message.hasFingerprint()) {
    return refuse(IceRefusal::kBadRequest, "no FINGERPRINT");
  }
  if (!message.checkFingerprint()) {
    return refuse(IceRefusal::kBadFingerprint, "FINGERPRINT does not match");
  }
  if (!message.username() || !message.hasIntegrity()) {
    return refuse(IceRefusal::kBadRequest, "no USERNAME or MESSAGE-INTEGRITY");
  }
  std::string_view username = *message.username();
  size_t colon = username.find(':');
  if (colon == std::string_view::npos || colon + 1 == username.size() || localUfrag.empty() ||
      username.substr(0, colon) != localUfrag) {
    return refuse(IceRefusal::kUnauthorized, "USERNAME is not <local ufrag>:<remote ufrag>");
  }
  if (localPassword.empty() || !message.checkIntegrity(localPassword)) {
    return refuse(IceRefusal::kUnauthorized, "MESSAGE-INTEGRITY does not match the local password");
  }
  if (!message.unknownRequired().empty()) {
    return refuse(IceRefusal::kUnknownAttributes, "unknown comprehension-required attributes");
  }
  if (!message.priority()) {
    return refuse(IceRefusal::kBadRequest, "no PRIORITY");
  }
  if (message.iceControlled() && message.iceControlling()) {
    return refuse(IceRefusal::kBadRequest, "both ICE-CONTROLLED and ICE-CONTROLLING");
  }
  if (message.iceControlled()) {
    return refuse(IceRefusal::kRoleConflict, "the peer is controlled too");
  }
  IceBindingCheck check;
  check.request.transactionId = message.transactionId();
  check.request.remoteUfrag = std::string(username.substr(colon + 1));
  check.request.priority = *message.priority();
  check.request.useCandidate = message.useCandidate();
  check.request.controlling = message.iceControlling().has_value();
  check.request.tieBreaker = message.iceControlling().value_or(0);
  return check;
}

std::optional<Bytes> answerIceBindingRequest(const StunMessage& message, const IceBindingCheck& check,
                                             const StunAddress& source, std::string_view localPassword) {
  if (check.accepted()) {
    return buildBindingSuccess(message.transactionId(), source, localPassword);
  }
  uint16_t code = check.errorCode();
  if (code == 0) {
    return std::nullopt;
  }
  std::optional<std::string_view> key;
  if (check.authenticated()) {
    key = localPassword;
  }
  std::span<const uint16_t> unknown;
  if (check.refusal == IceRefusal::kUnknownAttributes) {
    unknown = message.unknownRequired();
  }
  return buildBindingError(message.transactionId(), code, key, unknown);
}

}  // namespace rtsedge::webrtc
