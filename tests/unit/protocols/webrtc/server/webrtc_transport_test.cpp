#include "protocols/webrtc/server/webrtc_transport.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.h"
#include "protocols/webrtc/server/webrtc_metrics.h"
#include "relay/uv/address.h"
#include "relay/uv/udp.h"
#include "tests/unit/fixtures/run_loop.h"

namespace rtsedge::webrtc {
namespace {

using ByteVector = std::vector<uint8_t>;

// A session as the transport sees it: what reached it, and from where.
struct RecordingEndpoint final : WebRtcTransport::Endpoint {
  struct Stun {
    std::string username;
    StunTransactionId transactionId{};
    StunAddress from;
  };
  struct Media {
    PacketKind kind = PacketKind::kUnknown;
    ByteVector data;
    StunAddress from;
  };

  void onStun(const StunMessage& message, const StunAddress& from) override {
    stun.push_back({std::string(message.username().value_or("")), message.transactionId(), from});
  }
  void onMedia(PacketKind kind, std::span<uint8_t> data, const StunAddress& from) override {
    media.push_back({kind, ByteVector(data.begin(), data.end()), from});
  }

  std::vector<Stun> stun;
  std::vector<Media> media;
};

// The browser's side: a UDP socket on the same loop.
struct Inbox final : uv::UdpSocket::Listener {
  void onDatagram(std::span<uint8_t> data, const sockaddr*) override {
    datagrams.emplace_back(data.begin(), data.end());
  }
  std::vector<ByteVector> datagrams;
};

Bytes bindingRequest(const std::string& username, uint8_t id) {
  StunTransactionId transaction{};
  for (size_t i = 0; i < transaction.size(); ++i) {
    transaction[i] = static_cast<uint8_t>(id + i);
  }
  StunMessageWriter writer(stunMessageType(kStunMethodBinding, StunClass::kRequest), transaction);
  writer.addString(kStunAttrUsername, username);
  writer.addU32(kStunAttrPriority, 0x6e7f1eff);
  writer.addU64(kStunAttrIceControlling, 0x0123456789abcdefULL);
  return writer.finish(std::string_view("remote-password-does-not-matter"), true);
}

// RTP: version 2, payload type 96, sequence 1, timestamp 2, SSRC 3, four payload bytes.
const ByteVector kRtp = {0x80, 0x60, 0x00, 0x01, 0, 0, 0, 2, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef};
// RTCP: an RR without report blocks.
const ByteVector kRtcp = {0x80, 0xc9, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78};
// DTLS: a handshake record header and a few bytes.
const ByteVector kDtls = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xaa};

StunAddress loopback(uint16_t port) {
  StunAddress address;
  address.ip = {127, 0, 0, 1};
  address.port = port;
  return address;
}

struct TransportFixture {
  uv::Loop loop;
  metrics::Registry registry;
  WebRtcMetrics metrics{registry};
  WebRtcSettings settings;
  std::unique_ptr<WebRtcTransport> transport;
  Inbox inbox;
  std::unique_ptr<uv::UdpSocket> client;

  TransportFixture() {
    settings.listen = ListenAddress{"127.0.0.1", 0};
    auto started = WebRtcTransport::start(loop, settings, metrics);
    REQUIRE_MESSAGE(started, started.error().message());
    transport = std::move(*started);
    REQUIRE(transport->port() != 0);
    auto bound = uv::UdpSocket::bind(loop, "127.0.0.1", 0, inbox);
    REQUIRE(bound);
    client = std::move(*bound);
  }

  ~TransportFixture() {
    client->close();
    transport->close();
    fixtures::runFor(loop, Millis(10));
  }

  StunAddress clientAddress() const { return loopback(client->port()); }

  void send(std::span<const uint8_t> datagram) {
    auto to = uv::parseSocketAddress("127.0.0.1", transport->port());
    REQUIRE(to);
    REQUIRE(client->send(datagram, reinterpret_cast<const sockaddr*>(&*to)));
  }
  void send(const Bytes& datagram) { send(datagram.span()); }

  double dropped(const std::string& reason) { return metrics.dropped(reason).value(); }

  // Sends and waits until the transport counted it as dropped for `reason`.
  void sendDropped(std::span<const uint8_t> datagram, const std::string& reason) {
    const double before = dropped(reason);
    send(datagram);
    REQUIRE(fixtures::runUntil(loop, [&] { return dropped(reason) == before + 1; }));
  }
};

TEST_SUITE_BEGIN("webrtc-server");

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: a binding request finds its endpoint by the local ufrag") {
  RecordingEndpoint endpoint;
  REQUIRE(transport->addEndpoint("abcd1234", endpoint));
  send(bindingRequest("abcd1234:x", 1));
  REQUIRE(fixtures::runUntil(loop, [&] { return endpoint.stun.size() == 1; }));
  CHECK(endpoint.stun[0].username == "abcd1234:x");
  CHECK(endpoint.stun[0].transactionId[0] == 1);
  CHECK(endpoint.stun[0].from == clientAddress());
  CHECK(formatStunAddress(endpoint.stun[0].from) == "127.0.0.1:" + std::to_string(client->port()));
  CHECK(endpoint.media.empty());
  CHECK(metrics.bytesReceived.value() == static_cast<double>(bindingRequest("abcd1234:x", 1).size()));
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: an unknown ufrag reaches nobody and is counted") {
  RecordingEndpoint endpoint;
  REQUIRE(transport->addEndpoint("abcd1234", endpoint));
  sendDropped(bindingRequest("zzzz9999:x", 2).span(), "unknown_ufrag");
  // A prefix of a known ufrag, or one without the colon, is someone else too.
  sendDropped(bindingRequest("abcd:x", 3).span(), "unknown_ufrag");
  sendDropped(bindingRequest("abcd12345:x", 4).span(), "unknown_ufrag");
  CHECK(dropped("unknown_ufrag") == 3);
  // Read as a scrape would.
  CHECK(registry.exposition().find("rtsedge_webrtc_datagrams_dropped_total{reason=\"unknown_ufrag\"} 3\n") !=
        std::string::npos);
  // The endpoint saw none of them; the next good one arrives alone.
  send(bindingRequest("abcd1234:y", 5));
  REQUIRE(fixtures::runUntil(loop, [&] { return endpoint.stun.size() == 1; }));
  CHECK(endpoint.stun[0].username == "abcd1234:y");
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: media only from a bound address, by kind") {
  RecordingEndpoint endpoint;
  REQUIRE(transport->addEndpoint("abcd1234", endpoint));
  sendDropped(kRtp, "unknown_address");
  sendDropped(kRtcp, "unknown_address");
  sendDropped(kDtls, "unknown_address");
  CHECK(dropped("unknown_address") == 3);
  CHECK(endpoint.media.empty());

  transport->bindAddress(clientAddress(), endpoint);
  send(kRtp);
  send(kRtcp);
  send(kDtls);
  REQUIRE(fixtures::runUntil(loop, [&] { return endpoint.media.size() == 3; }));
  CHECK(endpoint.media[0].kind == PacketKind::kRtp);
  CHECK(endpoint.media[0].data == kRtp);
  CHECK(endpoint.media[0].from == clientAddress());
  CHECK(endpoint.media[1].kind == PacketKind::kRtcp);
  CHECK(endpoint.media[1].data == kRtcp);
  CHECK(endpoint.media[2].kind == PacketKind::kDtls);
  CHECK(endpoint.media[2].data == kDtls);
  CHECK(dropped("unknown_address") == 3);
  // STUN still goes by ufrag, not by address.
  sendDropped(bindingRequest("other:x", 6).span(), "unknown_ufrag");
  CHECK(endpoint.stun.empty());
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: a later bind moves the address to another endpoint") {
  RecordingEndpoint first;
  RecordingEndpoint second;
  REQUIRE(transport->addEndpoint("first000", first));
  REQUIRE(transport->addEndpoint("second00", second));
  transport->bindAddress(clientAddress(), first);
  send(kRtp);
  REQUIRE(fixtures::runUntil(loop, [&] { return first.media.size() == 1; }));
  transport->bindAddress(clientAddress(), second);
  send(kRtcp);
  REQUIRE(fixtures::runUntil(loop, [&] { return second.media.size() == 1; }));
  CHECK(first.media.size() == 1);
  CHECK(second.media[0].kind == PacketKind::kRtcp);
  // Another port of the same host is another address.
  transport->bindAddress(loopback(static_cast<uint16_t>(client->port() + 1)), first);
  send(kRtp);
  REQUIRE(fixtures::runUntil(loop, [&] { return second.media.size() == 2; }));
  CHECK(first.media.size() == 1);
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: removeEndpoint forgets its ufrags and its addresses") {
  RecordingEndpoint endpoint;
  RecordingEndpoint other;
  REQUIRE(transport->addEndpoint("abcd1234", endpoint));
  REQUIRE(transport->addEndpoint("second-ufrag", endpoint));
  REQUIRE(transport->addEndpoint("other000", other));
  transport->bindAddress(clientAddress(), endpoint);
  send(bindingRequest("second-ufrag:x", 7));
  send(kRtp);
  REQUIRE(fixtures::runUntil(loop, [&] { return endpoint.stun.size() == 1 && endpoint.media.size() == 1; }));

  transport->removeEndpoint(endpoint);
  sendDropped(bindingRequest("abcd1234:x", 8).span(), "unknown_ufrag");
  sendDropped(bindingRequest("second-ufrag:x", 9).span(), "unknown_ufrag");
  sendDropped(kRtp, "unknown_address");
  CHECK(endpoint.stun.size() == 1);
  CHECK(endpoint.media.size() == 1);
  // The others stay.
  send(bindingRequest("other000:x", 10));
  REQUIRE(fixtures::runUntil(loop, [&] { return other.stun.size() == 1; }));
  // The ufrag is free again.
  CHECK(transport->addEndpoint("abcd1234", other));
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: a taken ufrag is refused; removeUfrag frees one") {
  RecordingEndpoint first;
  RecordingEndpoint second;
  CHECK(transport->addEndpoint("abcd1234", first));
  CHECK_FALSE(transport->addEndpoint("abcd1234", second));
  CHECK_FALSE(transport->addEndpoint("abcd1234", first));
  // The refusal changed nothing: the first still gets its checks.
  send(bindingRequest("abcd1234:x", 11));
  REQUIRE(fixtures::runUntil(loop, [&] { return first.stun.size() == 1; }));
  CHECK(second.stun.empty());

