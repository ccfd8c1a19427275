#include "protocols/webrtc/rtp/rtcp_packet.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace rtsedge::webrtc::rtp {
namespace {

std::vector<uint8_t> bytesOf(const Bytes& bytes) {
  return {bytes.data(), bytes.data() + bytes.size()};
}

template <class T>
const T& as(const RtcpItem& item) {
  REQUIRE(std::holds_alternative<T>(item.body));
  return std::get<T>(item.body);
}

std::vector<RtcpItem> parseOk(std::span<const uint8_t> data) {
  auto items = parseRtcp(data);
  REQUIRE_MESSAGE(items.isOk(), items.error().message());
  return std::move(*items);
}

std::string parseError(std::span<const uint8_t> data) {
  auto items = parseRtcp(data);
  REQUIRE_FALSE(items.isOk());
  return items.error().message();
}

ReportBlock block(uint32_t ssrc, int32_t lost) {
  return {ssrc, 26, lost, 0x0001FFF0u + ssrc, 480, 0x12345678, 0x00018000};
}

// One packet of every type we build, in one compound.
Bytes everyType() {
  BytesBuilder out;
  appendSenderReport(out, {0x1111, {0xE1234567'89ABCDEFull, 90000, 10, 12000}, {block(7, 3)}});
  appendReceiverReport(out, {0x2222, {block(8, -2), block(9, 0)}});
  appendSdesCname(out, 0x1111, "rtsedge/cname");
  std::vector<uint16_t> lost = {5, 6, 40};
  appendNack(out, 0x2222, 0x1111, lost);
  appendPli(out, 0x2222, 0x1111);
  appendFir(out, {0x2222, {{0x1111, 4}}});
  appendRemb(out, {0x2222, 1'500'000, {0x1111, 0x3333}});
  std::vector<uint32_t> bye = {0x1111};
  appendBye(out, bye);
  return out.freeze();
}

TEST_SUITE("rtcp") {
  TEST_CASE("RTCP: sender report round trip, NTP and counts, report blocks") {
    SenderReport sr{0xCAFEBABE, {0xE8000000'80000000ull, 0xFFFFFFF0, 12345, 9'876'543}, {block(1, 5), block(2, -7)}};
    BytesBuilder out;
    appendSenderReport(out, sr);
    Bytes bytes = out.freeze();
    CHECK(bytes.size() == 28 + 2 * 24);
    CHECK(bytes[0] == 0x82);
    CHECK(bytes[1] == 200);
    auto items = parseOk(bytes.span());
    REQUIRE(items.size() == 1);
    CHECK(items[0].type == kRtcpSr);
    CHECK(items[0].offset == 0);
    CHECK(items[0].size == bytes.size());
    CHECK(as<SenderReport>(items[0]) == sr);
    CHECK(compactNtp(sr.info.ntpTimestamp) == 0x00008000);
  }

  TEST_CASE("RTCP: cumulative lost is 24-bit signed and clamped") {
    ReceiverReport rr{
        1, {block(1, -1), block(2, 0x7FFFFF), block(3, -0x800000), block(4, 0x1000000), block(5, -0x900000)}};
    BytesBuilder out;
    appendReceiverReport(out, rr);
    Bytes bytes = out.freeze();
    CHECK(bytes[8 + 5] == 0xFF);  // -1 as 24 bits
    auto items = parseOk(bytes.span());
    const auto& parsed = as<ReceiverReport>(items[0]);
    REQUIRE(parsed.reports.size() == 5);
    CHECK(parsed.reports[0].cumulativeLost == -1);
    CHECK(parsed.reports[1].cumulativeLost == 0x7FFFFF);
    CHECK(parsed.reports[2].cumulativeLost == -0x800000);
    CHECK(parsed.reports[3].cumulativeLost == 0x7FFFFF);
    CHECK(parsed.reports[4].cumulativeLost == -0x800000);
  }

  TEST_CASE("RTCP: more than 31 report blocks continue in RRs") {
    std::vector<ReportBlock> blocks;
    for (uint32_t i = 0; i < 70; ++i) {
      blocks.push_back(block(i, static_cast<int32_t>(i)));
    }
    BytesBuilder out;
    appendSenderReport(out, {5, {1, 2, 3, 4}, blocks});
    appendReceiverReport(out, {6, {}});
    auto items = parseOk(out.freeze().span());
    REQUIRE(items.size() == 4);
    CHECK(as<SenderReport>(items[0]).reports.size() == 31);
    CHECK(as<ReceiverReport>(items[1]).reports.size() == 31);
    CHECK(as<ReceiverReport>(items[2]).ssrc == 5);
    CHECK(as<ReceiverReport>(items[2]).reports.size() == 8);
    CHECK(as<ReceiverReport>(items[2]).reports.back() == blocks.back());
    CHECK(as<ReceiverReport>(items[3]) == ReceiverReport{6, {}});
  }

  TEST_CASE("RTCP: every type builds and parses back, in one compound") {
    Bytes bytes = everyType();
    auto items = parseOk(bytes.span());
    REQUIRE(items.size() == 8);
    size_t offset = 0;
    for (const auto& item : items) {
      CHECK(item.offset == offset);
      offset += item.size;
    }
    CHECK(offset == bytes.size());
    CHECK(as<SenderReport>(items[0]).info.rtpTimestamp == 90000);
    CHECK(as<ReceiverReport>(items[1]).reports[0].cumulativeLost == -2);
    CHECK(as<SourceDescription>(items[2]).chunkCount == 1);
    CHECK(as<Nack>(items[3]) == Nack{0x2222, 0x1111, {5, 6, 40}});
    CHECK(as<Pli>(items[4]) == Pli{0x2222, 0x1111});
    CHECK(as<Fir>(items[5]) == Fir{0x2222, {{0x1111, 4}}});
    CHECK(as<Remb>(items[6]) == Remb{0x2222, 1'500'000, {0x1111, 0x3333}});
    CHECK(as<Bye>(items[7]).ssrcs == std::vector<uint32_t>{0x1111});
  }

  TEST_CASE("RTCP: SDES CNAME chunks end with a null octet and pad to 32 bits") {
    for (size_t length : {0, 1, 2, 3, 4, 5, 100, 255, 300}) {
      CAPTURE(length);
      BytesBuilder out;
      appendSdesCname(out, 9, std::string(length, 'c'));
      Bytes bytes = out.freeze();
      size_t text = std::min<size_t>(length, 255);
      CHECK(bytes.size() % 4 == 0);
      CHECK(bytes.size() >= 4 + 4 + 2 + text + 1);
      CHECK(bytes.size() < 4 + 4 + 2 + text + 1 + 4);
      CHECK(bytes[9] == text);
      CHECK(bytes[bytes.size() - 1] == 0);
      CHECK(as<SourceDescription>(parseOk(bytes.span())[0]).chunkCount == 1);
    }
  }

  TEST_CASE("RTCP: NACK packing, a run of 17 in one pair, a gap over 16 in two") {
    std::vector<uint16_t> run(17);
    std::iota(run.begin(), run.end(), uint16_t{100});
    CHECK(packNacks(run) == std::vector<NackPair>{{100, 0xFFFF}});
    std::vector<uint16_t> gap = {100, 117};
    CHECK(packNacks(gap) == std::vector<NackPair>{{100, 0}, {117, 0}});
    std::vector<uint16_t> edge = {100, 116, 133};
    CHECK(packNacks(edge) == std::vector<NackPair>{{100, 0x8000}, {133, 0}});
    std::vector<uint16_t> scattered = {7, 3, 3, 5, 40, 7};  // any order, duplicates
    CHECK(packNacks(scattered) == std::vector<NackPair>{{3, 0b1010}, {40, 0}});
    CHECK(packNacks({}).empty());
  }

  TEST_CASE("RTCP: NACK packing across the wrap at 65535") {
    std::vector<uint16_t> wrap = {1, 65535, 0, 65534};
    CHECK(packNacks(wrap) == std::vector<NackPair>{{65534, 0b111}});
    std::vector<uint16_t> wide = {65530, 65535, 10, 30};
    CHECK(packNacks(wide) == std::vector<NackPair>{{65530, 1u << 4 | 1u << 15}, {30, 0}});
    BytesBuilder out;
    appendNack(out, 1, 2, wrap);
    auto items = parseOk(out.freeze().span());
    CHECK(as<Nack>(items[0]).lost == std::vector<uint16_t>{65534, 65535, 0, 1});
  }

  TEST_CASE("RTCP: NACK round trips for random loss sets") {
    std::mt19937 random(7);
    for (int round = 0; round < 200; ++round) {
      auto start = static_cast<uint16_t>(random());
      std::vector<uint16_t> lost;
      uint16_t seq = start;
      size_t count = 1 + random() % 60;
      for (size_t i = 0; i < count; ++i) {
        seq = static_cast<uint16_t>(seq + 1 + random() % 30);
        lost.push_back(seq);
      }
      std::vector<uint16_t> shuffled = lost;
      std::shuffle(shuffled.begin(), shuffled.end(), random);
      BytesBuilder out;
      appendNack(out, 1, 2, shuffled);
      auto items = parseOk(out.freeze().span());
      REQUIRE(items.size() == 1);
      CHECK(as<Nack>(items[0]).lost == lost);  // in sequence order, across the wrap
    }
  }

  TEST_CASE("RTCP: an empty NACK or FIR appends nothing") {
    BytesBuilder out;
    appendNack(out, 1, 2, {});
    appendFir(out, {1, {}});
    CHECK(out.size() == 0);
  }

  TEST_CASE("RTCP: REMB keeps an 18-bit mantissa and saturates what overflows") {
    for (uint64_t bitrate : std::vector<uint64_t>{0, 1, 0x3FFFF, 0x40000, 2'500'000, 123'456'789'012, UINT64_MAX}) {
      CAPTURE(bitrate);
      BytesBuilder out;
      appendRemb(out, {1, bitrate, {}});
      auto parsed = as<Remb>(parseOk(out.freeze().span())[0]).bitrateBps;
      CHECK(parsed <= bitrate);
      CHECK(parsed >= bitrate - bitrate / 0x20000);  // within one mantissa step
    }
    // Exponent 63 and a full mantissa: past 64 bits.
    std::vector<uint8_t> wire = {0x8F, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 0, 0xFF, 0xFF, 0xFF};
    CHECK(as<Remb>(parseOk(wire)[0]).bitrateBps == UINT64_MAX);
  }

  TEST_CASE("RTCP: captured shape, Chrome's SR + SDES") {
    // V=2 RC=1 SR, length 12 words: SSRC, NTP, RTP ts, counts, one report block.
    std::vector<uint8_t> wire = {
        0x81, 0xC8, 0x00, 0x0C, 0x4E, 0x9A, 0x3B, 0x21,  // SR, SSRC
        0xE9, 0x1F, 0x2A, 0x10, 0x40, 0x00, 0x00, 0x00,  // NTP 0xE91F2A10.40000000
        0x00, 0x01, 0x5F, 0x90, 0x00, 0x00, 0x01, 0x2C,  // RTP 90000, 300 packets
        0x00, 0x05, 0x7E, 0x40,                          // 360000 octets
        0x11, 0x22, 0x33, 0x44, 0x0A, 0xFF, 0xFF, 0xFE,  // block: SSRC, fraction 10, lost -2
        0x00, 0x02, 0x10, 0x05, 0x00, 0x00, 0x00, 0x30,  // ext seq 0x21005, jitter 48
        0x2A, 0x10, 0x40, 0x00, 0x00, 0x01, 0x00, 0x00,  // LSR, DLSR 1 s
        0x81, 0xCA, 0x00, 0x06, 0x4E, 0x9A, 0x3B, 0x21,  // SDES, 1 chunk, 6 words
        0x01, 0x10, 'u',  'G',  'k',  'm',  'b',  'V',   // CNAME, 16 bytes
        'n',  '2',  'r',  'Q',  'x',  'Q',  '6',  'y',  'Y', 'Z', 0x00, 0x00,
    };
    auto items = parseOk(wire);
    REQUIRE(items.size() == 2);
    const auto& sr = as<SenderReport>(items[0]);
    CHECK(sr.ssrc == 0x4E9A3B21);
    CHECK(sr.info == SenderInfo{0xE91F2A10'40000000ull, 90000, 300, 360000});
    REQUIRE(sr.reports.size() == 1);
    CHECK(sr.reports[0] == ReportBlock{0x11223344, 10, -2, 0x21005, 48, 0x2A104000, 0x10000});
    CHECK(items[1].type == kRtcpSdes);
    CHECK(items[1].offset == 52);
    CHECK(items[1].size == 28);
  }

  TEST_CASE("RTCP: captured shape, a receiver's RR + REMB") {
    std::vector<uint8_t> wire = {
        0x80, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,  // RR without blocks, SSRC 1
        0x8F, 0xCE, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01,  // PSFB fmt 15, 6 words, sender 1
        0x00, 0x00, 0x00, 0x00, 'R',  'E',  'M',  'B',   // media 0, "REMB"
        0x02, 0x12, 0x62, 0x5A,                          // 2 SSRCs, exp 4, mantissa 0x2625A
        0xDE, 0xAD, 0xBE, 0xEF, 0x0B, 0xAD, 0xF0, 0x0D,
    };
    auto items = parseOk(wire);
    REQUIRE(items.size() == 2);
    CHECK(as<ReceiverReport>(items[0]) == ReceiverReport{1, {}});
    CHECK(as<Remb>(items[1]) == Remb{1, 0x2625Aull << 4, {0xDEADBEEF, 0x0BADF00D}});
  }

  TEST_CASE("RTCP: unknown types and formats are skipped by their length") {
    std::vector<uint8_t> wire = {
        0x80, 0xCF, 0x00, 0x02, 0, 0, 0, 1, 9,   9,   9,   9,  // XR (207)
        0x83, 0xCD, 0x00, 0x04, 0, 0, 0, 1, 0,   0,   0,   2,   0,    0,    0,    2,
        1,    2,    3,    4,                                                             // RTPFB fmt 3 TMMBR
        0x82, 0xCE, 0x00, 0x03, 0, 0, 0, 1, 0,   0,   0,   2,   0xAB, 0xCD, 0xEF, 0x01,  // PSFB fmt 2 SLI
        0x8F, 0xCE, 0x00, 0x03, 0, 0, 0, 1, 0,   0,   0,   2,   'A',  'B',  'C',  'D',   // AFB, not REMB
        0x80, 0xCC, 0x00, 0x03, 0, 0, 0, 5, 'n', 'a', 'm', 'e', 1,    2,    3,    4,     // APP subtype 0
        0x80, 0xCB, 0x00, 0x00,                                                          // BYE without SSRCs
    };
    auto items = parseOk(wire);
    REQUIRE(items.size() == 6);
    CHECK(items[0].type == 207);
    CHECK(as<UnknownRtcp>(items[1]).format == 3);
    CHECK(as<UnknownRtcp>(items[2]).format == 2);
    CHECK(as<UnknownRtcp>(items[3]).format == 15);
    CHECK(as<AppPacket>(items[4]).ssrc == 5);
    CHECK(as<AppPacket>(items[4]).name == std::array<uint8_t, 4>{'n', 'a', 'm', 'e'});
    CHECK(as<Bye>(items[5]).ssrcs.empty());
  }

  TEST_CASE("RTCP: padding is taken off the packet it ends") {
    // A PLI padded by 4 bytes, then an RR: padding is accepted in any packet.
    std::vector<uint8_t> wire = {0xA1, 0xCE, 0x00, 0x03, 0,    0,    0,    1,    0, 0, 0, 2,
                                 0,    0,    0,    4,    0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 3};
    auto items = parseOk(wire);
    REQUIRE(items.size() == 2);
    CHECK(items[0].size == 16);
    CHECK(as<Pli>(items[0]) == Pli{1, 2});
    // Padding of 4 on a NACK leaves no entry.
    std::vector<uint8_t> nack = {0xA1, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4};
    CHECK(parseError(nack).find("without entries") != std::string::npos);
  }

  TEST_CASE("RTCP: errors name the packet and the reason") {
    Bytes bytes = everyType();
    std::vector<uint8_t> wire = bytesOf(bytes);
    CHECK(parseError({}) == "empty RTCP packet");
    auto versionOne = wire;
    versionOne[0] = 0x41;
    CHECK(parseError(versionOne) == "RTCP packet 0 at offset 0: version 1, not 2");
    auto items = parseOk(wire);
    auto badNack = wire;
    size_t at = items[3].offset;
    badNack[at + 3] = 2;  // 12 bytes: no FCI left; the rest of the compound follows as a packet
    std::string message = parseError(badNack);
    CHECK(message == fmt::format("RTCP packet 3 (RTPFB fmt 1) at offset {}: a generic NACK without entries", at));
    auto tooLong = wire;
    tooLong[items[7].offset + 3] = 50;
    CHECK(parseError(tooLong) ==
          fmt::format("RTCP packet 7 at offset {}: length of 204 bytes, 8 left", items[7].offset));
  }

  TEST_CASE("RTCP: hostile lengths and counts") {
    auto error = [](std::vector<uint8_t> wire) { return parseError(wire); };
    // Length larger than the buffer.
    CHECK(error({0x80, 0xC9, 0xFF, 0xFF, 0, 0, 0, 1}).find("length of 262144 bytes, 8 left") != std::string::npos);
    // Length zero: a 4-byte packet, too short for an SR, RR or feedback.
    CHECK(error({0x80, 0xC8, 0x00, 0x00}).find("less than the 28 of a sender report") != std::string::npos);
    CHECK(error({0x80, 0xC9, 0x00, 0x00}).find("less than the 8 of a receiver report") != std::string::npos);
    CHECK(error({0x81, 0xCD, 0x00, 0x00}).find("less than the 12 of a feedback header") != std::string::npos);
    CHECK(error({0x80, 0xCC, 0x00, 0x00}).find("of an APP packet") != std::string::npos);
    // Count fields that overrun the length.
    CHECK(error({0x9F, 0xC9, 0x00, 0x01, 0, 0, 0, 1}).find("31 report blocks need 752 bytes") != std::string::npos);
    CHECK(error({0x85, 0xCB, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2}).find("5 SSRCs need 24 bytes") != std::string::npos);
    CHECK(error({0x8F, 0xCE, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 200, 0, 0, 1, 0, 0, 0, 1})
              .find("a REMB with 200 SSRCs in 12 bytes") != std::string::npos);
    CHECK(error({0x84, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0}).find("a FIR without entries") != std::string::npos);
    CHECK(
        error({0x8F, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1}).find("transport-cc feedback of 4 bytes") !=
        std::string::npos);
    // Padding of zero, and padding longer than the packet.
    CHECK(error({0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 0}).find("padding of 0 bytes") != std::string::npos);
    CHECK(error({0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 5}).find("padding of 5 bytes in a packet of 8") != std::string::npos);
    // Bytes after the last packet, fewer than a header.
    for (size_t extra = 1; extra < 4; ++extra) {
      std::vector<uint8_t> wire = {0x80, 0xCB, 0x00, 0x00};
      wire.resize(4 + extra, 0x80);
      CHECK(error(wire) == fmt::format("RTCP packet 1 at offset 4: {} bytes left, less than a header", extra));
    }
  }

  TEST_CASE("RTCP: every truncation errors, or ends at a packet boundary and keeps the packets before it") {
    Bytes bytes = everyType();
    auto whole = parseOk(bytes.span());
    std::vector<size_t> boundaries;
    for (const auto& item : whole) {
      boundaries.push_back(item.offset + item.size);
    }
    for (size_t size = 0; size < bytes.size(); ++size) {
      CAPTURE(size);
      auto items = parseRtcp(bytes.span().first(size));
      auto boundary = std::find(boundaries.begin(), boundaries.end(), size);
      if (boundary == boundaries.end()) {
        CHECK_FALSE(items.isOk());
        continue;
      }
      REQUIRE(items.isOk());
      CHECK(items->size() == static_cast<size_t>(boundary - boundaries.begin()) + 1);
    }
  }

  TEST_CASE("RTCP: random damage never crashes and never points outside the input") {
    Bytes bytes = everyType();
    std::mt19937 random(42);
    for (int round = 0; round < 20000; ++round) {
      std::vector<uint8_t> wire = bytesOf(bytes);
      int edits = 1 + static_cast<int>(random() % 4);
      for (int i = 0; i < edits; ++i) {
        wire[random() % wire.size()] = static_cast<uint8_t>(random());
      }
      wire.resize(random() % (wire.size() + 1));
      auto items = parseRtcp(wire);
      if (!items) {
        continue;
      }
      for (const auto& item : *items) {
        CHECK(item.offset + item.size <= wire.size());
        if (const auto* nack = std::get_if<Nack>(&item.body)) {
          CHECK_FALSE(nack->lost.empty());
        }
        if (const auto* twcc = std::get_if<TransportCcItem>(&item.body)) {
          CHECK(twcc->fci.data() >= wire.data() + item.offset);
          CHECK(twcc->fci.data() + twcc->fci.size() <= wire.data() + item.offset + item.size);
        }
      }
    }
  }
}

}  // namespace
}  // namespace rtsedge::webrtc::rtp
