#include "protocols/webrtc/dtls/dtls_session.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocols/webrtc/dtls/dtls_certificate.h"
#include "protocols/webrtc/srtp/srtp_session.h"
#include "tests/unit/protocols/webrtc/dtls/dtls_test_client.h"

namespace rtsedge::webrtc {
namespace {

using test::ClientConfig;
using test::Datagram;
using test::DtlsTestClient;
using namespace std::chrono_literals;

std::shared_ptr<const DtlsCertificate> processCertificate() {
  static std::shared_ptr<const DtlsCertificate> certificate = [] {
    auto made = DtlsCertificate::generate();
    REQUIRE(made);
    return *made;
  }();
  return certificate;
}

DtlsOptions fastOptions() {
  DtlsOptions options;
  options.initialRetransmit = 20ms;  // the least: OpenSSL fires a timer 15 ms early
  options.maxRetransmit = 80ms;
  return options;
}

// A server session and a client joined by a network that may lose, repeat and reorder.
struct Harness {
  explicit Harness(const ClientConfig& config = {}, std::optional<DtlsFingerprint> expected = std::nullopt,
                   DtlsOptions serverOptions = fastOptions())
      : client(config), options(serverOptions) {
    auto created = DtlsSession::create(*processCertificate(), expected ? *expected : client.fingerprint(), options);
    REQUIRE(created);
    server = std::move(*created);
  }

  // Moves datagrams until both ends are done, one fails, or `rounds` pass. Whenever
  // nothing is in flight, waits for the earlier retransmission timer and fires both.
  bool run(int rounds = 1000) {
    for (int round = 0; round < rounds; ++round) {
      if (!client.done()) {
        client.handshake();
      } else {
        client.read();
      }
      bool moved = false;
      std::vector<Datagram> toServer = client.takeDatagrams();
      network(toServer);
      for (Datagram& datagram : toServer) {
        moved = true;
        feed(datagram);
      }
      std::vector<Datagram> toClient = collectServer();
      network(toClient);
      for (Datagram& datagram : toClient) {
        moved = true;
        client.receive(std::move(datagram));
      }
      if (serverError || client.failed()) {
        return false;
      }
      if (server->connected() && client.done()) {
        return true;
      }
      if (!moved) {
        fireTimers();
      }
    }
    return false;
  }

  void feed(std::span<const uint8_t> datagram) {
    auto event = server->feed(datagram);
    if (!event) {
      serverError = event.error();
      return;
    }
    events.push_back(*event);
  }

  std::vector<Datagram> collectServer() {
    std::vector<Datagram> datagrams = server->takeDatagrams();
    for (const Datagram& datagram : datagrams) {
      largestServerDatagram = std::max(largestServerDatagram, datagram.size());
      ++serverDatagrams;
    }
    return datagrams;
  }

  void fireTimers() {
    auto serverTimer = server->nextTimeout();
    auto clientTimer = client.nextTimeout();
    auto wait = std::min(serverTimer.value_or(1s), clientTimer.value_or(1s));
    if (!serverTimer && !clientTimer) {
      wait = 1ms;  // nothing pending at all: the run is stuck and will end by its rounds
    }
    std::this_thread::sleep_for(wait + 100us);
    if (Status status = server->onTimeout(); !status) {
      serverError = status.error();
    }
    client.onTimeout();
  }

  int count(DtlsEvent wanted) const { return static_cast<int>(std::count(events.begin(), events.end(), wanted)); }

