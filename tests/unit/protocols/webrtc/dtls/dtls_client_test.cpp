// DtlsSession::createClient against DtlsSession::create, both over memory: the client end
// rtsbench's WHEP players use, checked against rtsedge's own server end.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "protocols/webrtc/dtls/dtls_certificate.h"
#include "protocols/webrtc/dtls/dtls_session.h"
#include "protocols/webrtc/srtp/srtp_session.h"

namespace rtsedge::webrtc {
namespace {

using namespace std::chrono_literals;
using Datagram = std::vector<uint8_t>;

std::shared_ptr<const DtlsCertificate> certificateOf(DtlsRole role) {
  auto made = DtlsCertificate::generate(role);
  REQUIRE(made);
  return *made;
}

DtlsOptions fastOptions() {
  DtlsOptions options;
  options.initialRetransmit = 20ms;
  options.maxRetransmit = 80ms;
  return options;
}

// A client and a server session joined by a lossless network, optionally dropping the
// first `dropToServer` datagrams the client sends (retransmission must recover).
struct Pair {
  Pair(std::optional<DtlsFingerprint> clientExpects = std::nullopt,
       std::optional<DtlsFingerprint> serverExpects = std::nullopt)
      : serverCertificate(certificateOf(DtlsRole::kServer)), clientCertificate(certificateOf(DtlsRole::kClient)) {
    auto s = DtlsSession::create(*serverCertificate, serverExpects.value_or(clientCertificate->fingerprint()),
                                 fastOptions());
    REQUIRE(s);
    server = std::move(*s);
    auto c = DtlsSession::createClient(*clientCertificate, clientExpects.value_or(serverCertificate->fingerprint()),
                                       fastOptions());
    REQUIRE(c);
    client = std::move(*c);
  }

  // Moves datagrams until both are connected, one fails, or `rounds` pass.
  bool run(int rounds = 200) {
    for (int round = 0; round < rounds; ++round) {
      bool moved = false;
      for (Datagram& datagram : client->takeDatagrams()) {
        moved = true;
        if (dropToServer > 0) {
          --dropToServer;
          continue;
        }
        auto event = server->feed(datagram);
        if (!event) {
          serverError = event.error();
          return false;
        }
      }
      for (Datagram& datagram : server->takeDatagrams()) {
        moved = true;
        auto event = client->feed(datagram);
        if (!event) {
          clientError = event.error();
          return false;
        }
        clientEvents.push_back(*event);
      }
      if (client->connected() && server->connected()) {
        return true;
      }
      if (!moved) {
        std::this_thread::sleep_for(client->nextTimeout().value_or(1ms) + 100us);
        if (Status status = client->onTimeout(); !status) {
          clientError = status.error();
          return false;
        }
        if (Status status = server->onTimeout(); !status) {
          serverError = status.error();
          return false;
        }
      }
    }
    return false;
  }

  std::shared_ptr<const DtlsCertificate> serverCertificate;
  std::shared_ptr<const DtlsCertificate> clientCertificate;
  std::unique_ptr<DtlsSession> server;
  std::unique_ptr<DtlsSession> client;
  int dropToServer = 0;
  std::vector<DtlsEvent> clientEvents;
  std::optional<Error> serverError;
  std::optional<Error> clientError;
};

TEST_SUITE_BEGIN("dtls");

TEST_CASE("client: its ClientHello is ready at once; the handshake with our server agrees on the SRTP keys") {
  Pair pair;
  CHECK(pair.client->hasDatagrams());
  CHECK(pair.client->nextTimeout().has_value());  // the ClientHello's retransmission timer runs
  CHECK_FALSE(pair.server->hasDatagrams());
  REQUIRE(pair.run());
  const SrtpKeys* client = pair.client->srtpKeys();
  const SrtpKeys* server = pair.server->srtpKeys();
  REQUIRE(client != nullptr);
  REQUIRE(server != nullptr);
  CHECK(client->profile == SrtpProfile::kAeadAes128Gcm);
  CHECK(client->profile == server->profile);
  CHECK(client->local == server->remote);
  CHECK(client->remote == server->local);
  CHECK(client->local != client->remote);
  CHECK(std::count(pair.clientEvents.begin(), pair.clientEvents.end(), DtlsEvent::kConnected) == 1);
  CHECK_FALSE(pair.client->nextTimeout().has_value());  // nothing to retransmit once connected
}

TEST_CASE("client: SRTP keyed from both ends carries RTP from the server to the client") {
  Pair pair;
  REQUIRE(pair.run());
  auto sender = SrtpSession::create(*pair.server->srtpKeys());
  auto receiver = SrtpSession::create(*pair.client->srtpKeys());
  REQUIRE(sender);
  REQUIRE(receiver);
  Datagram rtp = {0x80, 0x66, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 9, 8, 7};
  Datagram buffer = rtp;
  buffer.resize(rtp.size() + SrtpSession::kMaxTrailer);
  auto sealed = (*sender)->protect(buffer, rtp.size());
  REQUIRE(sealed);
  auto opened = (*receiver)->unprotect(std::span(buffer).first(*sealed));
  REQUIRE(opened);
  CHECK(Datagram(buffer.begin(), buffer.begin() + static_cast<long>(*opened)) == rtp);
}

TEST_CASE("client: the lost ClientHello is sent again") {
  Pair pair;
  pair.dropToServer = 1;
  REQUIRE(pair.run());
  CHECK(pair.client->connected());
}

TEST_CASE("client: a server certificate other than the answer's fingerprint fails the handshake") {
  auto stranger = certificateOf(DtlsRole::kServer);
  Pair pair(stranger->fingerprint());
  CHECK_FALSE(pair.run());
  REQUIRE(pair.clientError);
  CHECK(pair.clientError->message().find("announced") != std::string::npos);
  CHECK(pair.client->failed());
  CHECK(pair.client->srtpKeys() == nullptr);
}

TEST_CASE("client: the server refuses a client certificate other than the offer's fingerprint") {
  auto stranger = certificateOf(DtlsRole::kClient);
  Pair pair(std::nullopt, stranger->fingerprint());
  CHECK_FALSE(pair.run());
  CHECK(pair.serverError);
  CHECK_FALSE(pair.server->connected());
}

TEST_CASE("client: close_notify from the server ends it") {
  Pair pair;
  REQUIRE(pair.run());
  pair.server->shutdown();
  std::vector<Datagram> datagrams = pair.server->takeDatagrams();
  REQUIRE(datagrams.size() == 1);
  auto event = pair.client->feed(datagrams[0]);
  REQUIRE(event);
  CHECK(*event == DtlsEvent::kClosed);
  CHECK(pair.client->peerClosed());
}

TEST_CASE("client and server sessions need the certificate context of their role") {
  auto server = certificateOf(DtlsRole::kServer);
  auto client = certificateOf(DtlsRole::kClient);
  CHECK(server->role() == DtlsRole::kServer);
  CHECK(client->role() == DtlsRole::kClient);
  CHECK_FALSE(DtlsSession::createClient(*server, client->fingerprint()));
  CHECK_FALSE(DtlsSession::create(*client, server->fingerprint()));
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc
