#include "protocols/webrtc/ice/stun_message.h"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <utility>

#include "protocols/webrtc/ice/stun_crc32.h"

namespace rtsedge::webrtc {

namespace {

constexpr uint8_t kFamilyIpv4 = 0x01;
constexpr uint8_t kFamilyIpv6 = 0x02;
constexpr size_t kAttributeHeaderSize = 4;
constexpr size_t kFingerprintAttributeSize = 8;
constexpr size_t kIntegrityAttributeSize = kAttributeHeaderSize + kStunIntegritySize;
// The largest body whose length fits the header, leaving room for the two trailers.
constexpr size_t kMaxWriterBody = 0xFFFC - kIntegrityAttributeSize - kFingerprintAttributeSize;

using Sha1 = std::array<uint8_t, kStunIntegritySize>;

size_t padded(size_t length) {
  return (length + 3) & ~size_t{3};
}

uint64_t loadU64(const uint8_t* p) {
  return (static_cast<uint64_t>(loadU32(p)) << 32) | loadU32(p + 4);
}

// The bytes an address is xored with: the magic cookie, then the transaction id.
std::array<uint8_t, 16> xorKey(const StunTransactionId& transactionId) {
  std::array<uint8_t, 16> key{0x21, 0x12, 0xA4, 0x42};
  std::copy(transactionId.begin(), transactionId.end(), key.begin() + 4);
  return key;
}

// HMAC-SHA1 over the concatenated parts; nullopt when OpenSSL fails, so that a
// failure can never compare equal to anything.
std::optional<Sha1> hmacSha1(std::string_view key, std::initializer_list<std::span<const uint8_t>> parts) {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // fetched once, kept for the process
  if (mac == nullptr) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> context(EVP_MAC_CTX_new(mac), EVP_MAC_CTX_free);
  if (!context) {
    return std::nullopt;
  }
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  static const uint8_t kNoKey = 0;  // a null key would mean "keep the previous key"
  const auto* keyData = key.empty() ? &kNoKey : reinterpret_cast<const uint8_t*>(key.data());
  if (EVP_MAC_init(context.get(), keyData, key.size(), params) != 1) {
    return std::nullopt;
  }
  for (std::span<const uint8_t> part : parts) {
    if (EVP_MAC_update(context.get(), part.data(), part.size()) != 1) {
      return std::nullopt;
    }
  }
  Sha1 out{};
  size_t length = 0;
  if (EVP_MAC_final(context.get(), out.data(), &length, out.size()) != 1 || length != out.size()) {
    return std::nullopt;
  }
  return out;
}

Result<StunAddress> readXorAddress(std::span<const uint8_t> value, const StunTransactionId& transactionId) {
  if (value.size() < 4) {
    return Error(fmt::format("XOR-MAPPED-ADDRESS of {} bytes", value.size()));
  }
  StunAddress address;
  uint8_t family = value[1];
  if (family == kFamilyIpv4 && value.size() == 8) {
    address.ipv6 = false;
  } else if (family == kFamilyIpv6 && value.size() == 20) {
    address.ipv6 = true;
  } else {
    return Error(fmt::format("XOR-MAPPED-ADDRESS of family {} and {} bytes", family, value.size()));
  }
  address.port = static_cast<uint16_t>(loadU16(value.data() + 2) ^ (kStunMagicCookie >> 16));
  std::array<uint8_t, 16> key = xorKey(transactionId);
  for (size_t i = 0; i < value.size() - 4; ++i) {
    address.ip[i] = value[4 + i] ^ key[i];
  }
  return address;
}

Result<StunErrorCode> readErrorCode(std::span<const uint8_t> value) {
  if (value.size() < 4 || value.size() - 4 > kMaxStunReasonSize) {
    return Error(fmt::format("ERROR-CODE of {} bytes", value.size()));
  }
  unsigned errorClass = value[2] & 0x07;
  unsigned number = value[3];
  if (errorClass < 3 || errorClass > 6 || number > 99) {
    return Error(fmt::format("ERROR-CODE class {} number {}", errorClass, number));
  }
  return StunErrorCode{static_cast<uint16_t>(errorClass * 100 + number),
                       std::string_view(reinterpret_cast<const char*>(value.data() + 4), value.size() - 4)};
}

Result<std::string_view> readUsername(std::span<const uint8_t> value) {
  if (value.size() > kMaxStunUsernameSize) {
    return Error(fmt::format("USERNAME of {} bytes", value.size()));
  }
  return std::string_view(reinterpret_cast<const char*>(value.data()), value.size());
}

Result<std::span<const uint8_t>> readUnknownAttributes(std::span<const uint8_t> value) {
  if (value.size() % 2 != 0) {
    return Error(fmt::format("UNKNOWN-ATTRIBUTES of {} bytes", value.size()));
  }
  return value;
}

// Of an attribute given more than once, the first counts; every one must be well-formed.
template <class T>
Status keepFirst(std::optional<T>& slot, Result<T> value) {
  if (!value) {
    return value.error();
  }
  if (!slot) {
    slot = std::move(*value);
  }
  return Status::ok();
}

// The fixed size of a known attribute's value; 0 for the variable ones.
size_t fixedSize(uint16_t type) {
  switch (type) {
    case kStunAttrMessageIntegrity:
      return kStunIntegritySize;
    case kStunAttrFingerprint:
    case kStunAttrPriority:
      return 4;
    case kStunAttrIceControlled:
    case kStunAttrIceControlling:
      return 8;
    default:
      return 0;
  }
}

}  // namespace

std::optional<StunAddress> StunAddress::fromSockaddr(const sockaddr* address) {
  StunAddress out;
  if (address->sa_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(out.ip.data(), &in4->sin_addr, 4);
    out.port = ntohs(in4->sin_port);
    return out;
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    out.port = ntohs(in6->sin6_port);
    std::array<uint8_t, 16> ip{};
    std::memcpy(ip.data(), &in6->sin6_addr, ip.size());
    constexpr std::array<uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), ip.begin())) {
      std::copy_n(ip.begin() + 12, 4, out.ip.begin());
      return out;
    }
    out.ipv6 = true;
    out.ip = ip;
    return out;
  }
  return std::nullopt;
}

