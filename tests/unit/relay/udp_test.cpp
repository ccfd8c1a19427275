#include "relay/uv/udp.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "relay/uv/address.h"
#include "tests/unit/fixtures/run_loop.h"

namespace rtsedge::uv {
namespace {

struct Inbox final : UdpSocket::Listener {
  void onDatagram(std::span<uint8_t> data, const sockaddr* from) override {
    datagrams.emplace_back(data.begin(), data.end());
    senders.push_back(formatSocketAddress(from));
  }
  std::vector<std::string> datagrams;
  std::vector<std::string> senders;
};

std::span<const uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST_CASE("udp: datagrams both ways on loopback, with the sender's address") {
  Loop loop;
  Inbox inboxA, inboxB;
  auto a = UdpSocket::bind(loop, "127.0.0.1", 0, inboxA);
  auto b = UdpSocket::bind(loop, "127.0.0.1", 0, inboxB);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE((*a)->port() != 0);
  auto toB = parseSocketAddress("127.0.0.1", (*b)->port());
  REQUIRE(toB);
  CHECK((*a)->send(bytes("hello"), reinterpret_cast<const sockaddr*>(&*toB)));
  CHECK((*a)->send(bytes(std::string(1200, 'x')), reinterpret_cast<const sockaddr*>(&*toB)));
  REQUIRE(fixtures::runUntil(loop, [&] { return inboxB.datagrams.size() == 2; }));
  CHECK(inboxB.datagrams[0] == "hello");
  CHECK(inboxB.datagrams[1].size() == 1200);
  CHECK(inboxB.senders[0] == "127.0.0.1:" + std::to_string((*a)->port()));
  (*a)->close();
  CHECK_FALSE((*a)->send(bytes("late"), reinterpret_cast<const sockaddr*>(&*toB)));
  (*b)->close();
  fixtures::runFor(loop, Millis(10));
}

TEST_CASE("udp: a port in use, or a bad address, is an error") {
  Loop loop;
  Inbox inbox;
  auto first = UdpSocket::bind(loop, "127.0.0.1", 0, inbox);
  REQUIRE(first);
  auto again = UdpSocket::bind(loop, "127.0.0.1", (*first)->port(), inbox);
  REQUIRE_FALSE(again);
  CHECK(again.error().message().find("bind udp 127.0.0.1:") == 0);
  CHECK_FALSE(UdpSocket::bind(loop, "not-an-address", 0, inbox));
  (*first)->close();
  fixtures::runFor(loop, Millis(10));
}

}  // namespace
}  // namespace rtsedge::uv
