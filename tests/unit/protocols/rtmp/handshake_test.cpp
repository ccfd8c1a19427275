#include "protocols/rtmp/handshake.h"

#include <doctest/doctest.h>

namespace rtsedge::rtmp {
namespace {

// Runs a client against the server, feeding each side's bytes in pieces of `step`.
void handshake(bool complex, size_t step) {
  ClientHandshake client(complex);
  ServerHandshake server;
  std::vector<uint8_t> toServer = client.start();
  std::vector<uint8_t> trailing{0xAA, 0xBB};  // the first chunk bytes right after C2
  std::vector<uint8_t> toClient;
  bool serverDone = false;
  size_t offset = 0;
  while (offset < toServer.size()) {
    size_t take = std::min(step, toServer.size() - offset);
    size_t consumed = 0;
    auto done = server.feed(std::span(toServer).subspan(offset, take), consumed, toClient);
    REQUIRE(done);
    REQUIRE(consumed == take);
    offset += take;
  }
  REQUIRE(toClient.size() == 1 + 2 * kHandshakeSize);
  std::vector<uint8_t> c2;
  bool clientDone = false;
  for (size_t at = 0; at < toClient.size(); at += step) {
    size_t consumed = 0;
    auto done = client.feed(std::span(toClient).subspan(at, std::min(step, toClient.size() - at)), consumed, c2);
    REQUIRE(done);
    clientDone = *done;
  }
  REQUIRE(clientDone);
  REQUIRE(c2.size() == kHandshakeSize);
  c2.insert(c2.end(), trailing.begin(), trailing.end());
  size_t consumed = 0;
  auto done = server.feed(c2, consumed, toClient);
  REQUIRE(done);
  serverDone = *done;
  CHECK(serverDone);
  CHECK(consumed == kHandshakeSize);  // the trailing bytes are left for the chunk reader
  CHECK(server.complex() == complex);
}

TEST_CASE("RTMP handshake, simple and complex, split at many sizes") {
  for (bool complex : {false, true}) {
    for (size_t step : {size_t{1}, size_t{7}, size_t{1536}, size_t{1537}, size_t{5000}}) {
      CAPTURE(complex);
      CAPTURE(step);
      handshake(complex, step);
    }
  }
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
}

TEST_CASE("a complex client rejects a server whose digest is wrong") {
  ClientHandshake client(true);
  ServerHandshake server;
  std::vector<uint8_t> reply;
  size_t consumed = 0;
  REQUIRE(server.feed(client.start(), consumed, reply));
  reply[1 + kHandshakeSize + 100] ^= 0xff;  // corrupt S2
  std::vector<uint8_t> c2;
  auto result = client.feed(reply, consumed, c2);
  CHECK_FALSE(result);
}

}  // namespace
}  // namespace rtsedge::rtmp