  transport->removeUfrag("abcd1234");
  sendDropped(bindingRequest("abcd1234:x", 12).span(), "unknown_ufrag");
  CHECK(transport->addEndpoint("abcd1234", second));
  send(bindingRequest("abcd1234:x", 13));
  REQUIRE(fixtures::runUntil(loop, [&] { return second.stun.size() == 1; }));
  CHECK(first.stun.size() == 1);
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: unknown kinds and malformed STUN are dropped and counted") {
  RecordingEndpoint endpoint;
  REQUIRE(transport->addEndpoint("abcd1234", endpoint));
  transport->bindAddress(clientAddress(), endpoint);
  sendDropped(ByteVector{0x40, 1, 2, 3}, "unknown_kind");  // QUIC's range
  sendDropped(ByteVector{0x80}, "unknown_kind");           // RTP's first byte alone
  // A STUN header whose length runs past the datagram.
  const Bytes request = bindingRequest("abcd1234:x", 14);
  ByteVector truncated(request.span().begin(), request.span().end());
  truncated.resize(truncated.size() - 4);
  sendDropped(truncated, "malformed_stun");
  sendDropped(ByteVector{0x00, 0x01, 0x00}, "malformed_stun");
  CHECK(endpoint.stun.empty());
  CHECK(endpoint.media.empty());
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: send reaches the address, counted in bytes sent") {
  const ByteVector datagram = {0x80, 0x60, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 0x42};
  CHECK(transport->send(datagram, clientAddress()));
  REQUIRE(fixtures::runUntil(loop, [&] { return inbox.datagrams.size() == 1; }));
  CHECK(inbox.datagrams[0] == datagram);
  CHECK(metrics.bytesSent.value() == static_cast<double>(datagram.size()));
}

TEST_CASE_FIXTURE(TransportFixture, "WebRTC transport: a specific listen host is the candidate, with the bound port") {
  REQUIRE(transport->candidates().size() == 1);
  CHECK(transport->candidates()[0].address == "127.0.0.1");
  CHECK(transport->candidates()[0].port == transport->port());
}

TEST_CASE("WebRTC transport: configured candidates are advertised with the bound port") {
  uv::Loop loop;
  metrics::Registry registry;
  WebRtcMetrics metrics(registry);
  WebRtcSettings settings;
  settings.listen = ListenAddress{"127.0.0.1", 0};
  settings.candidates = {"203.0.113.7", "2001:db8::1"};
  auto transport = WebRtcTransport::start(loop, settings, metrics);
  REQUIRE(transport);
  const auto& candidates = (*transport)->candidates();
  REQUIRE(candidates.size() == 2);
  CHECK(candidates[0].address == "203.0.113.7");
  CHECK(candidates[1].address == "2001:db8::1");
  for (const auto& candidate : candidates) {
    CHECK(candidate.port == (*transport)->port());
  }
  (*transport)->close();
  fixtures::runFor(loop, Millis(10));
}

TEST_CASE("WebRTC transport: bound to every IPv4 address, the interfaces are the candidates, loopback last") {
  uv::Loop loop;
  metrics::Registry registry;
  WebRtcMetrics metrics(registry);
  WebRtcSettings settings;
  settings.listen = ListenAddress{"0.0.0.0", 0};
  auto transport = WebRtcTransport::start(loop, settings, metrics);
  REQUIRE_MESSAGE(transport, transport.error().message());
  const auto& candidates = (*transport)->candidates();
  REQUIRE_FALSE(candidates.empty());
  bool loopbackSeen = false;
  for (const auto& candidate : candidates) {
    CAPTURE(candidate.address);
    CHECK(candidate.port == (*transport)->port());
    CHECK(candidate.address.find(':') == std::string::npos);  // IPv4 only
    const bool isLoopback = candidate.address.rfind("127.", 0) == 0;
    CHECK((!loopbackSeen || isLoopback));  // nothing after the loopback addresses but loopback
    loopbackSeen = loopbackSeen || isLoopback;
  }
  (*transport)->close();
  fixtures::runFor(loop, Millis(10));
}

TEST_CASE("WebRTC transport: a port in use is an error") {
  uv::Loop loop;
  metrics::Registry registry;
  WebRtcMetrics metrics(registry);
  WebRtcSettings settings;
  settings.listen = ListenAddress{"127.0.0.1", 0};
  auto first = WebRtcTransport::start(loop, settings, metrics);
  REQUIRE(first);
  WebRtcSettings again = settings;
  again.listen.port = (*first)->port();
  auto second = WebRtcTransport::start(loop, again, metrics);
  REQUIRE_FALSE(second);
  CHECK(second.error().message().find("webrtc: ") == 0);
  (*first)->close();
  fixtures::runFor(loop, Millis(10));
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc
