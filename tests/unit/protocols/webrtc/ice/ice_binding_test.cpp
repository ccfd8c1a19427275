#include "protocols/webrtc/ice/ice_binding.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "tests/unit/protocols/webrtc/ice/rfc5769_vectors.h"

namespace rtsedge::webrtc {
namespace {

using Buffer = std::vector<uint8_t>;

constexpr std::string_view kLocalUfrag = "LoCaLuFrAg012345";
constexpr std::string_view kLocalPwd = "local+password/0123456789abcdef";
constexpr std::string_view kRemoteUfrag = "rUfr";
constexpr StunTransactionId kTransaction = {0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xff};
constexpr uint64_t kTieBreaker = 0x0123456789abcdefu;

const StunAddress kSource = [] {
  StunAddress address;
  address.ip = {198, 51, 100, 20};
  address.port = 50000;
  return address;
}();

// A connectivity check as a browser sends one; each part can be left out or changed.
struct RequestSpec {
  uint16_t type = 0x0001;
  std::optional<std::string> username = std::string(kLocalUfrag) + ":" + std::string(kRemoteUfrag);
  std::optional<uint32_t> priority = 0x6e7f1eff;
  bool useCandidate = false;
  bool controlling = true;
  bool controlled = false;
  std::vector<uint16_t> extraRequired;
  std::optional<std::string> password = std::string(kLocalPwd);
  bool fingerprint = true;
};

Bytes request(const RequestSpec& spec) {
  StunMessageWriter writer(spec.type, kTransaction);
  if (spec.username) {
    writer.addString(kStunAttrUsername, *spec.username);
  }
  writer.addAttribute(0xC057, std::vector<uint8_t>{0, 1, 0, 10});  // GOOG-NETWORK-INFO: optional
  if (spec.priority) {
    writer.addU32(kStunAttrPriority, *spec.priority);
  }
  if (spec.useCandidate) {
    writer.addFlag(kStunAttrUseCandidate);
  }
  if (spec.controlling) {
    writer.addU64(kStunAttrIceControlling, kTieBreaker);
  }
  if (spec.controlled) {
    writer.addU64(kStunAttrIceControlled, kTieBreaker);
  }
  for (uint16_t type : spec.extraRequired) {
    writer.addAttribute(type, std::vector<uint8_t>{1, 2, 3, 4});
  }
  std::optional<std::string_view> key;
  if (spec.password) {
    key = *spec.password;
  }
  return writer.finish(key, spec.fingerprint);
}

IceBindingCheck check(const Bytes& bytes, std::string_view localUfrag = kLocalUfrag,
                      std::string_view localPwd = kLocalPwd) {
  Result<StunMessage> message = StunMessage::parse(bytes.span());
  REQUIRE_MESSAGE(message, message.error().message());
  return checkIceBindingRequest(*message, localUfrag, localPwd);
}

IceRefusal refusalOf(const RequestSpec& spec) {
  return check(request(spec)).refusal;
}

// The answer as the session would send, if any.
std::optional<Buffer> answer(const Bytes& requestBytes, std::string_view localUfrag = kLocalUfrag,
                             std::string_view localPwd = kLocalPwd) {
  Result<StunMessage> message = StunMessage::parse(requestBytes.span());
  REQUIRE(message);
  IceBindingCheck verdict = checkIceBindingRequest(*message, localUfrag, localPwd);
  std::optional<Bytes> reply = answerIceBindingRequest(*message, verdict, kSource, localPwd);
  if (!reply) {
    return std::nullopt;
  }
  return Buffer(reply->span().begin(), reply->span().end());
}

TEST_SUITE("stun") {
  TEST_CASE("ice binding: a browser's check is accepted and answered") {
    RequestSpec spec;
    spec.useCandidate = true;
    Bytes bytes = request(spec);
    IceBindingCheck verdict = check(bytes);
    REQUIRE(verdict.accepted());
    CHECK(verdict.errorCode() == 0);
    CHECK(verdict.request.transactionId == kTransaction);
    CHECK(verdict.request.remoteUfrag == kRemoteUfrag);
    CHECK(verdict.request.priority == 0x6e7f1effu);
    CHECK(verdict.request.useCandidate);
    CHECK(verdict.request.controlling);
    CHECK(verdict.request.tieBreaker == kTieBreaker);

    std::optional<Buffer> reply = answer(bytes);
    REQUIRE(reply);
    Result<StunMessage> parsed = StunMessage::parse(*reply);
    REQUIRE(parsed);
    CHECK(parsed->type() == 0x0101);
    CHECK(parsed->transactionId() == kTransaction);
    CHECK(parsed->xorMappedAddress() == kSource);
    CHECK(parsed->checkIntegrity(kLocalPwd));
    CHECK(parsed->checkFingerprint());
  }

  TEST_CASE("ice binding: without USE-CANDIDATE, and from a peer that claims no role") {
    RequestSpec spec;
    spec.controlling = false;
    IceBindingCheck verdict = check(request(spec));
    REQUIRE(verdict.accepted());
    CHECK_FALSE(verdict.request.useCandidate);
    CHECK_FALSE(verdict.request.controlling);
    CHECK(verdict.request.tieBreaker == 0);
  }

  TEST_CASE("ice binding: the RFC 5769 sample request") {
    Result<StunMessage> message = StunMessage::parse(rfc5769::kRequest);
    REQUIRE(message);
    CHECK(iceLocalUfragOf(*message) == "evtj");
    // Its sender is controlled, as a lite agent always is: a role conflict, answered with integrity.
    IceBindingCheck verdict = checkIceBindingRequest(*message, "evtj", rfc5769::kPassword);
    CHECK(verdict.refusal == IceRefusal::kRoleConflict);
    CHECK(verdict.errorCode() == 487);
    std::optional<Bytes> reply = answerIceBindingRequest(*message, verdict, kSource, rfc5769::kPassword);
    REQUIRE(reply);
    Result<StunMessage> parsed = StunMessage::parse(reply->span());
    REQUIRE(parsed);
    CHECK(parsed->errorCode()->code == 487);
    CHECK(parsed->checkIntegrity(rfc5769::kPassword));
    CHECK(parsed->transactionId() == message->transactionId());
    // Addressed to the other side's ufrag.
    CHECK(checkIceBindingRequest(*message, "h6vY", rfc5769::kPassword).refusal == IceRefusal::kUnauthorized);
  }

  TEST_CASE("ice binding: wrong password -> 401 without integrity") {
    RequestSpec spec;
    spec.password = "local+password/0123456789abcdeF";
    IceBindingCheck verdict = check(request(spec));
    CHECK(verdict.refusal == IceRefusal::kUnauthorized);
    CHECK(verdict.errorCode() == 401);
    CHECK_FALSE(verdict.reason.empty());
    std::optional<Buffer> reply = answer(request(spec));
    REQUIRE(reply);
    Result<StunMessage> parsed = StunMessage::parse(*reply);
    REQUIRE(parsed);
    CHECK(parsed->errorCode()->code == 401);
    CHECK_FALSE(parsed->hasIntegrity());
    CHECK(parsed->checkFingerprint());
    // Our own password misconfigured empty is no key, even for a request keyed with it.
    RequestSpec emptyKey;
    emptyKey.password = "";
    CHECK(check(request(emptyKey), kLocalUfrag, "").refusal == IceRefusal::kUnauthorized);
  }

  TEST_CASE("ice binding: a wrong fingerprint is dropped unanswered") {
    Bytes good = request({});
    Buffer bytes(good.span().begin(), good.span().end());
    bytes.back() ^= 0x01;
    Result<StunMessage> message = StunMessage::parse(bytes);
    REQUIRE(message);
    IceBindingCheck verdict = checkIceBindingRequest(*message, kLocalUfrag, kLocalPwd);
    CHECK(verdict.refusal == IceRefusal::kBadFingerprint);
    CHECK(verdict.errorCode() == 0);
    CHECK_FALSE(answerIceBindingRequest(*message, verdict, kSource, kLocalPwd));
  }

  TEST_CASE("ice binding: USERNAME must be <local ufrag>:<remote ufrag>") {
    const std::string local(kLocalUfrag);
    for (const std::string& username : {std::string("other:rUfr"), local.substr(0, 4) + ":rUfr", local + "X:rUfr",
                                        local, local + ":", ":" + local, std::string("rUfr:") + local,
                                        std::string("")}) {
      RequestSpec spec;
      spec.username = username;
      CAPTURE(username);
      CHECK(refusalOf(spec) == IceRefusal::kUnauthorized);
    }
    // Our own ufrag misconfigured empty matches nothing.
    RequestSpec emptyLocal;
    emptyLocal.username = ":rUfr";
    CHECK(check(request(emptyLocal), "").refusal == IceRefusal::kUnauthorized);
    // A colon in the remote part belongs to it.
    RequestSpec colon;
    colon.username = local + ":a:b";
    IceBindingCheck verdict = check(request(colon));
    REQUIRE(verdict.accepted());
    CHECK(verdict.request.remoteUfrag == "a:b");
  }

  TEST_CASE("ice binding: missing parts -> 400") {
    RequestSpec noUsername;
    noUsername.username.reset();
    CHECK(refusalOf(noUsername) == IceRefusal::kBadRequest);
    RequestSpec noIntegrity;
    noIntegrity.password.reset();
    CHECK(refusalOf(noIntegrity) == IceRefusal::kBadRequest);
    RequestSpec noFingerprint;
    noFingerprint.fingerprint = false;
    CHECK(refusalOf(noFingerprint) == IceRefusal::kBadRequest);
    RequestSpec noPriority;
    noPriority.priority.reset();
    CHECK(refusalOf(noPriority) == IceRefusal::kBadRequest);
    RequestSpec bothRoles;
    bothRoles.controlled = true;
    CHECK(refusalOf(bothRoles) == IceRefusal::kBadRequest);

    std::optional<Buffer> reply = answer(request(noUsername));
    REQUIRE(reply);
    Result<StunMessage> parsed = StunMessage::parse(*reply);
    REQUIRE(parsed);
    CHECK(parsed->errorCode()->code == 400);
    CHECK_FALSE(parsed->hasIntegrity());
  }

  TEST_CASE("ice binding: a message of only a header") {
    StunMessageWriter writer(0x0001, kTransaction);
    Bytes bytes = writer.finish(std::nullopt, false);
    CHECK(bytes.size() == kStunHeaderSize);
    CHECK(check(bytes).refusal == IceRefusal::kBadRequest);
  }

  TEST_CASE("ice binding: unknown comprehension-required attributes -> 420 listing them") {
    RequestSpec spec;
    spec.extraRequired = {0x0003, 0x7FF0, 0x0003};
    IceBindingCheck verdict = check(request(spec));
    CHECK(verdict.refusal == IceRefusal::kUnknownAttributes);
    CHECK(verdict.errorCode() == 420);
    CHECK(verdict.authenticated());
    std::optional<Buffer> reply = answer(request(spec));
    REQUIRE(reply);
    Result<StunMessage> parsed = StunMessage::parse(*reply);
    REQUIRE(parsed);
    CHECK(parsed->errorCode()->code == 420);
    CHECK(parsed->unknownAttributesListed() == std::vector<uint16_t>{0x0003, 0x7FF0});
    CHECK(parsed->checkIntegrity(kLocalPwd));
    // Unauthenticated, the same request is refused for its credentials first.
    spec.password = "wrong";
    CHECK(refusalOf(spec) == IceRefusal::kUnauthorized);
  }

  TEST_CASE("ice binding: a controlled peer -> 487") {
    RequestSpec spec;
    spec.controlling = false;
    spec.controlled = true;
    IceBindingCheck verdict = check(request(spec));
    CHECK(verdict.refusal == IceRefusal::kRoleConflict);
    CHECK(verdict.authenticated());
  }

  TEST_CASE("ice binding: anything but a Binding request is dropped") {
    for (uint16_t type : {stunMessageType(kStunMethodBinding, StunClass::kIndication),
                          stunMessageType(kStunMethodBinding, StunClass::kSuccessResponse),
                          stunMessageType(kStunMethodBinding, StunClass::kErrorResponse),
                          stunMessageType(0x003, StunClass::kRequest)}) {
      RequestSpec spec;
      spec.type = type;
      CAPTURE(type);
      Bytes bytes = request(spec);
      CHECK(check(bytes).refusal == IceRefusal::kNotBindingRequest);
      CHECK_FALSE(answer(bytes));
    }
  }

  TEST_CASE("ice binding: duplicate USERNAME, the first counts") {
    StunMessageWriter writer(0x0001, kTransaction);
    writer.addString(kStunAttrUsername, std::string(kLocalUfrag) + ":first");
    writer.addString(kStunAttrUsername, "someone:else");
    writer.addU32(kStunAttrPriority, 1);
    Bytes bytes = writer.finish(kLocalPwd);
    IceBindingCheck verdict = check(bytes);
    REQUIRE(verdict.accepted());
    CHECK(verdict.request.remoteUfrag == "first");
  }

  TEST_CASE("ice binding: no single flipped bit of an accepted request is accepted") {
    RequestSpec spec;
    spec.useCandidate = true;
    Bytes good = request(spec);
    REQUIRE(check(good).accepted());
    for (size_t i = 0; i < good.size(); ++i) {
      for (uint8_t bit = 1; bit != 0; bit = static_cast<uint8_t>(bit << 1)) {
        Buffer bytes(good.span().begin(), good.span().end());
        bytes[i] ^= bit;
        Result<StunMessage> message = StunMessage::parse(bytes);
        if (message) {
          CAPTURE(i);
          CHECK_FALSE(checkIceBindingRequest(*message, kLocalUfrag, kLocalPwd).accepted());
        }
      }
    }
  }

  TEST_CASE("ice binding: the local ufrag of a request, to find its session") {
    Bytes bytes = request({});
    Result<StunMessage> message = StunMessage::parse(bytes.span());
    REQUIRE(message);
    CHECK(iceLocalUfragOf(*message) == kLocalUfrag);
    RequestSpec noColon;
    noColon.username = "abcd";
    Bytes other = request(noColon);
    message = StunMessage::parse(other.span());
    REQUIRE(message);
    CHECK_FALSE(iceLocalUfragOf(*message));
    RequestSpec none;
    none.username.reset();
    Bytes without = request(none);
    message = StunMessage::parse(without.span());
    REQUIRE(message);
    CHECK_FALSE(iceLocalUfragOf(*message));
  }
}

}  // namespace
}  // namespace rtsedge::webrtc
