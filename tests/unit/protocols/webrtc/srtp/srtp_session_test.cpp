#include "protocols/webrtc/srtp/srtp_session.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "protocols/webrtc/srtp/srtp_keys.h"

namespace rtsedge::webrtc {
namespace {

using Packet = std::vector<uint8_t>;

constexpr SrtpProfile kProfiles[] = {SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAes128CmHmacSha1_80};

// Keys for the two ends of one association, as a DTLS exporter would give them.
struct KeyPair {
  SrtpKeys server;
  SrtpKeys client;
};

KeyPair keysFor(SrtpProfile profile, uint8_t seed = 1) {
  std::vector<uint8_t> material(keyingMaterialLength(profile));
  for (size_t i = 0; i < material.size(); ++i) {
    material[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  }
  auto server = splitKeyingMaterial(profile, material, true);
  auto client = splitKeyingMaterial(profile, material, false);
  REQUIRE(server);
  REQUIRE(client);
  return {*server, *client};
}

struct Ends {
  std::unique_ptr<SrtpSession> server;
  std::unique_ptr<SrtpSession> client;
};

Ends endsFor(SrtpProfile profile) {
  KeyPair keys = keysFor(profile);
  auto server = SrtpSession::create(keys.server);
  auto client = SrtpSession::create(keys.client);
  REQUIRE(server);
  REQUIRE(client);
  return {std::move(*server), std::move(*client)};
}

Packet rtpPacket(uint16_t sequence, uint32_t ssrc, size_t payloadSize, uint8_t csrcCount = 0) {
  // Written by index: GCC 12 misreads inserts into a braced-list vector (-Warray-bounds).
  size_t header = 12 + 4 * size_t{csrcCount};
  Packet packet(header + payloadSize, 0);
  packet[0] = static_cast<uint8_t>(0x80 | csrcCount);
  packet[1] = 0x60;
  packet[2] = static_cast<uint8_t>(sequence >> 8);
  packet[3] = static_cast<uint8_t>(sequence);
  packet[5] = 0x01;
  packet[6] = 0x5F;
  packet[7] = 0x90;
  for (int i = 0; i < 4; ++i) {
    packet[8 + static_cast<size_t>(i)] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  }
  for (size_t i = 0; i < csrcCount; ++i) {
    packet[12 + 4 * i + 3] = static_cast<uint8_t>(i + 1);
  }
  for (size_t i = 0; i < payloadSize; ++i) {
    packet[header + i] = static_cast<uint8_t>(i * 13 + sequence);
  }
  return packet;
}

// A sender report and a receiver report in one compound packet.
Packet rtcpPacket(uint32_t ssrc) {
  Packet packet(36, 0);
  packet[0] = 0x80;
  packet[1] = 200;
  packet[3] = 0x06;
  for (int i = 0; i < 4; ++i) {
    packet[4 + static_cast<size_t>(i)] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  }
  for (size_t i = 0; i < 20; ++i) {
    packet[8 + i] = static_cast<uint8_t>(i);
  }
  const uint8_t receiverReport[] = {0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44};
  std::copy(std::begin(receiverReport), std::end(receiverReport), packet.begin() + 28);
  return packet;
}

// Protects a copy of `packet`: the SRTP bytes.
Packet protect(SrtpSession& session, const Packet& packet, bool rtcp = false) {
  Packet buffer = packet;
  buffer.resize(packet.size() + SrtpSession::kMaxTrailer);
  auto size = rtcp ? session.protectRtcp(buffer, packet.size()) : session.protect(buffer, packet.size());
  REQUIRE(size);
  buffer.resize(*size);
  return buffer;
}

Result<Packet> unprotect(SrtpSession& session, Packet packet, bool rtcp = false) {
  auto size = rtcp ? session.unprotectRtcp(packet) : session.unprotect(packet);
  if (!size) {
    return size.error();
  }
  packet.resize(*size);
  return packet;
}

bool contains(const Error& error, std::string_view text) {
  return error.message().find(text) != std::string::npos;
}

TEST_SUITE_BEGIN("srtp");

TEST_CASE("keying material splits as RFC 5764 4.2 lays it out") {
  for (SrtpProfile profile : kProfiles) {
    CAPTURE(nameOf(profile));
    std::vector<uint8_t> material(keyingMaterialLength(profile));
    std::iota(material.begin(), material.end(), 0);
    size_t key = masterKeyLength(profile);
    size_t salt = masterSaltLength(profile);
    auto range = [&](size_t from, size_t count) {
      std::vector<uint8_t> bytes(count);
      std::iota(bytes.begin(), bytes.end(), static_cast<uint8_t>(from));
      return bytes;
    };
    auto join = [](std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
      a.insert(a.end(), b.begin(), b.end());
      return a;
    };
    std::vector<uint8_t> clientHalf = join(range(0, key), range(2 * key, salt));
    std::vector<uint8_t> serverHalf = join(range(key, key), range(2 * key + salt, salt));
    auto server = splitKeyingMaterial(profile, material, true);
    REQUIRE(server);
    CHECK(server->profile == profile);
    CHECK(server->local == serverHalf);
    CHECK(server->remote == clientHalf);
    auto client = splitKeyingMaterial(profile, material, false);
    REQUIRE(client);
    CHECK(client->local == clientHalf);
    CHECK(client->remote == serverHalf);
    CHECK_FALSE(splitKeyingMaterial(profile, std::span(material).first(material.size() - 1), true));
  }
  CHECK(keyingMaterialLength(SrtpProfile::kAeadAes128Gcm) == 56);
  CHECK(keyingMaterialLength(SrtpProfile::kAes128CmHmacSha1_80) == 60);
  CHECK(srtpProfileFromId(0x0007) == SrtpProfile::kAeadAes128Gcm);
  CHECK(srtpProfileFromId(0x0001) == SrtpProfile::kAes128CmHmacSha1_80);
  CHECK_FALSE(srtpProfileFromId(0x0002));
}

TEST_CASE("RTP and RTCP round trips, both profiles, both directions, several SSRCs") {
  for (SrtpProfile profile : kProfiles) {
    CAPTURE(nameOf(profile));
    Ends ends = endsFor(profile);
    CHECK(ends.server->profile() == profile);
    size_t tag = profile == SrtpProfile::kAeadAes128Gcm ? 16 : 10;
    for (auto [from, to] :
         {std::pair{ends.server.get(), ends.client.get()}, std::pair{ends.client.get(), ends.server.get()}}) {
      for (uint32_t ssrc : {0x11111111u, 0x22222222u}) {
        const size_t payloads[] = {0, 1, 160, 1100};
        for (int i = 0; i < 12; ++i) {
          auto sequence = static_cast<uint16_t>(65530 + i);  // across the wrap
          size_t payload = payloads[i % 4];
          Packet plain = rtpPacket(sequence, ssrc, payload, i % 3 == 0 ? 2 : 0);
          Packet secured = protect(*from, plain);
          CHECK(secured.size() == plain.size() + tag);
          CHECK(std::equal(plain.begin(), plain.begin() + 12, secured.begin()));  // the header stays in the clear
          if (payload > 16) {
            CHECK_FALSE(std::equal(plain.end() - 16, plain.end(), secured.end() - 16 - static_cast<long>(tag)));
          }
          auto back = unprotect(*to, secured);
          REQUIRE(back);
          CHECK(*back == plain);
        }
      }
      for (int i = 0; i < 5; ++i) {
        Packet plain = rtcpPacket(0x33333333);
        Packet secured = protect(*from, plain, true);
        CHECK(secured.size() == plain.size() + tag + 4);  // + E flag and SRTCP index
        auto back = unprotect(*to, secured, true);
        REQUIRE(back);
        CHECK(*back == plain);
      }
    }
  }
}

TEST_CASE("tampered packets fail authentication") {
  for (SrtpProfile profile : kProfiles) {
    CAPTURE(nameOf(profile));
    Ends ends = endsFor(profile);
    uint16_t sequence = 100;
    for (bool rtcp : {false, true}) {
      Packet plain = rtcp ? rtcpPacket(0xABCD) : rtpPacket(0, 0xABCD, 200);
      Packet probe = protect(*ends.server, plain, rtcp);
      // Flip one bit at each position: header, payload, tag (and the SRTCP index).
      for (size_t at = rtcp ? 4 : 1; at < probe.size(); at += 7) {
        CAPTURE(at);
        if (!rtcp) {
          plain[2] = static_cast<uint8_t>(sequence >> 8);
          plain[3] = static_cast<uint8_t>(sequence++);
        }
        Packet secured = protect(*ends.server, plain, rtcp);
        secured[at] ^= 0x10;
        auto result = unprotect(*ends.client, secured, rtcp);
        REQUIRE_FALSE(result);
        CHECK((contains(result.error(), "authentication failed") || contains(result.error(), "replay") ||
               contains(result.error(), "malformed")));
      }
      // Untouched, the next one passes: a failure does not poison the session.
      if (!rtcp) {
        plain[2] = static_cast<uint8_t>(sequence >> 8);
        plain[3] = static_cast<uint8_t>(sequence++);
      }
      auto good = unprotect(*ends.client, protect(*ends.server, plain, rtcp), rtcp);
      REQUIRE(good);
      CHECK(*good == plain);
    }
    // A payload bit flipped is always an authentication failure.
    Packet secured = protect(*ends.server, rtpPacket(5000, 0xABCD, 50));
    secured[20] ^= 0x01;
    auto result = unprotect(*ends.client, secured);
    REQUIRE_FALSE(result);
    CHECK(contains(result.error(), "SRTP unprotect: authentication failed"));
    // Keyed by another association entirely.
    KeyPair stranger = keysFor(profile, 9);
    auto other = SrtpSession::create(stranger.server);
    REQUIRE(other);
    result = unprotect(*ends.client, protect(**other, rtpPacket(6000, 0xABCD, 50)));
    REQUIRE_FALSE(result);
    CHECK(contains(result.error(), "authentication failed"));
  }
}

TEST_CASE("a replayed packet fails inbound; a repeated protect (retransmission) succeeds outbound") {
  for (SrtpProfile profile : kProfiles) {
    CAPTURE(nameOf(profile));
    Ends ends = endsFor(profile);
    Packet plain = rtpPacket(1000, 0x1234, 300);
    Packet first = protect(*ends.server, plain);
    Packet again = protect(*ends.server, plain);  // a NACKed packet sent again
    CHECK(again == first);
    REQUIRE(unprotect(*ends.client, first));
    auto replay = unprotect(*ends.client, again);
    REQUIRE_FALSE(replay);
    CHECK(contains(replay.error(), "replay"));
    // Later and out-of-order packets within the window are fine.
    REQUIRE(unprotect(*ends.client, protect(*ends.server, rtpPacket(1002, 0x1234, 10))));
    REQUIRE(unprotect(*ends.client, protect(*ends.server, rtpPacket(1001, 0x1234, 10))));
    // Far behind the 1024-packet window: too old.
    Packet late = protect(*ends.server, rtpPacket(1500, 0x1234, 10));
    REQUIRE(unprotect(*ends.client, protect(*ends.server, rtpPacket(3000, 0x1234, 10))));
    auto old = unprotect(*ends.client, late);
    REQUIRE_FALSE(old);
    CHECK(contains(old.error(), "too old"));
    // SRTCP: a replay too.
    Packet report = protect(*ends.server, rtcpPacket(0x1234), true);
    REQUIRE(unprotect(*ends.client, report, true));
    auto replayedReport = unprotect(*ends.client, report, true);
    REQUIRE_FALSE(replayedReport);
    CHECK(contains(replayedReport.error(), "replay"));
  }
}

TEST_CASE("truncated and malformed packets fail cleanly") {
  for (SrtpProfile profile : kProfiles) {
    CAPTURE(nameOf(profile));
    Ends ends = endsFor(profile);
    for (bool rtcp : {false, true}) {
      CAPTURE(rtcp);
      for (uint16_t sequence = 0; sequence < 4; ++sequence) {
        Packet plain = rtcp ? rtcpPacket(0x99) : rtpPacket(sequence, 0x99, 40, static_cast<uint8_t>(sequence));
        Packet secured = protect(*ends.server, plain, rtcp);
        for (size_t length = 0; length < secured.size(); ++length) {
          CAPTURE(length);
          auto result =
              unprotect(*ends.client, Packet(secured.begin(), secured.begin() + static_cast<long>(length)), rtcp);
          CHECK_FALSE(result);
        }
      }
    }
    // A header whose CSRC count or extension length runs past the packet.
    Packet csrcs = rtpPacket(7, 0x99, 0);
    csrcs[0] = 0x8F;  // 15 CSRCs claimed, none there
    Packet buffer = csrcs;
    buffer.resize(csrcs.size() + SrtpSession::kMaxTrailer);
    CHECK_FALSE(ends.server->protect(buffer, csrcs.size()));
    CHECK_FALSE(unprotect(*ends.client, csrcs));
    Packet extension = rtpPacket(8, 0x99, 4);
    extension[0] = 0x90;  // X bit: the 4 payload bytes are an extension header claiming more
    extension[14] = 0x10;
    buffer = extension;
    buffer.resize(extension.size() + SrtpSession::kMaxTrailer);
    CHECK_FALSE(ends.server->protect(buffer, extension.size()));
    // Not version 2; shorter than a header.
    Packet version1 = rtpPacket(9, 0x99, 10);
    version1[0] = 0x40;
    buffer = version1;
    buffer.resize(version1.size() + SrtpSession::kMaxTrailer);
    auto refused = ends.server->protect(buffer, version1.size());
    REQUIRE_FALSE(refused);
    CHECK(contains(refused.error(), "not RTP version 2"));
    CHECK_FALSE(unprotect(*ends.client, version1));
    buffer.assign(11 + SrtpSession::kMaxTrailer, 0x80);
    CHECK_FALSE(ends.server->protect(buffer, 11));
    buffer.assign(7 + SrtpSession::kMaxTrailer, 0x80);
    CHECK_FALSE(ends.server->protectRtcp(buffer, 7));
  }
}

TEST_CASE("protect needs room for the trailer after the packet") {
  Ends ends = endsFor(SrtpProfile::kAes128CmHmacSha1_80);
  Packet plain = rtpPacket(1, 2, 100);
  Packet buffer = plain;
  buffer.resize(plain.size() + SrtpSession::kMaxTrailer - 1);
  auto result = ends.server->protect(buffer, plain.size());
  REQUIRE_FALSE(result);
  CHECK(contains(result.error(), "no room"));
  CHECK(std::equal(plain.begin(), plain.end(), buffer.begin()));  // untouched
  CHECK_FALSE(ends.server->protectRtcp(buffer, plain.size()));
  CHECK_FALSE(ends.server->protect(buffer, buffer.size() + 1));  // a length past the buffer
}

TEST_CASE("keys of the wrong length are refused; srtp_init once from many threads") {
  KeyPair keys = keysFor(SrtpProfile::kAeadAes128Gcm);
  SrtpKeys wrong = keys.server;
  wrong.profile = SrtpProfile::kAes128CmHmacSha1_80;  // 28-byte keys for a 30-byte profile
  auto refused = SrtpSession::create(wrong);
  REQUIRE_FALSE(refused);
  CHECK(contains(refused.error(), "not 30"));
  wrong = keys.server;
  wrong.remote.pop_back();
  CHECK_FALSE(SrtpSession::create(wrong));

  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (size_t i = 0; i < ok.size(); ++i) {
    threads.emplace_back([&ok, i] {
      KeyPair pair = keysFor(SrtpProfile::kAes128CmHmacSha1_80, static_cast<uint8_t>(i));
      auto session = SrtpSession::create(pair.server);
      ok[i] = session.isOk() && initSrtpLibrary().isOk() ? 1 : 0;
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(std::accumulate(ok.begin(), ok.end(), 0) == 8);
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc
