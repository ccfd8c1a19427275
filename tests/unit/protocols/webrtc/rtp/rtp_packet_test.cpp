#include "protocols/webrtc/rtp/rtp_packet.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::webrtc::rtp {
namespace {

using ByteVector = std::vector<uint8_t>;

ByteVector toVector(std::span<const uint8_t> data) {
  return {data.begin(), data.end()};
}

ByteVector build(const RtpHeader& header, std::span<const uint8_t> payload) {
  auto packet = buildRtpPacket(header, payload);
  REQUIRE(packet.isOk());
  return toVector(packet->span());
}

// The extensions of a parsed packet as (id, value) pairs, for comparison.
std::vector<std::pair<uint8_t, ByteVector>> pairs(std::span<const RtpExtension> extensions) {
  std::vector<std::pair<uint8_t, ByteVector>> out;
  for (const auto& extension : extensions) {
    out.emplace_back(extension.id, toVector(extension.value));
  }
  return out;
}

TEST_SUITE_BEGIN("rtp");

TEST_CASE("RTP: the fixed header, byte for byte, and back") {
  const ByteVector payload = {0xde, 0xad, 0xbe, 0xef};
  RtpHeader header;
  header.marker = true;
  header.payloadType = 96;
  header.sequence = 0x1234;
  header.timestamp = 0x89abcdef;
  header.ssrc = 0x01020304;
  const ByteVector packet = build(header, payload);
  const ByteVector expected = {0x80, 0xe0, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x02,
                               0x03, 0x04, 0xde, 0xad, 0xbe, 0xef};
  CHECK(packet == expected);

  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  CHECK(parsed->marker);
  CHECK(parsed->payloadType == 96);
  CHECK(parsed->sequence == 0x1234);
  CHECK(parsed->timestamp == 0x89abcdef);
  CHECK(parsed->ssrc == 0x01020304);
  CHECK(parsed->csrcCount() == 0);
  CHECK_FALSE(parsed->hasExtension);
  CHECK(parsed->headerSize == kRtpFixedHeaderSize);
  CHECK(parsed->paddingSize == 0);
  CHECK(parsed->payload.data() == packet.data() + 12);
  CHECK(toVector(parsed->payload) == payload);
  CHECK(parsed->extensions().empty());
  CHECK_FALSE(parsed->extension(1).has_value());
}

TEST_CASE("RTP: an empty payload, payload type 127 and marker clear") {
  RtpHeader header;
  header.payloadType = 127;
  const ByteVector packet = build(header, {});
  CHECK(packet.size() == kRtpFixedHeaderSize);
  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  CHECK_FALSE(parsed->marker);
  CHECK(parsed->payloadType == 127);
  CHECK(parsed->payload.empty());
}

TEST_CASE("RTP: 15 CSRCs round trip, a 16th is refused") {
  std::array<uint32_t, 16> csrcs{};
  for (size_t i = 0; i < csrcs.size(); ++i) {
    csrcs[i] = 0x10000000u * static_cast<uint32_t>(i) + 7;
  }
  RtpHeader header;
  header.csrcs = std::span(csrcs).first(15);
  const ByteVector payload = fixtures::pattern(10, 3);
  const ByteVector packet = build(header, payload);
  CHECK(packet[0] == 0x8f);
  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  REQUIRE(parsed->csrcCount() == 15);
  for (size_t i = 0; i < 15; ++i) {
    CHECK(parsed->csrc(i) == csrcs[i]);
  }
  CHECK(parsed->headerSize == 12 + 60);
  CHECK(toVector(parsed->payload) == payload);

  header.csrcs = csrcs;
  CHECK_FALSE(buildRtpPacket(header, payload).isOk());
  CHECK_FALSE(rtpHeaderSize(header).isOk());
}

TEST_CASE("RTP: one-byte extensions (0xBEDE), ids 1..14 and sizes 1..16, padded to words") {
  std::vector<ByteVector> values;
  std::vector<RtpExtension> extensions;
  for (uint8_t id = 1; id <= 14; ++id) {
    values.push_back(fixtures::pattern(id == 14 ? 16 : id, id));
  }
  for (uint8_t id = 1; id <= 14; ++id) {
    extensions.push_back({id, values[id - 1]});
  }
  RtpHeader header;
  header.sequence = 7;
  header.extensions = extensions;
  const ByteVector payload = fixtures::pattern(33, 9);
  const ByteVector packet = build(header, payload);
  // 14 element headers + 1 + 2 + ... + 13 + 16 value bytes = 121, padded to 124.
  CHECK(packet[0] == 0x90);
  CHECK(packet[12] == 0xBE);
  CHECK(packet[13] == 0xDE);
  CHECK(loadU16(packet.data() + 14) == 31);
  CHECK(packet[16] == 0x10);  // id 1, one byte
  CHECK(packet.size() == 12 + 4 + 124 + payload.size());
  CHECK(std::all_of(packet.begin() + 16 + 121, packet.begin() + 16 + 124, [](uint8_t b) { return b == 0; }));
  auto size = rtpHeaderSize(header);
  REQUIRE(size.isOk());
  CHECK(*size == 12 + 4 + 124);

  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  CHECK(parsed->hasExtension);
  CHECK(parsed->extensionProfile == kOneByteExtensionProfile);
  CHECK(parsed->extensionData.size() == 124);
  CHECK(pairs(parsed->extensions()) == pairs(extensions));
  CHECK(toVector(*parsed->extension(14)) == values[13]);
  CHECK(toVector(*parsed->extension(3)) == values[2]);
  CHECK_FALSE(parsed->extension(15).has_value());
  CHECK(toVector(parsed->payload) == payload);
}

TEST_CASE("RTP: two-byte extensions (0x100X): chosen for big ids, empty or long values, or forced") {
  const ByteVector small = {0xaa};
  const ByteVector empty;
  const ByteVector longValue = fixtures::pattern(255, 1);
  const ByteVector seventeen = fixtures::pattern(17, 2);
  struct Case {
    std::vector<RtpExtension> extensions;
    bool forced;
  };
  const std::vector<Case> cases = {
      {{{1, small}, {200, small}}, false},
      {{{1, small}, {2, empty}}, false},
      {{{1, small}, {3, seventeen}}, false},
      {{{255, longValue}}, false},
      {{{1, small}, {2, small}}, true},
  };
  for (const auto& [extensions, forced] : cases) {
    RtpHeader header;
    header.extensions = extensions;
    header.twoByteExtensions = forced;
    header.appBits = 0x5;
    const ByteVector payload = fixtures::pattern(5, 5);
    const ByteVector packet = build(header, payload);
    CHECK(loadU16(packet.data() + 12) == 0x1005);
    auto parsed = parseRtpPacket(packet);
    REQUIRE(parsed.isOk());
    CHECK(parsed->extensionProfile == 0x1005);
    CHECK(pairs(parsed->extensions()) == pairs(extensions));
    CHECK(toVector(parsed->payload) == payload);
  }
}

TEST_CASE("RTP: extensions that cannot be written are refused") {
  const ByteVector value = {1};
  const ByteVector tooLong(256, 1);
  std::vector<RtpExtension> idZero = {{0, value}};
  std::vector<RtpExtension> overlong = {{1, tooLong}};
  RtpHeader header;
  header.extensions = idZero;
  CHECK_FALSE(buildRtpPacket(header, {}).isOk());
  header.extensions = overlong;
  CHECK_FALSE(buildRtpPacket(header, {}).isOk());
  std::vector<RtpExtension> fine = {{1, value}};
  header.extensions = fine;
  header.appBits = 16;
  CHECK_FALSE(buildRtpPacket(header, {}).isOk());
  header.appBits = 0;
  header.payloadType = 128;
  CHECK_FALSE(buildRtpPacket(header, {}).isOk());
}

TEST_CASE("RTP: one-byte parse skips padding bytes and stops at id 15") {
  const ByteVector packet = {
      0x90, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1,  // X set
      0xbe, 0xde, 0x00, 0x03,                          // 3 words
      0x00, 0x10, 0xaa, 0x00,                          // padding, id 1 = aa, padding
      0x21, 0xbb, 0xcc, 0x00,                          // id 2 = bb cc, padding
      0xf3, 0x31, 0x11, 0x22,                          // id 15: the rest is ignored
      0x99,                                            // payload
  };
  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  const std::vector<std::pair<uint8_t, ByteVector>> expected = {{1, {0xaa}}, {2, {0xbb, 0xcc}}};
  CHECK(pairs(parsed->extensions()) == expected);
  CHECK_FALSE(parsed->extension(3).has_value());
  CHECK(toVector(parsed->payload) == ByteVector{0x99});
}

TEST_CASE("RTP: two-byte parse skips padding bytes and takes empty values") {
  const ByteVector packet = {
      0x90, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1,  //
      0x10, 0x00, 0x00, 0x02,                          //
      0x00, 0x07, 0x00, 0x09,                          // padding, id 7 empty, id 9 ...
      0x02, 0xab, 0xcd, 0x00,                          // ... = ab cd, padding
  };
  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  const std::vector<std::pair<uint8_t, ByteVector>> expected = {{7, {}}, {9, {0xab, 0xcd}}};
  CHECK(pairs(parsed->extensions()) == expected);
  REQUIRE(parsed->extension(7).has_value());
  CHECK(parsed->extension(7)->empty());
}

TEST_CASE("RTP: another extension profile is kept as data, with no elements") {
  const ByteVector packet = {
      0x90, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1,  //
      0x12, 0x34, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff,  // anything goes
      0x42,
  };
  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  CHECK(parsed->extensionProfile == 0x1234);
  CHECK(parsed->extensionData.size() == 4);
  CHECK(parsed->extensions().empty());
  CHECK(toVector(parsed->payload) == ByteVector{0x42});
}

TEST_CASE("RTP: extension elements running past their block are refused") {
  // One-byte: id 1 claims 16 bytes in a 4-byte block.
  const ByteVector oneByte = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x1f, 1, 2, 3};
  CHECK_FALSE(parseRtpPacket(oneByte).isOk());
  // Two-byte: id 5's length byte is past the block.
  const ByteVector twoByteHeader = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 0, 1, 0, 0, 0, 5};
  CHECK_FALSE(parseRtpPacket(twoByteHeader).isOk());
  // Two-byte: id 5 claims 3 bytes, 2 left.
  const ByteVector twoByteValue = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 0, 1, 5, 3, 1, 2};
  CHECK_FALSE(parseRtpPacket(twoByteValue).isOk());
}