  DtlsTestClient client;
  DtlsOptions options;
  std::unique_ptr<DtlsSession> server;
  std::function<void(std::vector<Datagram>&)> network = [](std::vector<Datagram>&) {};
  std::optional<Error> serverError;
  std::vector<DtlsEvent> events;
  size_t largestServerDatagram = 0;
  int serverDatagrams = 0;
};

size_t totalSize(const std::vector<Datagram>& datagrams) {
  size_t total = 0;
  for (const Datagram& datagram : datagrams) {
    total += datagram.size();
  }
  return total;
}

void checkKeysAgree(const DtlsSession& server, const DtlsTestClient& client) {
  const SrtpKeys* ours = server.srtpKeys();
  REQUIRE(ours != nullptr);
  SrtpKeys theirs = client.srtpKeys();
  CHECK(ours->profile == theirs.profile);
  CHECK(ours->local.size() == masterKeyLength(ours->profile) + masterSaltLength(ours->profile));
  CHECK(ours->local == theirs.remote);  // we send with the server half
  CHECK(ours->remote == theirs.local);  // and receive with the client half
  CHECK(ours->local != ours->remote);
}

TEST_SUITE_BEGIN("dtls");

TEST_CASE("handshake: the profile and SRTP keys agree with the client's") {
  struct Case {
    std::string offered;
    SrtpProfile expected;
  };
  for (const Case& c : {Case{"SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", SrtpProfile::kAeadAes128Gcm},
                        Case{"SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", SrtpProfile::kAeadAes128Gcm},
                        Case{"SRTP_AES128_CM_SHA1_32:SRTP_AES128_CM_SHA1_80", SrtpProfile::kAes128CmHmacSha1_80},
                        Case{"SRTP_AEAD_AES_128_GCM", SrtpProfile::kAeadAes128Gcm}}) {
    CAPTURE(c.offered);
    ClientConfig config;
    config.srtpProfiles = c.offered;
    Harness h(config);
    CHECK_FALSE(h.server->nextTimeout());  // passive: no timer before the client speaks
    CHECK(h.server->srtpKeys() == nullptr);
    REQUIRE(h.run());
    CHECK(h.count(DtlsEvent::kConnected) == 1);
    CHECK(h.server->srtpKeys()->profile == c.expected);
    CHECK(h.client.profile() == c.expected);
    checkKeysAgree(*h.server, h.client);
    // The client sees the certificate our SDP announces.
    auto seen = DtlsFingerprint::of(h.client.peerCertificate());
    REQUIRE(seen);
    CHECK(*seen == processCertificate()->fingerprint());
    CHECK(h.largestServerDatagram <= 1200);
    CHECK_FALSE(h.server->failed());
  }
}

TEST_CASE("the keys from the handshake carry SRTP and SRTCP both ways") {
  Harness h;
  REQUIRE(h.run());
  auto ours = SrtpSession::create(*h.server->srtpKeys());
  auto theirs = SrtpSession::create(h.client.srtpKeys());
  REQUIRE(ours);
  REQUIRE(theirs);
  std::vector<uint8_t> rtp = {0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0xCA, 0xFE, 0xBA, 0xBE, 1, 2, 3, 4, 5};
  std::vector<uint8_t> rtcp = {0x80, 0xC8, 0x00, 0x06, 0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 1, 0, 0,
                               0,    2,    0,    0,    0,    3,    0,    0,    0, 4, 0, 0, 0, 5};
  for (auto [from, to] : {std::pair{ours->get(), theirs->get()}, std::pair{theirs->get(), ours->get()}}) {
    std::vector<uint8_t> buffer = rtp;
    buffer.resize(rtp.size() + SrtpSession::kMaxTrailer);
    auto protectedSize = from->protect(buffer, rtp.size());
    REQUIRE(protectedSize);
    auto plain = to->unprotect(std::span(buffer).first(*protectedSize));
    REQUIRE(plain);
    CHECK(std::vector<uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(*plain)) == rtp);

    buffer = rtcp;
    buffer.resize(rtcp.size() + SrtpSession::kMaxTrailer);
    protectedSize = from->protectRtcp(buffer, rtcp.size());
    REQUIRE(protectedSize);
    plain = to->unprotectRtcp(std::span(buffer).first(*protectedSize));
    REQUIRE(plain);
    CHECK(std::vector<uint8_t>(buffer.begin(), buffer.begin() + static_cast<long>(*plain)) == rtcp);
  }
}

TEST_CASE("a peer certificate other than the SDP's fingerprint is refused") {
  DtlsTestClient stranger;
  Harness h({}, stranger.fingerprint());
  CHECK_FALSE(h.run());
  REQUIRE(h.serverError);
  CHECK(h.serverError->message().find("its SDP announced " + stranger.fingerprint().toString()) != std::string::npos);
  CHECK(h.server->failed());
  CHECK_FALSE(h.server->connected());
  CHECK(h.server->srtpKeys() == nullptr);
  CHECK(h.count(DtlsEvent::kConnected) == 0);
  CHECK_FALSE(h.server->feed(Datagram(20, 22)));  // dead for good
}

TEST_CASE("the SDP's hash decides how the peer certificate is hashed") {
  Harness h;
  auto sha1 = h.client.fingerprint("sha-1");
  auto parsed = DtlsFingerprint::parse("SHA-1 " + sha1.hex());
  REQUIRE(parsed);
  auto created = DtlsSession::create(*processCertificate(), *parsed, fastOptions());
  REQUIRE(created);
  h.server = std::move(*created);
  REQUIRE(h.run());
  CHECK(h.server->connected());
}

TEST_CASE("no SRTP profile in common, or no use_srtp at all: refused") {
  for (std::string offered : {"", "SRTP_AES128_CM_SHA1_32"}) {
    CAPTURE(offered);
    ClientConfig config;
    config.srtpProfiles = offered;
    Harness h(config);
    CHECK_FALSE(h.run());
    REQUIRE(h.serverError);
    CHECK(h.serverError->message().find("no SRTP profile") != std::string::npos);
    CHECK(h.server->srtpKeys() == nullptr);
  }
}

TEST_CASE("a client without a certificate is refused") {
  DtlsTestClient someone;
  ClientConfig config;
  config.withCertificate = false;
  Harness h(config, someone.fingerprint());
  CHECK_FALSE(h.run());
  REQUIRE(h.serverError);
  CHECK(h.serverError->message().find("certificate") != std::string::npos);
  CHECK(h.server->failed());
  CHECK(h.server->srtpKeys() == nullptr);
}

TEST_CASE("a small MTU: every datagram fits, the handshake completes") {
  DtlsOptions options = fastOptions();
  options.mtu = 300;
  ClientConfig config;
  config.mtu = 300;
  Harness h(config, std::nullopt, options);
  REQUIRE(h.run());
  CHECK(h.largestServerDatagram <= 300);
  CHECK(h.serverDatagrams > 3);  // the certificate flight took several
  checkKeysAgree(*h.server, h.client);
}

TEST_CASE("an MTU or timeouts out of range are refused") {
  DtlsTestClient client;
  DtlsOptions options;
  options.mtu = 100;
  CHECK_FALSE(DtlsSession::create(*processCertificate(), client.fingerprint(), options));
  options = {};
  options.initialRetransmit = 0ms;
  CHECK_FALSE(DtlsSession::create(*processCertificate(), client.fingerprint(), options));
  options = {};
  options.initialRetransmit = 10ms;
  options.maxRetransmit = 10ms;
  CHECK_FALSE(DtlsSession::create(*processCertificate(), client.fingerprint(), options));
  options = {};
  options.maxRetransmit = 10ms;
  CHECK_FALSE(DtlsSession::create(*processCertificate(), client.fingerprint(), options));
}

TEST_CASE("datagrams lost, repeated and reordered: retransmission recovers") {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    CAPTURE(seed);
    // Every other run with a small MTU: fragmented messages lost and reordered too.
    size_t mtu = seed % 2 == 0 ? 300 : 1200;
    DtlsOptions options = fastOptions();
    options.mtu = mtu;
    ClientConfig config;
    config.mtu = static_cast<long>(mtu);
    Harness h(config, std::nullopt, options);
    std::mt19937 random(seed);
    h.network = [&random](std::vector<Datagram>& flight) {
      std::vector<Datagram> out;
      std::uniform_real_distribution<double> chance(0.0, 1.0);
      for (Datagram& datagram : flight) {
        double roll = chance(random);
        if (roll < 0.2) {
          continue;  // lost
        }
        if (roll > 0.85) {
          out.push_back(datagram);  // repeated
        }
        out.push_back(std::move(datagram));
      }
      if (chance(random) < 0.4) {
        std::shuffle(out.begin(), out.end(), random);
      }
      flight = std::move(out);
    };
    REQUIRE(h.run(5000));
    CHECK(h.count(DtlsEvent::kConnected) == 1);
    CHECK(h.largestServerDatagram <= mtu);
    checkKeysAgree(*h.server, h.client);
  }
}

