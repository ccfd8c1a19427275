#include "protocols/rtmp/chunk_reader.h"

#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "protocols/rtmp/chunk_writer.h"

namespace rtsedge::rtmp {
namespace {

std::vector<uint8_t> pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<uint8_t>(seed + i * 7);
  }
  return out;
}

void append(std::vector<uint8_t>& stream, const Bytes& bytes) {
  stream.insert(stream.end(), bytes.data(), bytes.data() + bytes.size());
}

struct Expected {
  uint32_t csid;
  uint32_t timestamp;
  uint8_t type;
  uint32_t streamId;
  std::vector<uint8_t> payload;
};

// A realistic stream: interleaved chunk streams, every header type, extended
// timestamps, and a Set Chunk Size in the middle.
std::vector<uint8_t> realisticStream(std::vector<Expected>& expected) {
  std::vector<uint8_t> wire;
  auto video = pattern(1000, 1);
  auto audio = pattern(300, 2);
  // type 0 on csid 6 at chunk size 128, interleaved with a type-0 audio message on csid 4
  MessageHeader v{6, 1000, 9, 1};
  MessageHeader a{4, 1010, 8, 1};
  BytesBuilder vb, ab;
  appendChunked(vb, v, {std::span<const uint8_t>(video)}, 128);
  appendChunked(ab, a, {std::span<const uint8_t>(audio)}, 128);
  Bytes vbytes = vb.freeze(), abytes = ab.freeze();
  // first video chunk (1 + 11 + 128), then the whole audio message, then the rest of the video
  wire.insert(wire.end(), vbytes.data(), vbytes.data() + 140);
  append(wire, abytes);
  wire.insert(wire.end(), vbytes.data() + 140, vbytes.data() + vbytes.size());
  expected.push_back({4, 1010, 8, 1, audio});
  expected.push_back({6, 1000, 9, 1, video});
  // type 1 on csid 6: delta 40, new length 10
  uint8_t type1[] = {0x46, 0, 0, 40, 0, 0, 10, 9};
  wire.insert(wire.end(), std::begin(type1), std::end(type1));
  auto small = pattern(10, 3);
  wire.insert(wire.end(), small.begin(), small.end());
  expected.push_back({6, 1040, 9, 1, small});
  // type 2 on csid 6: delta 40, same length and type
  uint8_t type2[] = {0x86, 0, 0, 40};
  wire.insert(wire.end(), std::begin(type2), std::end(type2));
  wire.insert(wire.end(), small.begin(), small.end());
  expected.push_back({6, 1080, 9, 1, small});
  // type 3 starting a new message: repeats the delta of 40
  wire.push_back(0xC6);
  wire.insert(wire.end(), small.begin(), small.end());
  expected.push_back({6, 1120, 9, 1, small});
  // set chunk size 4096 on csid 2, then a large message in few chunks
  append(wire, setChunkSizeMessage(4096));
  expected.push_back({2, 0, 1, 0, {0, 0, 0x10, 0}});
  auto big = pattern(9000, 4);
  BytesBuilder bb;
  MessageHeader b{6, 0x1000000, 9, 1};  // needs the extended timestamp, also on type-3 chunks
  appendChunked(bb, b, {std::span<const uint8_t>(big)}, 4096);
  append(wire, bb.freeze());
  expected.push_back({6, 0x1000000, 9, 1, big});
  // a two-byte and a three-byte basic header
  for (uint32_t csid : {100u, 1000u}) {
    BytesBuilder cb;
    auto payload = pattern(50, static_cast<uint8_t>(csid));
    appendChunked(cb, {csid, 7, 20, 0}, {std::span<const uint8_t>(payload)}, 4096);
    append(wire, cb.freeze());
    expected.push_back({csid, 7, 20, 0, payload});
  }
  return wire;
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

TEST_CASE("chunk writer and reader round-trip every size class and timestamp range") {
  for (uint32_t chunkSize : {128u, 4096u}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{chunkSize - 1}, size_t{chunkSize}, size_t{chunkSize + 1},
                        size_t{3 * chunkSize + 5}, size_t{200000}}) {
      for (uint32_t timestamp : {0u, 0xFFFFFEu, 0xFFFFFFu, 0x1000000u, 0xFFFFFFFFu}) {
        CAPTURE(chunkSize);
        CAPTURE(size);
        CAPTURE(timestamp);
        auto payload = pattern(size, 9);
        MessageHeader header{5, timestamp, 9, 1};
        BytesBuilder out;
        appendChunked(out, header, {std::span<const uint8_t>(payload)}, chunkSize);
        Bytes wire = out.freeze();
        CHECK(wire.size() == chunkedSize(header, size, chunkSize));
        ChunkReader reader({});
        std::vector<Message> messages;
        std::vector<uint8_t> setSize;
        append(setSize, setChunkSizeMessage(chunkSize));
        REQUIRE(reader.feed(setSize, messages));
        REQUIRE(reader.feed(wire.span(), messages));
        REQUIRE(messages.size() == 2);
        check({messages[1]}, {{5, timestamp, 9, 1, payload}});
      }
    }
  }
}