sockaddr_storage StunAddress::toSockaddr() const {
  sockaddr_storage storage{};
  if (ipv6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, ip.data(), 16);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    std::memcpy(&in4->sin_addr, ip.data(), 4);
  }
  return storage;
}

Result<StunMessage> StunMessage::parse(std::span<const uint8_t> data) {
  if (data.size() < kStunHeaderSize) {
    return Error(fmt::format("{} bytes, shorter than a STUN header", data.size()));
  }
  if ((data[0] & 0xC0) != 0 || loadU32(data.data() + 4) != kStunMagicCookie) {
    return Error("not a STUN header");
  }
  size_t length = loadU16(data.data() + 2);
  if (length % 4 != 0) {
    return Error(fmt::format("STUN length {} is not a multiple of 4", length));
  }
  if (length != data.size() - kStunHeaderSize) {
    return Error(fmt::format("STUN length {} but {} bytes after the header", length, data.size() - kStunHeaderSize));
  }
  StunMessage message;
  message.bytes_ = data;
  message.type_ = loadU16(data.data());
  std::copy_n(data.begin() + 8, message.transactionId_.size(), message.transactionId_.begin());
  size_t offset = kStunHeaderSize;
  while (offset < data.size()) {
    StunAttributeRef attribute{loadU16(data.data() + offset), loadU16(data.data() + offset + 2),
                               static_cast<uint32_t>(offset)};
    if (attribute.paddedSize() > data.size() - offset) {
      return Error(fmt::format("STUN attribute 0x{:04x} of {} bytes overruns the message", attribute.type,
                               attribute.length));
    }
    if (message.fingerprintOffset_ != 0) {
      return Error(fmt::format("STUN attribute 0x{:04x} after FINGERPRINT", attribute.type));
    }
    if (message.integrityOffset_ != 0 && attribute.type != kStunAttrFingerprint) {
      return Error(fmt::format("STUN attribute 0x{:04x} after MESSAGE-INTEGRITY", attribute.type));
    }
    if (message.attributeCount_ == kMaxStunAttributes) {
      return Error(fmt::format("more than {} STUN attributes", kMaxStunAttributes));
    }
    message.attributes_[message.attributeCount_++] = attribute;
    if (Status status = message.readAttribute(attribute); !status) {
      return status.error();
    }
    offset += attribute.paddedSize();
  }
  return message;
}