TEST_CASE("RTP: padding is taken off the payload; a count of 0 or past the header is refused") {
  RtpHeader header;
  header.paddingSize = 7;
  const ByteVector payload = fixtures::pattern(20, 1);
  const ByteVector packet = build(header, payload);
  CHECK(packet[0] == 0xa0);
  CHECK(packet.size() == 12 + 20 + 7);
  CHECK(packet.back() == 7);
  auto parsed = parseRtpPacket(packet);
  REQUIRE(parsed.isOk());
  CHECK(parsed->paddingSize == 7);
  CHECK(toVector(parsed->payload) == payload);

  // Padding only: a probe packet.
  header.paddingSize = 255;
  const ByteVector probe = build(header, {});
  auto parsedProbe = parseRtpPacket(probe);
  REQUIRE(parsedProbe.isOk());
  CHECK(parsedProbe->payload.empty());

  // The same packet with another padding count: 27 bytes follow the header.
  const auto withCount = [&](uint8_t count) {
    ByteVector changed(packet.begin(), packet.end() - 1);
    changed.push_back(count);
    return changed;
  };
  CHECK_FALSE(parseRtpPacket(withCount(0)).isOk());
  CHECK_FALSE(parseRtpPacket(withCount(28)).isOk());
  CHECK(parseRtpPacket(withCount(27)).isOk());
  // P set and nothing after the header.
  ByteVector bare(12, 0);
  bare[0] = 0xa0;
  CHECK_FALSE(parseRtpPacket(bare).isOk());
}

TEST_CASE("RTP: every truncation of the header is refused") {
  const std::array<uint32_t, 3> csrcs = {1, 2, 3};
  const ByteVector value = fixtures::pattern(5, 4);
  const std::vector<RtpExtension> oneByte = {{1, value}, {2, value}};
  const std::vector<RtpExtension> twoByte = {{100, value}, {2, {}}};
  for (const auto* extensions : {&oneByte, &twoByte}) {
    RtpHeader header;
    header.csrcs = csrcs;
    header.extensions = *extensions;
    header.paddingSize = 3;
    const ByteVector packet = build(header, fixtures::pattern(8, 2));
    auto headerSize = rtpHeaderSize(header);
    REQUIRE(headerSize.isOk());
    // Cut anywhere in the header: fixed part, CSRCs, extension header or block.
    for (size_t cut = 0; cut < *headerSize; ++cut) {
      CAPTURE(cut);
      CHECK_FALSE(parseRtpPacket(std::span(packet).first(cut)).isOk());
    }
    // With the padding bit cleared, a cut in the payload is a shorter payload.
    ByteVector unpadded = packet;
    unpadded[0] &= ~0x20;
    for (size_t cut = *headerSize; cut <= packet.size(); ++cut) {
      auto parsed = parseRtpPacket(std::span(unpadded).first(cut));
      REQUIRE(parsed.isOk());
      CHECK(parsed->payload.size() == cut - *headerSize);
    }
  }
}

TEST_CASE("RTP: a version other than 2 is refused") {
  ByteVector packet = build({}, fixtures::pattern(4, 1));
  for (uint8_t version : {0, 1, 3}) {
    packet[0] = static_cast<uint8_t>(version << 6);
    CHECK_FALSE(parseRtpPacket(packet).isOk());
  }
}

TEST_CASE("RTP: writeRtpPacket writes what buildRtpPacket builds, and refuses a short buffer") {
  const std::array<uint32_t, 1> csrcs = {0xcafe};
  const ByteVector value = {1, 2, 3};
  const std::vector<RtpExtension> extensions = {{3, value}};
  RtpHeader header;
  header.marker = true;
  header.payloadType = 111;
  header.sequence = 65535;
  header.timestamp = 0xffffffff;
  header.ssrc = 0xfeedface;
  header.csrcs = csrcs;
  header.extensions = extensions;
  header.paddingSize = 2;
  const ByteVector payload = fixtures::pattern(100, 8);
  const ByteVector built = build(header, payload);
  ByteVector out(built.size() + 10, 0xee);
  auto written = writeRtpPacket(out, header, payload);
  REQUIRE(written.isOk());
  CHECK(*written == built.size());
  CHECK(ByteVector(out.begin(), out.begin() + static_cast<ptrdiff_t>(*written)) == built);

  ByteVector tooSmall(built.size() - 1, 0xee);
  CHECK_FALSE(writeRtpPacket(tooSmall, header, payload).isOk());
  CHECK(std::all_of(tooSmall.begin(), tooSmall.end(), [](uint8_t b) { return b == 0xee; }));
}

TEST_CASE("RTP: the per-viewer rewrite changes SSRC, sequence and payload type only") {
  const ByteVector value = {9, 9};
  const std::vector<RtpExtension> extensions = {{4, value}};
  RtpHeader header;
  header.marker = true;
  header.payloadType = 96;
  header.sequence = 100;
  header.timestamp = 123456;
  header.ssrc = 1;
  header.extensions = extensions;
  const ByteVector payload = fixtures::pattern(50, 6);
  auto shared = buildRtpPacket(header, payload);
  REQUIRE(shared.isOk());

  ByteVector copy = toVector(shared->span());
  REQUIRE(rewriteRtpHeader(copy, {0xa1b2c3d4, 54321, 102}).isOk());
  auto parsed = parseRtpPacket(copy);
  REQUIRE(parsed.isOk());
  CHECK(parsed->ssrc == 0xa1b2c3d4);
  CHECK(parsed->sequence == 54321);
  CHECK(parsed->payloadType == 102);
  CHECK(parsed->marker);
  CHECK(parsed->timestamp == 123456);
  CHECK(toVector(*parsed->extension(4)) == value);
  CHECK(toVector(parsed->payload) == payload);
  // The shared bytes are untouched.
  CHECK(parseRtpPacket(shared->span())->ssrc == 1);

  header.marker = false;
  ByteVector unmarked = build(header, payload);
  REQUIRE(rewriteRtpHeader(unmarked, {5, 6, 7}).isOk());
  CHECK_FALSE(parseRtpPacket(unmarked)->marker);
  CHECK(parseRtpPacket(unmarked)->payloadType == 7);

  const ByteVector before = copy;
  CHECK_FALSE(rewriteRtpHeader(copy, {1, 2, 128}).isOk());
  CHECK_FALSE(rewriteRtpHeader(std::span(copy).first(11), {1, 2, 3}).isOk());
  copy[0] = 0x40;
  CHECK_FALSE(rewriteRtpHeader(copy, {1, 2, 3}).isOk());
  copy[0] = before[0];
  CHECK(copy == before);
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc::rtp
