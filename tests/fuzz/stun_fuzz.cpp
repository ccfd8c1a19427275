// STUN as any peer can send it to the WebRTC media port: parsed, checked as an
// ICE-lite Binding request, answered, and re-serialized.
#include <algorithm>

#include "protocols/webrtc/ice/ice_binding.h"
#include "protocols/webrtc/ice/stun_message.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace rtsedge;
using namespace rtsedge::webrtc;

constexpr std::string_view kUfrag = "fuzz";
constexpr std::string_view kPassword = "fuzzfuzzfuzzfuzzfuzzfu";

std::span<const uint8_t> valueOf(const StunMessage& message, const StunAttributeRef& attribute) {
  return message.bytes().subspan(attribute.offset + 4, attribute.length);
}

// The attribute list tiles the body exactly, within the limits.
void checkLayout(const StunMessage& message, size_t size) {
  fuzz::check(message.attributes().size() <= kMaxStunAttributes);
  fuzz::check(message.unknownRequired().size() <= message.attributes().size());
  size_t offset = kStunHeaderSize;
  for (const StunAttributeRef& attribute : message.attributes()) {
    fuzz::check(attribute.offset == offset);
    offset += attribute.paddedSize();
  }
  fuzz::check(offset == size);
  fuzz::check(!message.username() || message.username()->size() <= kMaxStunUsernameSize);
  if (message.hasFingerprint()) {
    fuzz::check(message.attributes().back().type == kStunAttrFingerprint);
  }
}

// Written again without its trailers, the message parses to the same attributes.
void checkRewrite(const StunMessage& message) {
  StunMessageWriter writer(message.type(), message.transactionId());
  size_t kept = 0;
  for (const StunAttributeRef& attribute : message.attributes()) {
    if (attribute.type != kStunAttrMessageIntegrity && attribute.type != kStunAttrFingerprint) {
      writer.addAttribute(attribute.type, valueOf(message, attribute));
      ++kept;
    }
  }
  Bytes bytes = writer.finish(kPassword);
  Result<StunMessage> again = StunMessage::parse(bytes.span());
  fuzz::check(again.isOk());
  fuzz::check(again->attributes().size() == kept + 2);
  fuzz::check(again->checkIntegrity(kPassword) && again->checkFingerprint());
  fuzz::check(again->username() == message.username());
  fuzz::check(again->priority() == message.priority());
  fuzz::check(again->xorMappedAddress() == message.xorMappedAddress());
  fuzz::check(std::ranges::equal(again->unknownRequired(), message.unknownRequired()));
  size_t i = 0;
  for (const StunAttributeRef& attribute : message.attributes()) {
    if (attribute.type != kStunAttrMessageIntegrity && attribute.type != kStunAttrFingerprint) {
      const StunAttributeRef& copy = again->attributes()[i++];
      fuzz::check(copy.type == attribute.type && copy.length == attribute.length);
    }
  }
}

// An accepted request was authentic, and every answer is a well-formed response to it.
void checkAnswer(const StunMessage& message) {
  IceBindingCheck verdict = checkIceBindingRequest(message, kUfrag, kPassword);
  fuzz::check(!verdict.accepted() || (message.checkIntegrity(kPassword) && message.checkFingerprint()));
  StunAddress source;
  source.ip = {10, 1, 2, 3};
  source.port = 4242;
  std::optional<Bytes> answer = answerIceBindingRequest(message, verdict, source, kPassword);
  fuzz::check(answer.has_value() == (verdict.accepted() || verdict.errorCode() != 0));
  if (!answer) {
    return;
  }
  Result<StunMessage> reply = StunMessage::parse(answer->span());
  fuzz::check(reply.isOk());
  fuzz::check(reply->transactionId() == message.transactionId() && reply->checkFingerprint());
  if (verdict.accepted()) {
    fuzz::check(reply->messageClass() == StunClass::kSuccessResponse && reply->xorMappedAddress() == source);
    fuzz::check(reply->checkIntegrity(kPassword));
  } else {
    fuzz::check(reply->messageClass() == StunClass::kErrorResponse);
    fuzz::check(reply->errorCode() && reply->errorCode()->code == verdict.errorCode());
    fuzz::check(reply->hasIntegrity() == verdict.authenticated());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Result<StunMessage> message = StunMessage::parse(std::span(data, size));
  if (!message) {
    return 0;
  }
  checkLayout(*message, size);
  (void)message->checkIntegrity(kPassword);
  (void)message->checkFingerprint();
  (void)iceLocalUfragOf(*message);
  // The rewrite adds MESSAGE-INTEGRITY and FINGERPRINT: only where they fit the size and
  // attribute-count limits (a 32-attribute message plus two is refused, rightly).
  if (size < 60000 && message->attributes().size() + 2 <= kMaxStunAttributes) {
    checkRewrite(*message);
  }
  checkAnswer(*message);
  return 0;
}