TEST_CASE("our last flight lost: the client's repeated Finished makes us send it again") {
  Harness h;
  bool dropping = true;
  h.network = [&](std::vector<Datagram>& flight) {
    if (dropping && !h.events.empty() && h.events.back() == DtlsEvent::kConnected) {
      flight.clear();  // what the server sends as it connects: its ChangeCipherSpec and Finished
      dropping = false;
    }
  };
  REQUIRE(h.run());
  CHECK_FALSE(dropping);
  CHECK(h.count(DtlsEvent::kConnected) == 1);
  checkKeysAgree(*h.server, h.client);
}

TEST_CASE("garbage is refused or discarded without harm; the handshake still completes") {
  // A slow timer: any read within 15 ms of it retransmits, which would blur what garbage did.
  DtlsOptions slow;
  slow.initialRetransmit = 5s;
  slow.maxRetransmit = 5s;
  Harness h({}, std::nullopt, slow);
  std::mt19937 random(7);
  auto noise = [&random](size_t size, int first) {
    Datagram datagram(size);
    for (uint8_t& byte : datagram) {
      byte = static_cast<uint8_t>(random());
    }
    if (first >= 0 && size > 0) {
      datagram[0] = static_cast<uint8_t>(first);
    }
    return datagram;
  };
  // Not DTLS at all (RFC 7983): STUN, RTP, too short, empty.
  for (const Datagram& datagram : {noise(20, 0x00), noise(100, 0x80), noise(12, 22), Datagram{}, noise(1, 23)}) {
    auto event = h.server->feed(datagram);
    REQUIRE(event);
    CHECK(*event == DtlsEvent::kRejected);
  }
  // DTLS-looking noise before the client speaks, then between its flights.
  std::uniform_int_distribution<int> firstByte(20, 63);
  std::uniform_int_distribution<size_t> size(13, 1500);
  auto spray = [&] {
    for (int i = 0; i < 50; ++i) {
      auto event = h.server->feed(noise(size(random), firstByte(random)));
      REQUIRE(event);
      CHECK(*event == DtlsEvent::kNone);
    }
    CHECK_FALSE(h.server->hasDatagrams());
    CHECK_FALSE(h.server->failed());
  };
  spray();
  auto event = h.server->feed(noise(70000, 22));  // larger than any record
  REQUIRE(event);
  CHECK_FALSE(h.server->failed());
  // A record cut short is dropped; the whole one then counts.
  h.client.handshake();
  std::vector<Datagram> hello = h.client.takeDatagrams();
  REQUIRE(hello.size() == 1);
  event = h.server->feed(std::span(hello[0]).first(hello[0].size() / 2));
  REQUIRE(event);
  CHECK_FALSE(h.server->hasDatagrams());
  h.feed(hello[0]);
  std::vector<Datagram> answer = h.collectServer();
  CHECK_FALSE(answer.empty());
  spray();
  for (Datagram& datagram : answer) {
    h.client.receive(std::move(datagram));
  }
  h.network = [&](std::vector<Datagram>& flight) {
    if (!flight.empty() && !h.server->connected()) {
      flight.insert(flight.begin(), noise(size(random), firstByte(random)));
    }
  };
  REQUIRE(h.run());
  checkKeysAgree(*h.server, h.client);
  // After the handshake too.
  for (int i = 0; i < 50; ++i) {
    auto late = h.server->feed(noise(size(random), firstByte(random)));
    REQUIRE(late);
  }
  CHECK(h.server->connected());
  CHECK_FALSE(h.server->failed());
}

