#include "protocols/rtmp/handshake.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string_view>

namespace rtsedge::rtmp {
namespace {

using Block = std::vector<uint8_t>;

// An independent rendering of the complex form, to check the server's bytes
// without trusting our own client.
constexpr uint8_t kTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                               0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                               0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

Block key(std::string_view text, bool withTail) {
  Block out(text.begin(), text.end());
  if (withTail) {
    out.insert(out.end(), std::begin(kTail), std::end(kTail));
  }
  return out;
}

Block hmacSha256(const Block& k, const Block& data) {
  Block out(32);
  unsigned int length = 0;
  HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), data.data(), data.size(), out.data(), &length);
  return out;
}

size_t offsetAt(const Block& block, size_t base) {
  return (block[base] + block[base + 1] + block[base + 2] + block[base + 3]) % 728 + base + 4;
}

Block withoutDigest(const Block& block, size_t offset) {
  Block out(block.begin(), block.begin() + static_cast<ptrdiff_t>(offset));
  out.insert(out.end(), block.begin() + static_cast<ptrdiff_t>(offset + 32), block.end());
  return out;
}

bool digestValidates(const Block& block, size_t base, const Block& k) {
  size_t offset = offsetAt(block, base);
  return std::equal(block.begin() + static_cast<ptrdiff_t>(offset), block.begin() + static_cast<ptrdiff_t>(offset + 32),
                    hmacSha256(k, withoutDigest(block, offset)).begin());
}

// A C1 as a Flash player signs it, at the given schema base (8 or 772).
Block flashC1(size_t base) {
  std::mt19937 random(static_cast<unsigned>(base));
  Block c1(kHandshakeSize);
  std::generate(c1.begin(), c1.end(), [&] { return static_cast<uint8_t>(random()); });
  c1[4] = 10;  // a non-zero player version
  size_t offset = offsetAt(c1, base);
  Block digest = hmacSha256(key("Genuine Adobe Flash Player 001", false), withoutDigest(c1, offset));
  std::copy(digest.begin(), digest.end(), c1.begin() + static_cast<ptrdiff_t>(offset));
  return c1;
}

struct ServerReply {
  Block s1;
  Block s2;
};

ServerReply answerTo(ServerHandshake& server, const Block& c1) {
  Block c0c1{3};
  c0c1.insert(c0c1.end(), c1.begin(), c1.end());
  std::vector<uint8_t> reply;
  size_t consumed = 0;
  auto done = server.feed(c0c1, consumed, reply);
  REQUIRE(done);
  CHECK_FALSE(*done);
  CHECK(consumed == c0c1.size());
  REQUIRE(reply.size() == 1 + 2 * kHandshakeSize);
  CHECK(reply[0] == 3);
  return {Block(reply.begin() + 1, reply.begin() + 1 + kHandshakeSize),
          Block(reply.begin() + 1 + kHandshakeSize, reply.end())};
}

TEST_CASE("the server answers a Flash C1 of either schema in the complex form, in the same schema") {
  for (size_t base : {size_t{8}, size_t{772}}) {
    CAPTURE(base);
    Block c1 = flashC1(base);
    ServerHandshake server;
    ServerReply reply = answerTo(server, c1);
    CHECK(server.complex());
    CHECK(digestValidates(reply.s1, base, key("Genuine Adobe Flash Media Server 001", false)));
    Block clientDigest(c1.begin() + static_cast<ptrdiff_t>(offsetAt(c1, base)),
                       c1.begin() + static_cast<ptrdiff_t>(offsetAt(c1, base) + 32));
    Block s2Key = hmacSha256(key("Genuine Adobe Flash Media Server 001", true), clientDigest);
    Block signature = hmacSha256(s2Key, Block(reply.s2.begin(), reply.s2.end() - 32));
    CHECK(std::equal(signature.begin(), signature.end(), reply.s2.end() - 32));
  }
}

TEST_CASE("the server answers a C1 without a valid digest in the simple form") {
  Block c1 = flashC1(8);
  c1[200] ^= 1;  // flipping any byte outside the offset bytes breaks the digest
  ServerHandshake server;
  ServerReply reply = answerTo(server, c1);
  CHECK_FALSE(server.complex());
  CHECK(reply.s2 == c1);  // S2 echoes C1
  CHECK(std::all_of(reply.s1.begin() + 4, reply.s1.begin() + 8, [](uint8_t b) { return b == 0; }));
}

// Runs our client against the server; `split` cuts each direction's bytes in two.
void handshake(bool complex, size_t split) {
  ClientHandshake client(complex);
  ServerHandshake server;
  std::vector<uint8_t> toServer = client.start();
  std::vector<uint8_t> toClient;
  size_t consumed = 0;
  size_t cut = std::min(split, toServer.size());
  auto first = server.feed(std::span(toServer).first(cut), consumed, toClient);
  REQUIRE(first);
  REQUIRE(consumed == cut);
  auto second = server.feed(std::span(toServer).subspan(cut), consumed, toClient);
  REQUIRE(second);
  REQUIRE(consumed == toServer.size() - cut);
  REQUIRE(toClient.size() == 1 + 2 * kHandshakeSize);

  std::vector<uint8_t> c2;
  cut = std::min(split, toClient.size());
  auto clientFirst = client.feed(std::span(toClient).first(cut), consumed, c2);
  REQUIRE(clientFirst);
  CHECK(c2.size() == (cut >= 1 + kHandshakeSize ? kHandshakeSize : 0));  // C2 as soon as S1 is in
  auto clientDone = client.feed(std::span(toClient).subspan(cut), consumed, c2);
  REQUIRE(clientDone);
  REQUIRE(*clientDone);
  REQUIRE(c2.size() == kHandshakeSize);

  c2.insert(c2.end(), {0xAA, 0xBB});  // the first chunk bytes, right behind C2
  auto serverDone = server.feed(c2, consumed, toClient);
  REQUIRE(serverDone);
  CHECK(*serverDone);
  CHECK(consumed == kHandshakeSize);  // the trailing bytes are left for the chunk reader
  CHECK(server.complex() == complex);
  CHECK(toClient.size() == 1 + 2 * kHandshakeSize);  // answered once
}

TEST_CASE("our client against the server, both forms, split at every byte") {
  for (bool complex : {false, true}) {
    for (size_t split = 0; split <= 1 + 2 * kHandshakeSize; ++split) {
      CAPTURE(complex);
      CAPTURE(split);
      handshake(complex, split);
    }
  }
}

TEST_CASE("one byte at a time, and everything in one buffer") {
  ClientHandshake client(true);
  ServerHandshake server;
  std::vector<uint8_t> c0c1 = client.start();
  std::vector<uint8_t> reply;
  for (uint8_t byte : c0c1) {
    size_t consumed = 0;
    auto done = server.feed(std::span(&byte, 1), consumed, reply);
    REQUIRE(done);
    CHECK(consumed == 1);
  }
  std::vector<uint8_t> c2;
  bool done = false;
  for (uint8_t byte : reply) {
    size_t consumed = 0;
    auto result = client.feed(std::span(&byte, 1), consumed, c2);
    REQUIRE(result);
    done = *result;
  }
  CHECK(done);
  size_t consumed = 0;
  auto again = client.feed(reply, consumed, c2);  // fed after it is done: takes nothing, sends nothing
  REQUIRE(again);
  CHECK(*again);
  CHECK(consumed == 0);
  CHECK(c2.size() == kHandshakeSize);

  ServerHandshake pipelined;
  std::vector<uint8_t> all = ClientHandshake(false).start();
  all.resize(all.size() + kHandshakeSize + 3, 0x55);  // C2 and three chunk bytes
  std::vector<uint8_t> out;
  auto finished = pipelined.feed(all, consumed, out);
  REQUIRE(finished);
  CHECK(*finished);
  CHECK(consumed == 1 + 2 * kHandshakeSize);
  CHECK(out.size() == 1 + 2 * kHandshakeSize);
}

TEST_CASE("a bad RTMP version is refused at once") {
  ServerHandshake server;
  std::vector<uint8_t> reply;
  size_t consumed = 0;
  std::vector<uint8_t> c0{6};  // RTMPE
  auto result = server.feed(c0, consumed, reply);
  REQUIRE_FALSE(result);
  CHECK(result.error().message().find("version 6") != std::string::npos);
  CHECK(reply.empty());

  ClientHandshake client(false);
  client.start();
  std::vector<uint8_t> s0{0x03 ^ 0xff};
  auto answered = client.feed(s0, consumed, reply);
  REQUIRE_FALSE(answered);
  CHECK(answered.error().message().find("version") != std::string::npos);
}

TEST_CASE("a complex client rejects a server whose S1 digest or S2 signature is wrong") {
  for (size_t corrupt : {size_t{1 + 100}, size_t{1 + kHandshakeSize + 100}}) {
    CAPTURE(corrupt);
    ClientHandshake client(true);
    ServerHandshake server;
    std::vector<uint8_t> reply;
    size_t consumed = 0;
    REQUIRE(server.feed(client.start(), consumed, reply));
    // Byte 100 of S1 is covered by its digest whether it lies inside it or not.
    reply[corrupt] ^= 0xff;
    std::vector<uint8_t> c2;
    auto result = client.feed(reply, consumed, c2);
    REQUIRE_FALSE(result);
    CHECK(result.error().message().find(corrupt < 1 + kHandshakeSize ? "S1" : "S2") != std::string::npos);
  }
}

TEST_CASE("a simple client takes the simple answer and echoes S1") {
  ClientHandshake client(false);
  ServerHandshake server;
  std::vector<uint8_t> reply;
  size_t consumed = 0;
  REQUIRE(server.feed(client.start(), consumed, reply));
  std::vector<uint8_t> c2;
  auto done = client.feed(reply, consumed, c2);
  REQUIRE(done);
  CHECK(*done);
  CHECK(c2 == std::vector<uint8_t>(reply.begin() + 1, reply.begin() + 1 + kHandshakeSize));
}

}  // namespace
}  // namespace rtsedge::rtmp
