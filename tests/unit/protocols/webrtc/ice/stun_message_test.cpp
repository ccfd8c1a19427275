#include "protocols/webrtc/ice/stun_message.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/webrtc/ice/stun_crc32.h"
#include "relay/uv/address.h"
#include "tests/unit/protocols/webrtc/ice/rfc5769_vectors.h"

namespace rtsedge::webrtc {
namespace {

using Buffer = std::vector<uint8_t>;

constexpr StunTransactionId kTransaction = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

Buffer bufferOf(std::span<const uint8_t> data) {
  return {data.begin(), data.end()};
}

Buffer bufferOf(const Bytes& data) {
  return bufferOf(data.span());
}

void setLength(Buffer& message, size_t length) {
  message[2] = static_cast<uint8_t>(length >> 8);
  message[3] = static_cast<uint8_t>(length);
}

// Appends a raw attribute (header, value, zero padding) and fixes the header's length.
void appendAttribute(Buffer& message, uint16_t type, const Buffer& value, size_t declared = SIZE_MAX) {
  size_t length = declared == SIZE_MAX ? value.size() : declared;
  message.insert(message.end(), {uint8_t(type >> 8), uint8_t(type), uint8_t(length >> 8), uint8_t(length)});
  message.insert(message.end(), value.begin(), value.end());
  while (message.size() % 4 != 0) {
    message.push_back(0);
  }
  setLength(message, message.size() - kStunHeaderSize);
}

Buffer header(uint16_t type = 0x0001) {
  StunMessageWriter writer(type, kTransaction);
  return bufferOf(writer.finish(std::nullopt, false));
}

StunAddress address(const std::string& host, uint16_t port) {
  Result<sockaddr_storage> storage = uv::parseSocketAddress(host, port);
  REQUIRE(storage);
  std::optional<StunAddress> out = StunAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&*storage));
  REQUIRE(out);
  return *out;
}

size_t attributeBytes(const StunMessage& message) {
  size_t total = 0;
  for (const StunAttributeRef& attribute : message.attributes()) {
    total += attribute.paddedSize();
  }
  return total;
}

// MESSAGE-INTEGRITY computed apart from the code under test: one-shot HMAC over a copy.
bool integrityMatches(const Buffer& message, size_t integrityOffset, std::string_view key) {
  Buffer covered(message.begin(), message.begin() + static_cast<ptrdiff_t>(integrityOffset));
  setLength(covered, integrityOffset - kStunHeaderSize + 24);
  uint8_t mac[20];
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), covered.data(), covered.size(), mac, &length);
  return length == 20 && std::equal(mac, mac + 20, message.begin() + static_cast<ptrdiff_t>(integrityOffset + 4));
}

std::optional<size_t> offsetOf(const StunMessage& message, uint16_t type) {
  for (const StunAttributeRef& attribute : message.attributes()) {
    if (attribute.type == type) {
      return attribute.offset;
    }
  }
  return std::nullopt;
}

TEST_SUITE("stun") {
  TEST_CASE("stun crc32: the CRC-32/ISO-HDLC check value, unlike the MPEG-2 one") {
    const std::string_view text = "123456789";
    CHECK(crc32Ieee(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())) == 0xCBF43926);
    CHECK(crc32Ieee({}) == 0);
  }

  TEST_CASE("stun message type: class bits interleaved with the method") {
    CHECK(stunMessageType(kStunMethodBinding, StunClass::kRequest) == 0x0001);
    CHECK(stunMessageType(kStunMethodBinding, StunClass::kIndication) == 0x0011);
    CHECK(stunMessageType(kStunMethodBinding, StunClass::kSuccessResponse) == 0x0101);
    CHECK(stunMessageType(kStunMethodBinding, StunClass::kErrorResponse) == 0x0111);
    for (uint16_t method : {0x001, 0x003, 0x00F, 0x010, 0x070, 0x080, 0xF80, 0xFFF}) {
      for (StunClass c : {StunClass::kRequest, StunClass::kIndication, StunClass::kSuccessResponse,
                          StunClass::kErrorResponse}) {
        Bytes bytes = StunMessageWriter(stunMessageType(method, c), kTransaction).finish(std::nullopt, false);
        Result<StunMessage> message = StunMessage::parse(bytes.span());
        REQUIRE(message);
        CHECK(message->method() == method);
        CHECK(message->messageClass() == c);
      }
    }
  }

  TEST_CASE("stun RFC 5769 2.1: the sample request") {
    Result<StunMessage> message = StunMessage::parse(rfc5769::kRequest);
    REQUIRE_MESSAGE(message, message.error().message());
    CHECK(message->type() == 0x0001);
    CHECK(message->transactionId() ==
          StunTransactionId{0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae});
    CHECK(message->attributes().size() == 6);
    CHECK(attributeBytes(*message) == rfc5769::kRequest.size() - kStunHeaderSize);
    CHECK(message->unknownRequired().empty());  // SOFTWARE is comprehension-optional
    CHECK(message->username() == rfc5769::kUsername);
    CHECK(message->priority() == 0x6e0001ffu);
    CHECK(message->iceControlled() == 0x932ff9b151263b36u);
    CHECK_FALSE(message->iceControlling());
    CHECK_FALSE(message->useCandidate());
    CHECK(message->checkFingerprint());
    CHECK(message->checkIntegrity(rfc5769::kPassword));
    CHECK_FALSE(message->checkIntegrity("VOkJxbRl1RmTxUk/WvJxBT"));
    CHECK_FALSE(message->checkIntegrity(""));
  }

  TEST_CASE("stun RFC 5769 2.2 and 2.3: the sample responses, IPv4 and IPv6") {
    Result<StunMessage> v4 = StunMessage::parse(rfc5769::kIpv4Response);
    REQUIRE_MESSAGE(v4, v4.error().message());
    CHECK(v4->method() == kStunMethodBinding);
    CHECK(v4->messageClass() == StunClass::kSuccessResponse);
    CHECK(v4->xorMappedAddress() == address("192.0.2.1", 32853));
    CHECK(v4->checkIntegrity(rfc5769::kPassword));
    CHECK(v4->checkFingerprint());

    Result<StunMessage> v6 = StunMessage::parse(rfc5769::kIpv6Response);
    REQUIRE_MESSAGE(v6, v6.error().message());
    CHECK(v6->xorMappedAddress() == address("2001:db8:1234:5678:11:2233:4455:6677", 32853));
    CHECK(v6->checkIntegrity(rfc5769::kPassword));
    CHECK(v6->checkFingerprint());
  }

  TEST_CASE("stun RFC 5769 2.4: long-term credentials, integrity without fingerprint") {
    Result<StunMessage> message = StunMessage::parse(rfc5769::kLongTermRequest);
    REQUIRE_MESSAGE(message, message.error().message());
    CHECK(message->username() == rfc5769::kLongTermUsername);
    // NONCE and REALM are comprehension-required, and not ours: a 420 would list them.
    CHECK(std::vector(message->unknownRequired().begin(), message->unknownRequired().end()) ==
          std::vector<uint16_t>{0x0015, 0x0014});
    CHECK_FALSE(message->hasFingerprint());
    CHECK_FALSE(message->checkFingerprint());
    std::string credentials = std::string(rfc5769::kLongTermUsername) + ":" + std::string(rfc5769::kLongTermRealm) +
                              ":" + std::string(rfc5769::kLongTermPassword);
    uint8_t key[16];
    unsigned int keySize = 0;
    REQUIRE(EVP_Digest(credentials.data(), credentials.size(), key, &keySize, EVP_md5(), nullptr) == 1);
    CHECK(message->checkIntegrity(std::string_view(reinterpret_cast<const char*>(key), keySize)));
    CHECK_FALSE(message->checkIntegrity(rfc5769::kLongTermPassword));
  }

  TEST_CASE("stun truncation at every byte is refused; at attribute boundaries it parses") {
    for (std::span<const uint8_t> vector : {std::span<const uint8_t>(rfc5769::kRequest),
                                            std::span<const uint8_t>(rfc5769::kIpv4Response),
                                            std::span<const uint8_t>(rfc5769::kIpv6Response),
                                            std::span<const uint8_t>(rfc5769::kLongTermRequest)}) {
      Result<StunMessage> whole = StunMessage::parse(vector);
      REQUIRE(whole);
      std::vector<size_t> boundaries{kStunHeaderSize};
      for (const StunAttributeRef& attribute : whole->attributes()) {
        boundaries.push_back(attribute.offset + attribute.paddedSize());
      }
      for (size_t size = 0; size < vector.size(); ++size) {
        Buffer cut(vector.begin(), vector.begin() + static_cast<ptrdiff_t>(size));
        CAPTURE(size);
        CHECK_FALSE(StunMessage::parse(cut));  // the header's length no longer matches
        if (size < kStunHeaderSize) {
          continue;
        }
        setLength(cut, size - kStunHeaderSize);
        bool boundary = std::find(boundaries.begin(), boundaries.end(), size) != boundaries.end();
        Result<StunMessage> fixed = StunMessage::parse(cut);
        CHECK(fixed.isOk() == boundary);
        if (fixed) {
          CHECK(attributeBytes(*fixed) == size - kStunHeaderSize);
          CHECK_FALSE(fixed->hasFingerprint());
          CHECK_FALSE(fixed->checkFingerprint());
        }
      }
    }
  }

  TEST_CASE("stun hostile lengths") {
    SUBCASE("an attribute length of 0xFFFF") {
      Buffer message = bufferOf(rfc5769::kRequest);
      message[22] = 0xff;  // SOFTWARE's length
      message[23] = 0xff;
      CHECK_FALSE(StunMessage::parse(message));
    }
    SUBCASE("the last attribute's padding past the end") {
      Buffer message = header();
      appendAttribute(message, 0x8055, {1, 2, 3, 4}, 5);
      CHECK_FALSE(StunMessage::parse(message));
    }
    SUBCASE("a header length beyond the data, and short of it") {
      Buffer message = bufferOf(rfc5769::kRequest);
      setLength(message, 0x5c);
      CHECK_FALSE(StunMessage::parse(message));
      setLength(message, 0xfffc);
      CHECK_FALSE(StunMessage::parse(message));
      setLength(message, 0x54);
      CHECK_FALSE(StunMessage::parse(message));
      Buffer trailing = bufferOf(rfc5769::kRequest);
      trailing.insert(trailing.end(), 4, 0);
      CHECK_FALSE(StunMessage::parse(trailing));
    }
    SUBCASE("odd header lengths") {
      for (size_t length : {1, 2, 3, 0x57, 0x59}) {
        Buffer message = header();
        message.resize(kStunHeaderSize + length, 0);
        setLength(message, length);
        CHECK_FALSE(StunMessage::parse(message));
      }
    }
    SUBCASE("an odd attribute length is padded, not refused") {
      Buffer message = header();
      appendAttribute(message, kStunAttrUsername, {'a', 'b', 'c', ':', 'd'});
      Result<StunMessage> parsed = StunMessage::parse(message);
      REQUIRE(parsed);
      CHECK(parsed->username() == "abc:d");
    }
  }

  TEST_CASE("stun headers that are not STUN") {
    Buffer message = header();
    CHECK(StunMessage::parse(message));
    Buffer cookie = message;
    cookie[7] ^= 1;
    CHECK_FALSE(StunMessage::parse(cookie));
    for (uint8_t top : {0x40, 0x80, 0xc0}) {
      Buffer bits = message;
      bits[0] |= top;
      CHECK_FALSE(StunMessage::parse(bits));
    }
  }

  TEST_CASE("stun a message of only a header") {
    Result<StunMessage> message = StunMessage::parse(header());
    REQUIRE(message);
    CHECK(message->attributes().empty());
    CHECK_FALSE(message->username());
    CHECK_FALSE(message->hasIntegrity());
    CHECK_FALSE(message->checkIntegrity(rfc5769::kPassword));
    CHECK_FALSE(message->checkFingerprint());
  }

  TEST_CASE("stun attribute count limit") {
    StunMessageWriter most(0x0001, kTransaction);
    StunMessageWriter tooMany(0x0001, kTransaction);
    for (size_t i = 0; i < kMaxStunAttributes; ++i) {
      most.addFlag(0xC000);
      tooMany.addFlag(0xC000);
    }
    tooMany.addFlag(0xC000);
    Bytes mostBytes = most.finish(std::nullopt, false);
    Result<StunMessage> parsed = StunMessage::parse(mostBytes.span());
    REQUIRE(parsed);
    CHECK(parsed->attributes().size() == kMaxStunAttributes);
    Bytes tooManyBytes = tooMany.finish(std::nullopt, false);
    CHECK_FALSE(StunMessage::parse(tooManyBytes.span()));
  }

  TEST_CASE("stun attribute order: nothing after FINGERPRINT, only FINGERPRINT after MESSAGE-INTEGRITY") {
    Buffer afterFingerprint = bufferOf(rfc5769::kRequest);
    appendAttribute(afterFingerprint, 0xC057, {0, 1, 0, 2});
    CHECK_FALSE(StunMessage::parse(afterFingerprint));

    Buffer twoFingerprints = bufferOf(rfc5769::kRequest);
    appendAttribute(twoFingerprints, kStunAttrFingerprint, {0, 0, 0, 0});
    CHECK_FALSE(StunMessage::parse(twoFingerprints));

    // The request without its FINGERPRINT, then something after MESSAGE-INTEGRITY.
    Buffer withoutFingerprint(rfc5769::kRequest.begin(), rfc5769::kRequest.end() - 8);
    setLength(withoutFingerprint, withoutFingerprint.size() - kStunHeaderSize);
    Result<StunMessage> integrityLast = StunMessage::parse(withoutFingerprint);
    REQUIRE(integrityLast);
    CHECK(integrityLast->checkIntegrity(rfc5769::kPassword));  // its HMAC never covered the FINGERPRINT
    for (uint16_t type : {uint16_t{0xC057}, kStunAttrMessageIntegrity, kStunAttrUsername}) {
      Buffer after = withoutFingerprint;
      appendAttribute(after, type, Buffer(type == kStunAttrMessageIntegrity ? 20 : 4, 0));
      CHECK_FALSE(StunMessage::parse(after));
    }
  }

  TEST_CASE("stun malformed known attributes are refused") {
    struct Case {
      uint16_t type;
      Buffer value;
    };
    const std::vector<Case> cases = {
        {kStunAttrPriority, {0, 0, 1}},
        {kStunAttrMessageIntegrity, Buffer(19, 0)},
        {kStunAttrFingerprint, Buffer(8, 0)},
        {kStunAttrIceControlled, {0, 0, 0, 1}},
        {kStunAttrIceControlling, Buffer(9, 0)},
        {kStunAttrUseCandidate, {0, 0, 0, 0}},
        {kStunAttrXorMappedAddress, {0, 3, 0, 0, 0, 0, 0, 0}},    // family 3
        {kStunAttrXorMappedAddress, Buffer{0, 1, 0, 0}},           // IPv4 without its address
        {kStunAttrXorMappedAddress, {0, 2, 0, 0, 0, 0, 0, 0}},    // IPv6 of 4 bytes
        {kStunAttrXorMappedAddress, {0, 1}},
        {kStunAttrErrorCode, {0, 0, 2, 0}},    // class 2
        {kStunAttrErrorCode, {0, 0, 7, 0}},    // class 7
        {kStunAttrErrorCode, {0, 0, 4, 100}},  // number 100
        {kStunAttrErrorCode, {0, 0, 4}},
        {kStunAttrErrorCode, Buffer(4 + kMaxStunReasonSize + 1, 0x04)},
        {kStunAttrUsername, Buffer(kMaxStunUsernameSize + 1, 'a')},
        {kStunAttrUnknownAttributes, {0, 1, 0}},
    };
    for (const Case& bad : cases) {
      Buffer message = header();
      appendAttribute(message, bad.type, bad.value);
      CAPTURE(bad.type);
      CAPTURE(bad.value.size());
      CHECK_FALSE(StunMessage::parse(message));
    }
    Buffer longest = header();
    appendAttribute(longest, kStunAttrUsername, Buffer(kMaxStunUsernameSize, 'a'));
    CHECK(StunMessage::parse(longest));
  }

  TEST_CASE("stun unknown attributes: comprehension-required listed once, optional skipped") {
    Buffer message = header();
    appendAttribute(message, 0x0001, {0, 1, 0, 80, 1, 2, 3, 4});  // MAPPED-ADDRESS: not ours
    appendAttribute(message, 0xC057, {0, 1, 0, 2});               // GOOG-NETWORK-INFO
    appendAttribute(message, 0x7FFF, {});
    appendAttribute(message, 0x0001, {0, 1, 0, 80, 1, 2, 3, 4});
    appendAttribute(message, kStunAttrSoftware, {'x'});
    Result<StunMessage> parsed = StunMessage::parse(message);
    REQUIRE(parsed);
    CHECK(std::vector(parsed->unknownRequired().begin(), parsed->unknownRequired().end()) ==
          std::vector<uint16_t>{0x0001, 0x7FFF});
    CHECK(parsed->attributes().size() == 5);
    CHECK(attributeBytes(*parsed) == message.size() - kStunHeaderSize);
  }

  TEST_CASE("stun duplicate attributes: the first counts") {
    StunMessageWriter writer(0x0001, kTransaction);
    writer.addString(kStunAttrUsername, "first:one");
    writer.addU32(kStunAttrPriority, 7);
    writer.addXorAddress(kStunAttrXorMappedAddress, address("10.0.0.1", 1000));
    writer.addU64(kStunAttrIceControlling, 11);
    writer.addString(kStunAttrUsername, "second:two");
    writer.addU32(kStunAttrPriority, 8);
    writer.addXorAddress(kStunAttrXorMappedAddress, address("10.0.0.2", 2000));
    writer.addU64(kStunAttrIceControlling, 12);
    writer.addErrorCode(400, "first");
    writer.addErrorCode(401, "second");
    Bytes bytes = writer.finish("pwd");
    Result<StunMessage> parsed = StunMessage::parse(bytes.span());
    REQUIRE(parsed);
    CHECK(parsed->username() == "first:one");
    CHECK(parsed->priority() == 7u);
    CHECK(parsed->xorMappedAddress() == address("10.0.0.1", 1000));
    CHECK(parsed->iceControlling() == 11u);
    CHECK(parsed->errorCode()->code == 400);
    CHECK(parsed->errorCode()->reason == "first");
    CHECK(parsed->attributes().size() == 12);
    CHECK(parsed->checkIntegrity("pwd"));
    CHECK(parsed->checkFingerprint());
  }

  TEST_CASE("stun a Binding success response round trip, IPv4 and IPv6") {
    for (const StunAddress& mapped : {address("203.0.113.7", 54321), address("2001:db8::1", 9),
                                      address("0.0.0.0", 0), address("::ffff:198.51.100.2", 65535)}) {
      Bytes bytes = buildBindingSuccess(kTransaction, mapped, "local-password-0123456789");
      Buffer raw = bufferOf(bytes);
      Result<StunMessage> parsed = StunMessage::parse(bytes.span());
      REQUIRE_MESSAGE(parsed, parsed.error().message());
      CHECK(parsed->method() == kStunMethodBinding);
      CHECK(parsed->messageClass() == StunClass::kSuccessResponse);
      CHECK(parsed->transactionId() == kTransaction);
      CHECK(parsed->xorMappedAddress() == mapped);
      CHECK(parsed->attributes().size() == 3);
      CHECK(attributeBytes(*parsed) == raw.size() - kStunHeaderSize);
      CHECK(parsed->checkIntegrity("local-password-0123456789"));
      CHECK_FALSE(parsed->checkIntegrity("local-password-012345678"));
      CHECK(integrityMatches(raw, *offsetOf(*parsed, kStunAttrMessageIntegrity), "local-password-0123456789"));
      CHECK(parsed->checkFingerprint());
      CHECK(*offsetOf(*parsed, kStunAttrFingerprint) == raw.size() - 8);
    }
    CHECK(address("::ffff:198.51.100.2", 1) == address("198.51.100.2", 1));  // unmapped to IPv4
  }

  TEST_CASE("stun Binding error responses round trip") {
    Bytes badRequest = buildBindingError(kTransaction, 400, std::nullopt);
    Result<StunMessage> parsed = StunMessage::parse(badRequest.span());
    REQUIRE(parsed);
    CHECK(parsed->messageClass() == StunClass::kErrorResponse);
    CHECK(parsed->method() == kStunMethodBinding);
    CHECK(parsed->errorCode()->code == 400);
    CHECK(parsed->errorCode()->reason == "Bad Request");
    CHECK_FALSE(parsed->hasIntegrity());
    CHECK(parsed->checkFingerprint());

    const std::vector<uint16_t> unknown = {0x0001, 0x7FFF, 0x0015};
    Bytes unknownAttribute = buildBindingError(kTransaction, 420, "pwd", unknown);
    Buffer raw = bufferOf(unknownAttribute);
    parsed = StunMessage::parse(unknownAttribute.span());
    REQUIRE(parsed);
    CHECK(parsed->errorCode()->code == 420);
    CHECK(parsed->errorCode()->reason == "Unknown Attribute");
    CHECK(parsed->unknownAttributesListed() == unknown);
    CHECK(parsed->checkIntegrity("pwd"));
    CHECK(integrityMatches(raw, *offsetOf(*parsed, kStunAttrMessageIntegrity), "pwd"));
    CHECK(parsed->checkFingerprint());
    CHECK(attributeBytes(*parsed) == raw.size() - kStunHeaderSize);

    for (uint16_t code : {401, 487, 500}) {
      Bytes bytes = buildBindingError(kTransaction, code, "pwd");
      parsed = StunMessage::parse(bytes.span());
      REQUIRE(parsed);
      CHECK(parsed->errorCode()->code == code);
      CHECK(parsed->errorCode()->reason == stunReasonPhrase(code));
      CHECK_FALSE(parsed->errorCode()->reason.empty());
      CHECK(parsed->checkIntegrity("pwd"));
    }
    Bytes outOfRange = buildBindingError(kTransaction, 200, std::nullopt);
    parsed = StunMessage::parse(outOfRange.span());
    REQUIRE(parsed);
    CHECK(parsed->errorCode()->code == 500);
  }

  TEST_CASE("stun writer: zero padding, and what would pass 64 KiB is left out") {
    StunMessageWriter writer(0x0001, kTransaction);
    writer.addString(kStunAttrSoftware, "abcde");
    writer.addAttribute(0xC001, Buffer(70000, 1));
    for (int i = 0; i < 3; ++i) {
      writer.addAttribute(0xC002, Buffer(30000, 2));
    }
    Bytes bytes = writer.finish("k");
    Buffer raw = bufferOf(bytes);
    CHECK(Buffer(raw.begin() + 24, raw.begin() + 32) == Buffer{'a', 'b', 'c', 'd', 'e', 0, 0, 0});
    Result<StunMessage> parsed = StunMessage::parse(bytes.span());
    REQUIRE_MESSAGE(parsed, parsed.error().message());
    CHECK(parsed->attributes().size() == 5);  // SOFTWARE, two of the three 30000s, the trailers
    CHECK(raw.size() <= kStunHeaderSize + 0xFFFF);
    CHECK(parsed->checkIntegrity("k"));
    CHECK(parsed->checkFingerprint());
  }

  TEST_CASE("stun addresses to and from sockaddr") {
    for (const auto& [host, port] : std::vector<std::pair<std::string, uint16_t>>{{"192.0.2.1", 32853},
                                                                                   {"2001:db8::5", 8000}}) {
      Result<sockaddr_storage> storage = uv::parseSocketAddress(host, port);
      REQUIRE(storage);
      std::optional<StunAddress> stun = StunAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&*storage));
      REQUIRE(stun);
      sockaddr_storage back = stun->toSockaddr();
      CHECK(uv::formatSocketAddress(reinterpret_cast<const sockaddr*>(&back)) ==
            uv::formatSocketAddress(reinterpret_cast<const sockaddr*>(&*storage)));
    }
    sockaddr other{};
    other.sa_family = AF_UNIX;
    CHECK_FALSE(StunAddress::fromSockaddr(&other));
  }
}

}  // namespace
}  // namespace rtsedge::webrtc
