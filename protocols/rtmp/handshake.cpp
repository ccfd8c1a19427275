#include "protocols/rtmp/handshake.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>

#include "relay/bytes.h"

namespace rtsedge::rtmp {

namespace {

constexpr uint8_t kVersion = 3;
constexpr size_t kDigestSize = 32;
constexpr size_t kSchema0Base = 8;    // the digest offset is chosen by bytes 8..11
constexpr size_t kSchema1Base = 772;  // ... or by bytes 772..775
constexpr size_t kOffsetModulus = 728;
constexpr uint32_t kServerVersion = 0x04050001;  // any non-zero version tells clients to look for digests
constexpr uint32_t kClientVersion = 0x09007c02;  // Flash 9.0.124.2, as ffmpeg announces
constexpr uint8_t kKeyTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                  0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                  0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
constexpr std::string_view kPlayerText = "Genuine Adobe Flash Player 001";        // 30 bytes
constexpr std::string_view kServerText = "Genuine Adobe Flash Media Server 001";  // 36 bytes

using Key = std::vector<uint8_t>;
using Digest = std::array<uint8_t, kDigestSize>;

// The text alone signs C1/S1; the text plus the tail derives the C2/S2 key.
Key textKey(std::string_view text, bool withTail) {
  Key key(text.begin(), text.end());
  if (withTail) {
    key.insert(key.end(), std::begin(kKeyTail), std::end(kKeyTail));
  }
  return key;
}

// On an OpenSSL failure the digest stays zero, which validates nothing.
Digest hmac(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &length);
  return out;
}

size_t digestOffset(std::span<const uint8_t> block, size_t base) {
  size_t sum = block[base] + block[base + 1] + block[base + 2] + block[base + 3];
  return sum % kOffsetModulus + base + 4;
}

// The digest over a block with its own digest bytes left out.
Digest blockDigest(std::span<const uint8_t> block, size_t offset, const Key& key) {
  std::array<uint8_t, kHandshakeSize - kDigestSize> rest;
  std::copy_n(block.begin(), offset, rest.begin());
  std::copy(block.begin() + static_cast<ptrdiff_t>(offset + kDigestSize), block.end(),
            rest.begin() + static_cast<ptrdiff_t>(offset));
  return hmac(key, rest);
}

// The schema base whose digest validates, if any.
std::optional<size_t> findDigestSchema(std::span<const uint8_t> block, const Key& key) {
  for (size_t base : {kSchema0Base, kSchema1Base}) {
    size_t offset = digestOffset(block, base);
    Digest expected = blockDigest(block, offset, key);
    if (std::memcmp(expected.data(), block.data() + offset, kDigestSize) == 0) {
      return base;
    }
  }
  return std::nullopt;
}

// The random bytes are padding, not secrets: if RAND_bytes ever failed, the zeros
// left in place would still make a valid handshake.
void fillRandom(std::span<uint8_t> out) {
  (void)RAND_bytes(out.data(), static_cast<int>(out.size()));
}

void putU32(uint8_t* p, uint32_t value) {
  p[0] = static_cast<uint8_t>(value >> 24);
  p[1] = static_cast<uint8_t>(value >> 16);
  p[2] = static_cast<uint8_t>(value >> 8);
  p[3] = static_cast<uint8_t>(value);
}

// Signs a block at the given schema with `key`; returns the digest offset.
size_t signBlock(std::span<uint8_t> block, size_t base, const Key& key) {
  size_t offset = digestOffset(block, base);
  Digest digest = blockDigest(block, offset, key);
  std::copy(digest.begin(), digest.end(), block.begin() + static_cast<ptrdiff_t>(offset));
  return offset;
}

// The signature ending S2/C2 of the complex form: keyed by the peer's digest.
Digest responseSignature(std::span<const uint8_t> block, std::span<const uint8_t> peerDigest, const Key& fullKey) {
  Digest key = hmac(fullKey, peerDigest);
  return hmac(key, block.first(kHandshakeSize - kDigestSize));
}

}  // namespace

Result<bool> ServerHandshake::feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply) {
  consumed = 0;
  if (c0c1Received_ < c0c1_.size()) {
    consumed = std::min(data.size(), c0c1_.size() - c0c1Received_);
    std::copy_n(data.begin(), consumed, c0c1_.begin() + static_cast<ptrdiff_t>(c0c1Received_));
    c0c1Received_ += consumed;
    if (c0c1Received_ > 0 && c0c1_[0] != kVersion) {
      return Error(fmt::format("unsupported RTMP version {} (only 3)", c0c1_[0]));
    }
    if (c0c1Received_ < c0c1_.size()) {
      return false;
    }
    answer(reply);
  }
  size_t take = std::min(data.size() - consumed, kHandshakeSize - c2Received_);
  c2Received_ += take;  // C2 is not checked: clients in the field get it wrong
  consumed += take;
  return c2Received_ == kHandshakeSize;
}

void ServerHandshake::answer(std::vector<uint8_t>& reply) {
  std::span<const uint8_t> c1(c0c1_.data() + 1, kHandshakeSize);
  std::optional<size_t> schema = findDigestSchema(c1, textKey(kPlayerText, false));
  complex_ = schema.has_value();
  size_t start = reply.size();
  reply.resize(start + 1 + 2 * kHandshakeSize);
  reply[start] = kVersion;
  std::span<uint8_t> s1(reply.data() + start + 1, kHandshakeSize);
  std::span<uint8_t> s2(reply.data() + start + 1 + kHandshakeSize, kHandshakeSize);
  fillRandom(s1);
  putU32(s1.data(), static_cast<uint32_t>(std::time(nullptr)));
  if (!complex_) {
    putU32(s1.data() + 4, 0);  // version 0 tells clients not to look for digests
    std::copy(c1.begin(), c1.end(), s2.begin());
    return;
  }
  putU32(s1.data() + 4, kServerVersion);
  signBlock(s1, *schema, textKey(kServerText, false));  // the client's schema, as SRS answers
  fillRandom(s2);
  Digest signature =
      responseSignature(s2, c1.subspan(digestOffset(c1, *schema), kDigestSize), textKey(kServerText, true));
  std::copy(signature.begin(), signature.end(), s2.end() - kDigestSize);
}

std::vector<uint8_t> ClientHandshake::start() {
  fillRandom(c1_);
  putU32(c1_.data(), 0);
  putU32(c1_.data() + 4, complex_ ? kClientVersion : 0);
  if (complex_) {
    c1DigestOffset_ = signBlock(c1_, kSchema0Base, textKey(kPlayerText, false));
  }
  std::vector<uint8_t> out(1 + kHandshakeSize);
  out[0] = kVersion;
  std::copy(c1_.begin(), c1_.end(), out.begin() + 1);
  return out;
}

Result<bool> ClientHandshake::feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply) {
  constexpr size_t kS1End = 1 + kHandshakeSize;
  bool s1WasIn = received_ >= kS1End;
  bool wasDone = received_ == s0s1s2_.size();
  consumed = std::min(data.size(), s0s1s2_.size() - received_);
  std::copy_n(data.begin(), consumed, s0s1s2_.begin() + static_cast<ptrdiff_t>(received_));
  received_ += consumed;
  if (wasDone) {
    return true;
  }
  if (received_ > 0 && s0s1s2_[0] != kVersion) {
    return Error(fmt::format("server answered RTMP version {}", s0s1s2_[0]));
  }
  if (!s1WasIn && received_ >= kS1End) {
    if (Status status = answerS1(reply); !status) {
      return status.error();
    }
  }
  if (received_ < s0s1s2_.size()) {
    return false;
  }
  if (Status status = checkS2(); !status) {
    return status.error();
  }
  return true;
}

Status ClientHandshake::answerS1(std::vector<uint8_t>& reply) {
  std::span<const uint8_t> s1(s0s1s2_.data() + 1, kHandshakeSize);
  size_t start = reply.size();
  serverComplex_ = complex_ && loadU32(s1.data() + 4) != 0;
  if (!serverComplex_) {
    reply.insert(reply.end(), s1.begin(), s1.end());  // the simple form: echo S1
    return Status::ok();
  }
  std::optional<size_t> schema = findDigestSchema(s1, textKey(kServerText, false));
  if (!schema) {
    return Error("server S1 digest does not validate");
  }
  reply.resize(start + kHandshakeSize);
  std::span<uint8_t> c2(reply.data() + start, kHandshakeSize);
  fillRandom(c2);
  Digest signature =
      responseSignature(c2, s1.subspan(digestOffset(s1, *schema), kDigestSize), textKey(kPlayerText, true));
  std::copy(signature.begin(), signature.end(), c2.end() - kDigestSize);
  return Status::ok();
}

// ffmpeg checks S2 the same way; a server that signs S1 but not S2 is broken.
Status ClientHandshake::checkS2() const {
  if (!serverComplex_) {
    return Status::ok();
  }
  std::span<const uint8_t> s2(s0s1s2_.data() + 1 + kHandshakeSize, kHandshakeSize);
  Digest expected =
      responseSignature(s2, std::span(c1_).subspan(c1DigestOffset_, kDigestSize), textKey(kServerText, true));
  if (std::memcmp(expected.data(), s2.data() + kHandshakeSize - kDigestSize, kDigestSize) != 0) {
    return Error("server S2 signature does not validate");
  }
  return Status::ok();
}

}  // namespace rtsedge::rtmp
