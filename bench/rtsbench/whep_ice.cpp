#include "bench/rtsbench/whep_ice.h"

#include <openssl/rand.h>

#include <string>

namespace rtsedge::bench {

using webrtc::StunClass;
using webrtc::StunMessage;
using webrtc::StunMessageWriter;

Bytes buildIceCheck(const IceCheck& check) {
  StunMessageWriter writer(webrtc::stunMessageType(webrtc::kStunMethodBinding, StunClass::kRequest),
                           check.transactionId);
  std::string username;
  username.reserve(check.serverUfrag.size() + 1 + check.localUfrag.size());
  username.append(check.serverUfrag).append(":").append(check.localUfrag);
  writer.addString(webrtc::kStunAttrUsername, username);
  writer.addU32(webrtc::kStunAttrPriority, kPeerReflexivePriority);
  writer.addU64(webrtc::kStunAttrIceControlling, check.tieBreaker);
  if (check.nominate) {
    writer.addFlag(webrtc::kStunAttrUseCandidate);
  }
  return writer.finish(check.serverPwd, true);
}

webrtc::StunTransactionId randomTransactionId() {
  webrtc::StunTransactionId id{};
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    id.fill(0);
  }
  return id;
}

uint64_t randomU64() {
  uint64_t value = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value)) != 1) {
    return 0;
  }
  return value;
}

IceAnswer checkIceAnswer(const StunMessage& message, const webrtc::StunTransactionId& transactionId,
                         std::string_view serverPwd, uint16_t* errorCode) {
  if (message.method() != webrtc::kStunMethodBinding || message.transactionId() != transactionId) {
    return IceAnswer::kIgnored;
  }
  if (message.hasFingerprint() && !message.checkFingerprint()) {
    return IceAnswer::kIgnored;
  }
  if (message.messageClass() == StunClass::kErrorResponse) {
    // A 400 or 401 carries no integrity (it refuses the credentials themselves).
    if (errorCode != nullptr) {
      *errorCode = message.errorCode() ? message.errorCode()->code : 0;
    }
    return IceAnswer::kError;
  }
  if (message.messageClass() != StunClass::kSuccessResponse || !message.checkIntegrity(serverPwd)) {
    return IceAnswer::kIgnored;
  }
  return IceAnswer::kSuccess;
}

}  // namespace rtsedge::bench