TEST_CASE("pieces are chunked as one message") {
  auto head = pattern(5, 1), body = pattern(300, 2);
  BytesBuilder split, whole;
  appendChunked(split, {6, 0, 9, 1}, {std::span<const uint8_t>(head), std::span<const uint8_t>(body)}, 128);
  std::vector<uint8_t> joined(head);
  joined.insert(joined.end(), body.begin(), body.end());
  appendChunked(whole, {6, 0, 9, 1}, {std::span<const uint8_t>(joined)}, 128);
  CHECK(split.freeze() == whole.freeze());
}

Status feedAll(std::vector<uint8_t> wire, ChunkReaderLimits limits = {}) {
  ChunkReader reader(limits);
  std::vector<Message> out;
  return reader.feed(wire, out);
}

TEST_CASE("hostile chunk streams are refused with a reason") {
  SUBCASE("a message longer than the limit") {
    auto status = feedAll({0x06, 0, 0, 0, 0x01, 0, 0, 9, 1, 0, 0, 0}, {1000, 64});
    REQUIRE_FALSE(status);
    CHECK(status.error().message().find("over the limit") != std::string::npos);
  }
  SUBCASE("chunk size 0 and over the maximum") {
    for (uint32_t size : {0u, 0x1000000u, 0x80000000u}) {
      BytesBuilder body;
      body.appendU32(size);
      Bytes b = body.freeze();
      BytesBuilder out;
      appendChunked(out, {2, 0, 1, 0}, {b.span()}, 128);
      Bytes wire = out.freeze();
      CHECK_FALSE(feedAll(std::vector<uint8_t>(wire.data(), wire.data() + wire.size())));
    }
  }
  SUBCASE("a continuation header on a chunk stream never opened") {
    CHECK_FALSE(feedAll({0xC5, 1, 2, 3}));
    CHECK_FALSE(feedAll({0x45, 0, 0, 1, 0, 0, 1, 9, 7}));
  }
  SUBCASE("too many chunk streams") {
    std::vector<uint8_t> wire;
    for (uint8_t csid = 3; csid < 20; ++csid) {
      std::vector<uint8_t> one{csid, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0, 0xAA};
      wire.insert(wire.end(), one.begin(), one.end());
    }
    CHECK_FALSE(feedAll(wire, {1 << 20, 8}));
    CHECK(feedAll(wire, {1 << 20, 64}));
  }
  SUBCASE("a new header before the message completed") {
    // A 256-byte message whose first 128-byte chunk arrives, then a type-0 header.
    std::vector<uint8_t> wire{0x06, 0, 0, 0, 0, 1, 0, 9, 1, 0, 0, 0};
    wire.resize(wire.size() + 128, 0xAB);
    std::vector<uint8_t> next{0x06, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0, 1};
    wire.insert(wire.end(), next.begin(), next.end());
    CHECK_FALSE(feedAll(wire));
  }
  SUBCASE("random garbage never crashes and never allocates past the limit") {
    std::mt19937 random(42);
    for (int round = 0; round < 2000; ++round) {
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

TEST_CASE("abort discards a partial message") {
  // A 256-byte message on csid 6 whose first 128-byte chunk is in.
  std::vector<uint8_t> wire{0x06, 0, 0, 0, 0, 1, 0, 9, 1, 0, 0, 0};
  wire.resize(wire.size() + 128, 0xAB);
  BytesBuilder body;
  body.appendU32(6);
  Bytes b = body.freeze();
  BytesBuilder abort;
  appendChunked(abort, {2, 0, 2, 0}, {b.span()}, 128);
  append(wire, abort.freeze());
  std::vector<uint8_t> fresh{0x06, 0, 0, 0, 0, 0, 2, 9, 1, 0, 0, 0, 7, 8};
  wire.insert(wire.end(), fresh.begin(), fresh.end());
  ChunkReader reader({});
  std::vector<Message> out;
  REQUIRE(reader.feed(wire, out));
  REQUIRE(out.size() == 2);
  CHECK(out[0].typeId == 2);
  CHECK(out[1].payload.size() == 2);
}

}  // namespace
}  // namespace rtsedge::rtmp
