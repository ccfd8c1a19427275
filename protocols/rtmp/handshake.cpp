#include "protocols/rtmp/handshake.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <optional>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace rtsedge::rtmp {

namespace {

constexpr uint8_t kVersion = 3;
constexpr size_t kDigestSize = 32;
constexpr uint8_t kKeyTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                  0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                  0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
constexpr std::string_view kPlayerText = "Genuine Adobe Flash Player 001";       // 30 bytes
constexpr std::string_view kServerText = "Genuine Adobe Flash Media Server 001";  // 36 bytes

using Key = std::vector<uint8_t>;
using Digest = std::array<uint8_t, kDigestSize>;

// The short key signs C1/S1; the full key (text + tail) derives the C2/S2 key.
Key textKey(std::string_view text, bool withTail) {
  Key key(text.begin(), text.end());
  if (withTail) {
    key.insert(key.end(), std::begin(kKeyTail), std::end(kKeyTail));
  }
  return key;
}

Digest hmac(std::span<const uint8_t> key, std::span<const uint8_t> first, std::span<const uint8_t> second = {}) {
  Digest out{};
  size_t length = 0;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* context = EVP_MAC_CTX_new(mac);
  char digestName[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digestName, 0), OSSL_PARAM_construct_end()};
  EVP_MAC_init(context, key.data(), key.size(), params);
  EVP_MAC_update(context, first.data(), first.size());
  if (!second.empty()) {
    EVP_MAC_update(context, second.data(), second.size());
  }
  EVP_MAC_final(context, out.data(), &length, out.size());
  EVP_MAC_CTX_free(context);
  EVP_MAC_free(mac);
  return out;
}

// Schema 0 puts the digest after the time/version words (offset base 8), schema 1
// in the second half (offset base 772); the four bytes at the base pick the spot.
size_t digestOffset(std::span<const uint8_t> block, size_t base) {
  size_t sum = block[base] + block[base + 1] + block[base + 2] + block[base + 3];
  return sum % 728 + base + 4;
}

// The digest over a block with its own digest bytes left out.
Digest blockDigest(std::span<const uint8_t> block, size_t offset, const Key& key) {
  return hmac(key, block.first(offset), block.subspan(offset + kDigestSize));
}

std::optional<size_t> findValidDigest(std::span<const uint8_t> block, const Key& key) {
  for (size_t base : {size_t{772}, size_t{8}}) {
    size_t offset = digestOffset(block, base);
    Digest expected = blockDigest(block, offset, key);
    if (std::memcmp(expected.data(), block.data() + offset, kDigestSize) == 0) {
      return offset;
    }
  }
  return std::nullopt;
}

void fillRandom(std::span<uint8_t> out) { RAND_bytes(out.data(), static_cast<int>(out.size())); }

void putU32(uint8_t* p, uint32_t value) {
  p[0] = static_cast<uint8_t>(value >> 24);
  p[1] = static_cast<uint8_t>(value >> 16);
  p[2] = static_cast<uint8_t>(value >> 8);
  p[3] = static_cast<uint8_t>(value);
}

// A block signed at schema-0 offsets with `key`; returns the digest offset.
size_t signBlock(std::span<uint8_t> block, const Key& key) {
  size_t offset = digestOffset(block, 8);
  Digest digest = blockDigest(block, offset, key);
  std::copy(digest.begin(), digest.end(), block.begin() + static_cast<ptrdiff_t>(offset));
  return offset;
}

// S2/C2 of the complex form: random bytes whose last 32 are an HMAC keyed by the
// peer's digest.
void signResponse(std::span<uint8_t> block, std::span<const uint8_t> peerDigest, const Key& fullKey) {
  Digest key = hmac(fullKey, peerDigest);
  Digest signature = hmac(key, block.first(kHandshakeSize - kDigestSize));
  std::copy(signature.begin(), signature.end(), block.end() - kDigestSize);
}

}  // namespace

Result<bool> ServerHandshake::feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply) {
  consumed = 0;
  if (!answered_) {
    size_t take = std::min(data.size(), 1 + kHandshakeSize - c0c1_.size());
    c0c1_.insert(c0c1_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(take));
    consumed += take;
    if (!c0c1_.empty() && c0c1_[0] != kVersion) {
      return Error(fmt::format("unsupported RTMP version {} (only 3)", c0c1_[0]));
    }
    if (c0c1_.size() < 1 + kHandshakeSize) {
      return false;
    }
    answer(reply);
    answered_ = true;
    c0c1_.clear();
    c0c1_.shrink_to_fit();
  }
  size_t take = std::min(data.size() - consumed, kHandshakeSize - c2Received_);
  c2Received_ += take;  // C2 is not checked: clients in the field get it wrong
  consumed += take;
  return c2Received_ == kHandshakeSize;
}

void ServerHandshake::answer(std::vector<uint8_t>& reply) {
  std::span<const uint8_t> c1(c0c1_.data() + 1, kHandshakeSize);
  std::optional<size_t> clientDigest = findValidDigest(c1, textKey(kPlayerText, false));
  complex_ = clientDigest.has_value();
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
  putU32(s1.data() + 4, 0x04050001);
  signBlock(s1, textKey(kServerText, false));
  fillRandom(s2);
  signResponse(s2, c1.subspan(*clientDigest, kDigestSize), textKey(kServerText, true));
}

std::vector<uint8_t> ClientHandshake::start() {
  fillRandom(c1_);
  putU32(c1_.data(), 0);
  putU32(c1_.data() + 4, complex_ ? 0x09007c02 : 0);  // Flash 9.0.124.2, as ffmpeg announces
  if (complex_) {
    c1DigestOffset_ = signBlock(c1_, textKey(kPlayerText, false));
  }
  std::vector<uint8_t> out(1 + kHandshakeSize);
  out[0] = kVersion;
  std::copy(c1_.begin(), c1_.end(), out.begin() + 1);
  return out;
}

Result<bool> ClientHandshake::feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply) {
  size_t take = std::min(data.size(), 1 + 2 * kHandshakeSize - s0s1s2_.size());
  s0s1s2_.insert(s0s1s2_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(take));
  consumed = take;
  if (!s0s1s2_.empty() && s0s1s2_[0] != kVersion) {
    return Error(fmt::format("server answered RTMP version {}", s0s1s2_[0]));
  }
  if (s0s1s2_.size() < 1 + 2 * kHandshakeSize) {
    return false;
  }
  std::span<const uint8_t> s1(s0s1s2_.data() + 1, kHandshakeSize);
  std::span<const uint8_t> s2(s0s1s2_.data() + 1 + kHandshakeSize, kHandshakeSize);
  std::array<uint8_t, kHandshakeSize> c2{};
  if (!complex_ || s1[4] == 0) {
    std::copy(s1.begin(), s1.end(), c2.begin());  // the simple form: echo S1
  } else {
    std::optional<size_t> serverDigest = findValidDigest(s1, textKey(kServerText, false));
    if (!serverDigest) {
      return Error("server S1 digest does not validate");
    }
    Digest key = hmac(textKey(kServerText, true), std::span(c1_).subspan(c1DigestOffset_, kDigestSize));
    Digest expected = hmac(key, s2.first(kHandshakeSize - kDigestSize));
    if (std::memcmp(expected.data(), s2.data() + kHandshakeSize - kDigestSize, kDigestSize) != 0) {
      return Error("server S2 signature does not validate");
    }
    fillRandom(c2);
    signResponse(c2, s1.subspan(*serverDigest, kDigestSize), textKey(kPlayerText, true));
  }
  reply.insert(reply.end(), c2.begin(), c2.end());
  return true;
}

}  // namespace rtsedge::rtmp