TEST_CASE("retransmission timer: none before the client speaks, then doubling until the handshake gives up") {
  DtlsOptions options;
  options.initialRetransmit = 20ms;
  options.maxRetransmit = 40ms;
  Harness h({}, std::nullopt, options);
  CHECK_FALSE(h.server->nextTimeout());
  CHECK(h.server->onTimeout());  // no timer: nothing to do
  CHECK_FALSE(h.server->hasDatagrams());

  h.client.handshake();
  for (Datagram& datagram : h.client.takeDatagrams()) {
    h.feed(datagram);
  }
  std::vector<Datagram> flight = h.server->takeDatagrams();
  REQUIRE_FALSE(flight.empty());
  auto timer = h.server->nextTimeout();
  REQUIRE(timer);
  CHECK(*timer <= 20ms);

  int retransmissions = 0;
  std::vector<std::chrono::microseconds> timers;
  for (int i = 0; i < 100; ++i) {
    auto next = h.server->nextTimeout();
    if (!next) {
      break;
    }
    std::this_thread::sleep_for(*next + 200us);
    auto retransmitted = std::chrono::steady_clock::now();
    Status status = h.server->onTimeout();
    if (!status) {
      CHECK(status.error().message().find("DTLS: ") == 0);
      break;
    }
    std::vector<Datagram> again = h.server->takeDatagrams();
    // The flight again, with new record sequence numbers: as many bytes, as many datagrams.
    CHECK(again.size() == flight.size());
    CHECK(totalSize(again) == totalSize(flight));
    for (const Datagram& datagram : again) {
      CHECK(datagram.size() <= 1200);
    }
    ++retransmissions;
    if (auto following = h.server->nextTimeout(); following && *following > 0us) {
      // Plus the time since it was set, which a loaded machine may make long.
      timers.push_back(*following + std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now() - retransmitted));
    }
  }
  CHECK(h.server->failed());
  CHECK(retransmissions == 12);
  REQUIRE(timers.size() >= 2);
  CHECK(timers[0] > 25ms);  // doubled from 20 ms
  for (auto each : timers) {
    CHECK(each <= 40ms + 5ms);  // and capped
  }
  CHECK_FALSE(h.server->nextTimeout());
  CHECK_FALSE(h.server->onTimeout());
}

TEST_CASE("an early onTimeout does nothing; the default first timeout is 100 ms") {
  CHECK(DtlsOptions{}.initialRetransmit == 100ms);
  for (auto initial : {100ms, 5000ms}) {
    CAPTURE(initial.count());
    DtlsTestClient client;
    DtlsOptions options;
    options.initialRetransmit = initial;
    options.maxRetransmit = std::max(initial, options.maxRetransmit);
    auto created = DtlsSession::create(*processCertificate(), client.fingerprint(), options);
    REQUIRE(created);
    DtlsSession& server = **created;
    client.handshake();
    auto start = std::chrono::steady_clock::now();
    for (Datagram& datagram : client.takeDatagrams()) {
      REQUIRE(server.feed(datagram));
    }
    REQUIRE(server.hasDatagrams());
    server.takeDatagrams();
    auto timer = server.nextTimeout();
    auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE(timer);
    CHECK(*timer <= initial);
    CHECK(*timer + elapsed >= initial - 16ms);  // OpenSSL reports the last 15 ms as 0
    if (initial > 1s) {                         // (a loaded machine cannot make this one fire)
      CHECK(server.onTimeout());
      CHECK_FALSE(server.hasDatagrams());
    }
  }
}

TEST_CASE("application data is ignored; close_notify both ways") {
  Harness h;
  h.server->shutdown();  // not connected: nothing to close
  CHECK_FALSE(h.server->hasDatagrams());
  REQUIRE(h.run());
  h.client.write("a data channel message");
  for (Datagram& datagram : h.client.takeDatagrams()) {
    auto event = h.server->feed(datagram);
    REQUIRE(event);
    CHECK(*event == DtlsEvent::kNone);
  }
  h.server->shutdown();
  h.server->shutdown();  // once
  std::vector<Datagram> closing = h.server->takeDatagrams();
  CHECK(closing.size() == 1);
  for (Datagram& datagram : closing) {
    h.client.receive(std::move(datagram));
  }
  CHECK(h.client.read() == SSL_ERROR_ZERO_RETURN);

  h.client.shutdown();
  std::vector<Datagram> fromClient = h.client.takeDatagrams();
  REQUIRE(fromClient.size() == 1);
  auto event = h.server->feed(fromClient[0]);
  REQUIRE(event);
  CHECK(*event == DtlsEvent::kClosed);
  CHECK(h.server->peerClosed());
  event = h.server->feed(fromClient[0]);  // anything later is stray
  REQUIRE(event);
  CHECK(*event == DtlsEvent::kNone);
  CHECK_FALSE(h.server->failed());
}

TEST_CASE("RFC 7983 demultiplexing") {
  CHECK(DtlsSession::looksLikeDtls(Datagram(13, 22)));
  CHECK(DtlsSession::looksLikeDtls(Datagram(13, 20)));
  CHECK(DtlsSession::looksLikeDtls(Datagram(13, 63)));
  CHECK_FALSE(DtlsSession::looksLikeDtls(Datagram(12, 22)));
  CHECK_FALSE(DtlsSession::looksLikeDtls(Datagram(20, 19)));
  CHECK_FALSE(DtlsSession::looksLikeDtls(Datagram(20, 64)));
  CHECK_FALSE(DtlsSession::looksLikeDtls(Datagram(20, 0x80)));
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc
