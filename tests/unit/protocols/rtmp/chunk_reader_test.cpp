#include "protocols/rtmp/chunk_reader.h"

#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "protocols/rtmp/chunk_writer.h"
#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::rtmp {
namespace {

using fixtures::pattern;

// Hand-assembled chunks, for the header forms our writer never produces.
struct Wire {
  std::vector<uint8_t> bytes;

  Wire& basic(uint8_t format, uint8_t csid) {
    bytes.push_back(static_cast<uint8_t>(format << 6 | csid));
    return *this;
  }
  Wire& u24(uint32_t value) {
    bytes.insert(bytes.end(), {uint8_t(value >> 16), uint8_t(value >> 8), uint8_t(value)});
    return *this;
  }
  Wire& u32(uint32_t value) {
    bytes.insert(bytes.end(), {uint8_t(value >> 24), uint8_t(value >> 16), uint8_t(value >> 8), uint8_t(value)});
    return *this;
  }
  Wire& u8(uint8_t value) {
    bytes.push_back(value);
    return *this;
  }
  Wire& streamId(uint32_t value) {  // little-endian on the wire
    bytes.insert(bytes.end(), {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)});
    return *this;
  }
  Wire& data(const std::vector<uint8_t>& payload, size_t offset = 0, size_t length = SIZE_MAX) {
    length = std::min(length, payload.size() - offset);
    bytes.insert(bytes.end(), payload.begin() + static_cast<ptrdiff_t>(offset),
                 payload.begin() + static_cast<ptrdiff_t>(offset + length));
    return *this;
  }
  Wire& append(const Bytes& chunks) {
    bytes.insert(bytes.end(), chunks.data(), chunks.data() + chunks.size());
    return *this;
  }
  Wire& message(const MessageHeader& header, const std::vector<uint8_t>& payload, uint32_t chunkSize) {
    BytesBuilder out;
    appendChunked(out, header, {std::span<const uint8_t>(payload)}, chunkSize);
    return append(out.freeze());
  }
};

struct Expected {
  uint32_t csid;
  uint32_t timestamp;
  uint8_t type;
  uint32_t streamId;
  std::vector<uint8_t> payload;
};

// Two messages interleaved on chunk streams 6 and 4, then fmt 1, 2 and 3 headers
// with small deltas, all at chunk size 128.
void interleavedAndDeltas(Wire& wire, std::vector<Expected>& expected) {
  auto video = pattern(1000, 1);
  auto audio = pattern(300, 2);
  Wire first;
  first.message({6, 1000, 9, 1}, video, 128);
  wire.data(first.bytes, 0, 1 + 11 + 128);    // the first video chunk,
  wire.message({4, 1010, 8, 1}, audio, 128);  // the whole audio message,
  wire.data(first.bytes, 1 + 11 + 128);       // then the rest of the video
  expected.push_back({4, 1010, 8, 1, audio});
  expected.push_back({6, 1000, 9, 1, video});
  auto small = pattern(10, 3);
  wire.basic(1, 6).u24(40).u24(10).u8(9).data(small);
  expected.push_back({6, 1040, 9, 1, small});
  wire.basic(2, 6).u24(40).data(small);
  expected.push_back({6, 1080, 9, 1, small});
  wire.basic(3, 6).data(small);  // a new message repeating the delta of 40
  expected.push_back({6, 1120, 9, 1, small});
}

// Extended deltas on fmt 1 and fmt 3 (new message), echoed on continuation
// chunks, then a small fmt-2 delta that drops the extension again.
void extendedDeltas(Wire& wire, std::vector<Expected>& expected) {
  constexpr uint32_t kDelta = 0x1000000;
  auto audio = pattern(200, 4);
  wire.basic(1, 4).u24(0xFFFFFF).u24(200).u8(8).u32(kDelta).data(audio, 0, 128);
  wire.basic(3, 4).u32(kDelta).data(audio, 128);
  expected.push_back({4, 1010 + kDelta, 8, 1, audio});
  wire.basic(3, 4).u32(kDelta).data(audio, 0, 128).basic(3, 4).u32(kDelta).data(audio, 128);
  expected.push_back({4, 1010 + 2 * kDelta, 8, 1, audio});
  wire.basic(2, 4).u24(20).data(audio, 0, 128).basic(3, 4).data(audio, 128);
  expected.push_back({4, 1030 + 2 * kDelta, 8, 1, audio});
  // SRS echoes the message's absolute timestamp rather than the delta.
  wire.basic(1, 4).u24(0xFFFFFF).u24(200).u8(8).u32(kDelta).data(audio, 0, 128);
  wire.basic(3, 4).u32(1030 + 3 * kDelta).data(audio, 128);
  expected.push_back({4, 1030 + 3 * kDelta, 8, 1, audio});
}

// Peers that omit the extended timestamp on fmt-3 continuation chunks. The second
// message's last chunk is one byte, so the peeked four bytes run into the next
// chunk (a fmt-3 header on chunk stream 8 and its payload) and are parsed again.
void omittedExtendedTimestamps(Wire& wire, std::vector<Expected>& expected) {
  auto first = pattern(258, 5);
  wire.basic(0, 7).u24(0xFFFFFF).u24(258).u8(9).streamId(1).u32(0x2000000).data(first, 0, 128);
  wire.basic(3, 7).data(first, 128, 128).basic(3, 7).data(first, 256);
  expected.push_back({7, 0x2000000, 9, 1, first});
  auto tiny = pattern(3, 6);
  wire.basic(0, 8).u24(5).u24(3).u8(8).streamId(1).data(tiny);
  expected.push_back({8, 5, 8, 1, tiny});
  auto second = pattern(129, 7);
  wire.basic(1, 7).u24(0xFFFFFF).u24(129).u8(9).u32(0x1000001).data(second, 0, 128);
  wire.basic(3, 7).data(second, 128);
  wire.basic(3, 8).data(tiny);
  expected.push_back({7, 0x3000001, 9, 1, second});
  expected.push_back({8, 10, 8, 1, tiny});
}

// A realistic stream: interleaved chunk streams, every header type, extended
// timestamps (echoed and omitted), a Set Chunk Size in the middle, every basic
// header form and an empty message.
std::vector<uint8_t> realisticStream(std::vector<Expected>& expected) {
  Wire wire;
  interleavedAndDeltas(wire, expected);
  extendedDeltas(wire, expected);
  omittedExtendedTimestamps(wire, expected);
  wire.append(setChunkSizeMessage(4096));
  expected.push_back({2, 0, 1, 0, {0, 0, 0x10, 0}});
  auto big = pattern(5000, 8);
  wire.message({6, 0x1000000, 9, 1}, big, 4096);  // extended, also on its fmt-3 chunk
  expected.push_back({6, 0x1000000, 9, 1, big});
  for (uint32_t csid : {64u, 319u, 320u, 65599u}) {
    auto payload = pattern(50, static_cast<uint8_t>(csid));
    wire.message({csid, 7, 20, 0}, payload, 4096);
    expected.push_back({csid, 7, 20, 0, payload});
  }
  wire.message({9, 11, 18, 1}, {}, 4096);
  expected.push_back({9, 11, 18, 1, {}});
  return wire.bytes;
}

void check(const std::vector<Message>& got, const std::vector<Expected>& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].chunkStreamId == expected[i].csid);
    CHECK(got[i].timestamp == expected[i].timestamp);
    CHECK(got[i].typeId == expected[i].type);
    CHECK(got[i].streamId == expected[i].streamId);
    CHECK(std::vector<uint8_t>(got[i].payload.data(), got[i].payload.data() + got[i].payload.size()) ==
          expected[i].payload);
  }
}

TEST_CASE("chunk reader: whole, split at every byte, and one byte at a time agree") {
  std::vector<Expected> expected;
  std::vector<uint8_t> wire = realisticStream(expected);
  {
    ChunkReader reader({});
    std::vector<Message> out;
    REQUIRE(reader.feed(wire, out));
    check(out, expected);
    CHECK(reader.chunkSize() == 4096);
  }
  for (size_t split = 1; split < wire.size(); ++split) {
    CAPTURE(split);
    ChunkReader reader({});
    std::vector<Message> out;
    REQUIRE(reader.feed(std::span(wire).first(split), out));
    REQUIRE(reader.feed(std::span(wire).subspan(split), out));
    check(out, expected);
  }
  ChunkReader reader({});
  std::vector<Message> out;
  for (uint8_t byte : wire) {
    REQUIRE(reader.feed(std::span(&byte, 1), out));
  }
  check(out, expected);
}

TEST_CASE("a message completes only once its last byte is in") {
  std::vector<Expected> expected;
  std::vector<uint8_t> wire = realisticStream(expected);
  ChunkReader reader({});
  std::vector<Message> out;
  REQUIRE(reader.feed(std::span(wire).first(1 + 11 + 128), out));  // the first video chunk
  CHECK(out.empty());
  CHECK(reader.feed({}, out));
  CHECK(out.empty());
}

Status feedAll(const std::vector<uint8_t>& wire, ChunkReaderLimits limits = {}) {
  ChunkReader reader(limits);
  std::vector<Message> out;
  return reader.feed(wire, out);
}

void checkRefused(const std::vector<uint8_t>& wire, std::string_view reason, ChunkReaderLimits limits = {}) {
  Status status = feedAll(wire, limits);
  REQUIRE_FALSE(status);
  CAPTURE(status.error().message());
  CHECK(status.error().message().find(reason) != std::string::npos);
}

std::vector<uint8_t> controlMessage(MessageType type, uint32_t value) {
  return Wire().basic(0, 2).u24(0).u24(4).u8(static_cast<uint8_t>(type)).streamId(0).u32(value).bytes;
}

TEST_CASE("hostile chunk streams are refused with a reason") {
  SUBCASE("a message longer than the limit, refused before its payload arrives") {
    checkRefused(Wire().basic(0, 6).u24(0).u24(1001).u8(9).streamId(1).bytes, "over the limit", {1000, 64});
    CHECK(feedAll(Wire().basic(0, 6).u24(0).u24(1000).u8(9).streamId(1).bytes, {1000, 64}));
    checkRefused(Wire().basic(0, 6).u24(0).u24(0xFFFFFF).u8(9).streamId(1).bytes, "over the limit");
  }
  SUBCASE("chunk size 0 and over the maximum") {
    checkRefused(controlMessage(MessageType::kSetChunkSize, 0), "chunk size 0");
    checkRefused(controlMessage(MessageType::kSetChunkSize, 0x80000000), "not in 1..");
    checkRefused(controlMessage(MessageType::kSetChunkSize, 0xFFFFFFFF), "not in 1..");
    CHECK(feedAll(controlMessage(MessageType::kSetChunkSize, 0x7FFFFFFF)));
    CHECK(feedAll(controlMessage(MessageType::kSetChunkSize, 1)));
  }
  SUBCASE("a protocol control message too short to hold its value") {
    checkRefused(Wire().basic(0, 2).u24(0).u24(2).u8(1).streamId(0).u8(0).u8(1).bytes, "shorter than 4");
  }
  SUBCASE("fmt 2 or 3 on a chunk stream never opened") {
    checkRefused(Wire().basic(3, 5).u8(1).bytes, "no previous header");
    checkRefused(Wire().basic(2, 5).u24(1).u8(7).bytes, "no previous header");
  }
  SUBCASE("too many chunk streams") {
    Wire wire;
    for (uint8_t csid = 3; csid < 20; ++csid) {
      wire.basic(0, csid).u24(0).u24(1).u8(9).streamId(1).u8(0xAA);
    }
    checkRefused(wire.bytes, "more than 8 chunk streams", {1 << 20, 8});
    CHECK(feedAll(wire.bytes, {1 << 20, 17}));
  }
  SUBCASE("a new header before the message completed") {
    auto filler = pattern(128, 1);
    Wire wire;
    wire.basic(0, 6).u24(0).u24(256).u8(9).streamId(1).data(filler);
    for (uint8_t format : {0, 1, 2}) {
      CAPTURE(format);
      Wire next = wire;
      next.basic(format, 6).u24(0).u24(1).u8(9).streamId(1).u8(1);
      checkRefused(next.bytes, "before its message completed");
    }
  }
  SUBCASE("random garbage never crashes and never allocates past the limit") {
    std::mt19937 random(42);
    for (int round = 0; round < 5000; ++round) {
      std::vector<uint8_t> wire(random() % 512);
      for (auto& b : wire) {
        b = static_cast<uint8_t>(random());
      }
      ChunkReader reader({64 * 1024, 16});
      std::vector<Message> out;
      (void)reader.feed(wire, out);
      for (const auto& m : out) {
        CHECK(m.payload.size() <= 64 * 1024);
      }
    }
  }
}

TEST_CASE("fmt 1 may open a chunk stream, as librtmp clients do: message stream 0") {
  ChunkReader reader({});
  std::vector<Message> out;
  REQUIRE(reader.feed(Wire().basic(1, 5).u24(10).u24(1).u8(4).u8(7).bytes, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].streamId == 0);
  CHECK(out[0].timestamp == 10);
  CHECK(out[0].typeId == 4);
}

TEST_CASE("abort discards a partial message") {
  auto filler = pattern(128, 1);
  Wire wire;
  wire.basic(0, 6).u24(0).u24(256).u8(9).streamId(1).data(filler);  // half of a 256-byte message
  wire.data(controlMessage(MessageType::kAbort, 6));
  wire.basic(0, 6).u24(0).u24(2).u8(9).streamId(1).u8(7).u8(8);
  ChunkReader reader({});
  std::vector<Message> out;
  REQUIRE(reader.feed(wire.bytes, out));
  REQUIRE(out.size() == 2);
  CHECK(out[0].typeId == static_cast<uint8_t>(MessageType::kAbort));
  CHECK(out[1].payload.size() == 2);
}

TEST_CASE("set chunk size applies to the very next chunk in the same buffer") {
  auto payload = pattern(300, 9);
  Wire wire;
  wire.append(setChunkSizeMessage(1000));
  wire.basic(0, 6).u24(0).u24(300).u8(9).streamId(1).data(payload);  // one chunk only at size 1000
  ChunkReader reader({});
  std::vector<Message> out;
  REQUIRE(reader.feed(wire.bytes, out));
  REQUIRE(out.size() == 2);
  CHECK(reader.chunkSize() == 1000);
  CHECK(out[1].payload.size() == 300);
}

}  // namespace
}  // namespace rtsedge::rtmp
