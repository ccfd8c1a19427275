#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::webrtc {

// STUN (RFC 8489, formerly 5389) as ICE-lite needs it (RFC 8445): Binding requests
// in, Binding success and error responses out, short-term credentials.

inline constexpr size_t kStunHeaderSize = 20;
inline constexpr uint32_t kStunMagicCookie = 0x2112A442;
inline constexpr size_t kStunIntegritySize = 20;  // HMAC-SHA1
inline constexpr uint32_t kStunFingerprintXor = 0x5354554e;

// Limits of the parser; a message beyond them is refused.
inline constexpr size_t kMaxStunAttributes = 32;    // browsers send 6 to 9
inline constexpr size_t kMaxStunUsernameSize = 512;  // RFC 8489 14.3: "less than 513 bytes"
inline constexpr size_t kMaxStunReasonSize = 763;    // RFC 8489 14.8

inline constexpr uint16_t kStunMethodBinding = 0x001;

// Attribute types. Below 0x8000 a receiver must understand them (comprehension-required).
inline constexpr uint16_t kStunAttrUsername = 0x0006;
inline constexpr uint16_t kStunAttrMessageIntegrity = 0x0008;
inline constexpr uint16_t kStunAttrErrorCode = 0x0009;
inline constexpr uint16_t kStunAttrUnknownAttributes = 0x000A;
inline constexpr uint16_t kStunAttrXorMappedAddress = 0x0020;
inline constexpr uint16_t kStunAttrPriority = 0x0024;
inline constexpr uint16_t kStunAttrUseCandidate = 0x0025;
inline constexpr uint16_t kStunAttrSoftware = 0x8022;
inline constexpr uint16_t kStunAttrFingerprint = 0x8028;
inline constexpr uint16_t kStunAttrIceControlled = 0x8029;
inline constexpr uint16_t kStunAttrIceControlling = 0x802A;

enum class StunClass : uint8_t { kRequest = 0, kIndication = 1, kSuccessResponse = 2, kErrorResponse = 3 };

// The 14-bit message type: the class bits are interleaved with the method's.
constexpr uint16_t stunMessageType(uint16_t method, StunClass messageClass) {
  auto c = static_cast<uint16_t>(messageClass);
  return static_cast<uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                               ((c & 1) << 4) | ((c & 2) << 7));
}

using StunTransactionId = std::array<uint8_t, 12>;

// A transport address as XOR-MAPPED-ADDRESS carries it.
struct StunAddress {
  bool ipv6 = false;
  std::array<uint8_t, 16> ip{};  // network order; IPv4 uses the first 4 bytes, the rest stay 0
  uint16_t port = 0;

  bool operator==(const StunAddress& other) const = default;

  // AF_INET or AF_INET6 (an IPv4-mapped IPv6 address becomes IPv4: that is what the
  // peer sent from); nullopt for any other family.
  static std::optional<StunAddress> fromSockaddr(const sockaddr* address);
  sockaddr_storage toSockaddr() const;
};

// Where an attribute sits in its message.
struct StunAttributeRef {
  uint16_t type = 0;
  uint16_t length = 0;  // of the value, padding excluded
  uint32_t offset = 0;  // of the attribute header from the message start

  // Header, value and padding.
  size_t paddedSize() const { return 4 + ((static_cast<size_t>(length) + 3) & ~size_t{3}); }
};

struct StunErrorCode {
  uint16_t code = 0;  // 300..699
  std::string_view reason;
};

// One STUN message parsed in place: a view of the caller's bytes, valid as long as
// they are. Of an attribute that appears more than once, the first counts (RFC 8489
// 14); every occurrence is listed in attributes().
class StunMessage {
 public:
  // `data` is one whole message, as a UDP datagram carries it: the header's length
  // must account for every byte. Refused: a short or non-STUN header, a length that
  // is not a multiple of 4, attributes overrunning the message, more than
  // kMaxStunAttributes, any attribute after FINGERPRINT, any but FINGERPRINT after
  // MESSAGE-INTEGRITY, a known attribute with a malformed value. Unknown attributes
  // are skipped; comprehension-required ones are listed in unknownRequired().
  static Result<StunMessage> parse(std::span<const uint8_t> data);

  uint16_t type() const { return type_; }
  uint16_t method() const;
  StunClass messageClass() const;
  const StunTransactionId& transactionId() const { return transactionId_; }
  std::span<const uint8_t> bytes() const { return bytes_; }

  std::span<const StunAttributeRef> attributes() const { return {attributes_.data(), attributeCount_}; }
  // Types below 0x8000 this parser does not know, each once, in order of appearance:
  // a request carrying any is answered 420 with them in UNKNOWN-ATTRIBUTES.
  std::span<const uint16_t> unknownRequired() const { return {unknownRequired_.data(), unknownRequiredCount_}; }

  const std::optional<std::string_view>& username() const { return username_; }
  const std::optional<uint32_t>& priority() const { return priority_; }
  bool useCandidate() const { return useCandidate_; }
  const std::optional<uint64_t>& iceControlled() const { return iceControlled_; }    // its tie-breaker
  const std::optional<uint64_t>& iceControlling() const { return iceControlling_; }  // its tie-breaker
  const std::optional<StunAddress>& xorMappedAddress() const { return xorMappedAddress_; }
  const std::optional<StunErrorCode>& errorCode() const { return errorCode_; }
  std::vector<uint16_t> unknownAttributesListed() const;  // the UNKNOWN-ATTRIBUTES of a 420 response

  bool hasIntegrity() const { return integrityOffset_ != 0; }
  bool hasFingerprint() const { return fingerprintOffset_ != 0; }
  // MESSAGE-INTEGRITY matches an HMAC-SHA1 keyed with `key` (for ICE: the ice-pwd of
  // the side that answers), compared in constant time. False without the attribute.
  bool checkIntegrity(std::string_view key) const;
  // FINGERPRINT matches. False without the attribute.
  bool checkFingerprint() const;

 private:
  StunMessage() = default;
  Status readAttribute(const StunAttributeRef& attribute);
  void noteUnknown(uint16_t type);

  std::span<const uint8_t> bytes_;
  uint16_t type_ = 0;
  StunTransactionId transactionId_{};
  std::array<StunAttributeRef, kMaxStunAttributes> attributes_{};
  size_t attributeCount_ = 0;
  std::array<uint16_t, kMaxStunAttributes> unknownRequired_{};
  size_t unknownRequiredCount_ = 0;

  std::optional<std::string_view> username_;
  std::optional<uint32_t> priority_;
  bool useCandidate_ = false;
  std::optional<uint64_t> iceControlled_;
  std::optional<uint64_t> iceControlling_;
  std::optional<StunAddress> xorMappedAddress_;
  std::optional<StunErrorCode> errorCode_;
  std::optional<std::span<const uint8_t>> unknownAttributes_;
  size_t integrityOffset_ = 0;  // of the MESSAGE-INTEGRITY header; 0 without one
  size_t fingerprintOffset_ = 0;
};

// Builds one message: header, attributes in the order added (each zero-padded),
// then MESSAGE-INTEGRITY and FINGERPRINT. An attribute that would take the message
// past 64 KiB is left out.
class StunMessageWriter {
 public:
  StunMessageWriter(uint16_t type, const StunTransactionId& transactionId);

  void addAttribute(uint16_t type, std::span<const uint8_t> value);
  void addString(uint16_t type, std::string_view value);
  void addU32(uint16_t type, uint32_t value);
  void addU64(uint16_t type, uint64_t value);
  void addFlag(uint16_t type);  // an empty value, as USE-CANDIDATE
  void addXorAddress(uint16_t type, const StunAddress& address);
  void addErrorCode(uint16_t code, std::string_view reason);  // a code outside 300..699 is sent as 500
  void addUnknownAttributes(std::span<const uint16_t> types);

  // Appends MESSAGE-INTEGRITY keyed with `integrityKey` when there is one, then
  // FINGERPRINT when asked, and hands the message out. Call once.
  Bytes finish(std::optional<std::string_view> integrityKey, bool fingerprint = true);

 private:
  void setLength(size_t bodySize);

  BytesBuilder builder_;
  StunTransactionId transactionId_;
};

// The reason phrase sent with an error code ("Bad Request" for 400); empty when unknown.
std::string_view stunReasonPhrase(uint16_t code);

// A Binding success response: XOR-MAPPED-ADDRESS (where the request came from),
// MESSAGE-INTEGRITY keyed with `password` (ours: the request was keyed with it),
// FINGERPRINT.
Bytes buildBindingSuccess(const StunTransactionId& transactionId, const StunAddress& mapped, std::string_view password);

// A Binding error response: ERROR-CODE with its reason phrase, UNKNOWN-ATTRIBUTES
// when given (420), MESSAGE-INTEGRITY only with a password (RFC 8489 9.1.3: not on a
// 400 or 401 that refuses the credentials themselves), FINGERPRINT.
Bytes buildBindingError(const StunTransactionId& transactionId, uint16_t code, std::optional<std::string_view> password,
                        std::span<const uint16_t> unknownAttributes = {});

}  // namespace rtsedge::webrtc