Status StunMessage::readAttribute(const StunAttributeRef& attribute) {
  std::span<const uint8_t> value = bytes_.subspan(attribute.offset + kAttributeHeaderSize, attribute.length);
  size_t fixed = fixedSize(attribute.type);
  if (fixed != 0 && value.size() != fixed) {
    return Error(fmt::format("STUN attribute 0x{:04x} of {} bytes, not {}", attribute.type, value.size(), fixed));
  }
  switch (attribute.type) {
    case kStunAttrUsername:
      return keepFirst(username_, readUsername(value));
    case kStunAttrMessageIntegrity:
      integrityOffset_ = attribute.offset;
      return Status::ok();
    case kStunAttrFingerprint:
      fingerprintOffset_ = attribute.offset;
      return Status::ok();
    case kStunAttrPriority:
      return keepFirst(priority_, Result<uint32_t>(loadU32(value.data())));
    case kStunAttrUseCandidate:
      if (!value.empty()) {
        return Error(fmt::format("USE-CANDIDATE of {} bytes", value.size()));
      }
      useCandidate_ = true;
      return Status::ok();
    case kStunAttrIceControlled:
      return keepFirst(iceControlled_, Result<uint64_t>(loadU64(value.data())));
    case kStunAttrIceControlling:
      return keepFirst(iceControlling_, Result<uint64_t>(loadU64(value.data())));
    case kStunAttrXorMappedAddress:
      return keepFirst(xorMappedAddress_, readXorAddress(value, transactionId_));
    case kStunAttrErrorCode:
      return keepFirst(errorCode_, readErrorCode(value));
    case kStunAttrUnknownAttributes:
      return keepFirst(unknownAttributes_, readUnknownAttributes(value));
    default:
      if (attribute.type < 0x8000) {
        noteUnknown(attribute.type);
      }
      return Status::ok();
  }
}

void StunMessage::noteUnknown(uint16_t type) {
  auto known = std::span(unknownRequired_.data(), unknownRequiredCount_);
  if (std::find(known.begin(), known.end(), type) == known.end()) {
    unknownRequired_[unknownRequiredCount_++] = type;  // fewer than attributes, so it fits
  }
}

uint16_t StunMessage::method() const {
  return static_cast<uint16_t>((type_ & 0x000F) | ((type_ >> 1) & 0x0070) | ((type_ >> 2) & 0x0F80));
}

StunClass StunMessage::messageClass() const {
  return static_cast<StunClass>(((type_ >> 4) & 1) | ((type_ >> 7) & 2));
}

std::vector<uint16_t> StunMessage::unknownAttributesListed() const {
  std::vector<uint16_t> types;
  if (unknownAttributes_) {
    for (size_t i = 0; i + 1 < unknownAttributes_->size(); i += 2) {
      types.push_back(loadU16(unknownAttributes_->data() + i));
    }
  }
  return types;
}

bool StunMessage::checkIntegrity(std::string_view key) const {
  if (integrityOffset_ == 0) {
    return false;
  }
  // The HMAC covers the message up to the attribute, with a length that ends there.
  size_t length = integrityOffset_ - kStunHeaderSize + kIntegrityAttributeSize;
  const uint8_t lengthField[2] = {static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
  std::optional<Sha1> expected =
      hmacSha1(key, {bytes_.first(2), lengthField, bytes_.subspan(4, integrityOffset_ - 4)});
  return expected &&
         CRYPTO_memcmp(expected->data(), bytes_.data() + integrityOffset_ + kAttributeHeaderSize, expected->size()) == 0;
}

bool StunMessage::checkFingerprint() const {
  if (fingerprintOffset_ == 0) {
    return false;
  }
  // FINGERPRINT is last, so the header's length already ends with it.
  uint32_t expected = crc32Ieee(bytes_.first(fingerprintOffset_)) ^ kStunFingerprintXor;
  return loadU32(bytes_.data() + fingerprintOffset_ + kAttributeHeaderSize) == expected;
}

StunMessageWriter::StunMessageWriter(uint16_t type, const StunTransactionId& transactionId)
    : builder_(128), transactionId_(transactionId) {
  builder_.appendU16(type);
  builder_.appendU16(0);  // set by finish()
  builder_.appendU32(kStunMagicCookie);
  builder_.append(transactionId);
}

void StunMessageWriter::addAttribute(uint16_t type, std::span<const uint8_t> value) {
  size_t body = builder_.size() - kStunHeaderSize;
  if (value.size() > kMaxWriterBody || body + kAttributeHeaderSize + padded(value.size()) > kMaxWriterBody) {
    return;
  }
  builder_.appendU16(type);
  builder_.appendU16(static_cast<uint16_t>(value.size()));
  builder_.append(value);
  for (size_t i = value.size(); i < padded(value.size()); ++i) {
    builder_.appendByte(0);
  }
}

void StunMessageWriter::addString(uint16_t type, std::string_view value) {
  addAttribute(type, std::span(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
}

void StunMessageWriter::addU32(uint16_t type, uint32_t value) {
  const uint8_t bytes[4] = {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                            static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
  addAttribute(type, bytes);
}

void StunMessageWriter::addU64(uint16_t type, uint64_t value) {
  std::array<uint8_t, 8> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(value >> (56 - 8 * i));
  }
  addAttribute(type, bytes);
}

void StunMessageWriter::addFlag(uint16_t type) {
  addAttribute(type, {});
}

void StunMessageWriter::addXorAddress(uint16_t type, const StunAddress& address) {
  std::array<uint8_t, 20> value{};
  value[1] = address.ipv6 ? kFamilyIpv6 : kFamilyIpv4;
  uint16_t port = address.port ^ static_cast<uint16_t>(kStunMagicCookie >> 16);
  value[2] = static_cast<uint8_t>(port >> 8);
  value[3] = static_cast<uint8_t>(port);
  size_t ipSize = address.ipv6 ? 16 : 4;
  std::array<uint8_t, 16> key = xorKey(transactionId_);
  for (size_t i = 0; i < ipSize; ++i) {
    value[4 + i] = address.ip[i] ^ key[i];
  }
  addAttribute(type, std::span(value).first(4 + ipSize));
}

void StunMessageWriter::addErrorCode(uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699) {
    code = 500;
  }
  reason = reason.substr(0, kMaxStunReasonSize);
  std::array<uint8_t, 4 + kMaxStunReasonSize> value{};
  value[2] = static_cast<uint8_t>(code / 100);
  value[3] = static_cast<uint8_t>(code % 100);
  std::copy(reason.begin(), reason.end(), value.begin() + 4);
  addAttribute(kStunAttrErrorCode, std::span(value).first(4 + reason.size()));
}

void StunMessageWriter::addUnknownAttributes(std::span<const uint16_t> types) {
  std::vector<uint8_t> value;
  value.reserve(types.size() * 2);
  for (uint16_t type : types) {
    value.push_back(static_cast<uint8_t>(type >> 8));
    value.push_back(static_cast<uint8_t>(type));
  }
  addAttribute(kStunAttrUnknownAttributes, value);
}

void StunMessageWriter::setLength(size_t bodySize) {
  builder_.mutableData()[2] = static_cast<uint8_t>(bodySize >> 8);
  builder_.mutableData()[3] = static_cast<uint8_t>(bodySize);
}

Bytes StunMessageWriter::finish(std::optional<std::string_view> integrityKey, bool fingerprint) {
  if (integrityKey) {
    setLength(builder_.size() - kStunHeaderSize + kIntegrityAttributeSize);
    // On an OpenSSL failure the value stays zero, which validates nothing.
    Sha1 mac = hmacSha1(*integrityKey, {std::span<const uint8_t>(builder_.mutableData(), builder_.size())})
                   .value_or(Sha1{});
    builder_.appendU16(kStunAttrMessageIntegrity);
    builder_.appendU16(kStunIntegritySize);
    builder_.append(mac);
  }
  if (fingerprint) {
    setLength(builder_.size() - kStunHeaderSize + kFingerprintAttributeSize);
    uint32_t crc = crc32Ieee(std::span<const uint8_t>(builder_.mutableData(), builder_.size())) ^ kStunFingerprintXor;
    builder_.appendU16(kStunAttrFingerprint);
    builder_.appendU16(4);
    builder_.appendU32(crc);
  }
  setLength(builder_.size() - kStunHeaderSize);
  return builder_.freeze();
}

std::string_view stunReasonPhrase(uint16_t code) {
  switch (code) {
    case 300:
      return "Try Alternate";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 420:
      return "Unknown Attribute";
    case 438:
      return "Stale Nonce";
    case 487:
      return "Role Conflict";
    case 500:
      return "Server Error";
    default:
      return {};
  }
}

Bytes buildBindingSuccess(const StunTransactionId& transactionId, const StunAddress& mapped, std::string_view password) {
  StunMessageWriter writer(stunMessageType(kStunMethodBinding, StunClass::kSuccessResponse), transactionId);
  writer.addXorAddress(kStunAttrXorMappedAddress, mapped);
  return writer.finish(password);
}

Bytes buildBindingError(const StunTransactionId& transactionId, uint16_t code, std::optional<std::string_view> password,
                        std::span<const uint16_t> unknownAttributes) {
  StunMessageWriter writer(stunMessageType(kStunMethodBinding, StunClass::kErrorResponse), transactionId);
  writer.addErrorCode(code, stunReasonPhrase(code));
  if (!unknownAttributes.empty()) {
    writer.addUnknownAttributes(unknownAttributes);
  }
  return writer.finish(password);
}

}  // namespace rtsedge::webrtc
