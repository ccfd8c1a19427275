#include "bench/rtsbench/flv_stream_reader.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <vector>

#include "protocols/flv/flv_mux.h"

namespace rtsedge::bench {
namespace {

struct Tag {
  uint8_t type;
  uint32_t timestamp;
  std::vector<uint8_t> body;
};

std::vector<uint8_t> bytesOf(const Bytes& bytes) {
  return {bytes.data(), bytes.data() + bytes.size()};
}

// A header, then a script, a video and an audio tag, an empty tag, and a timestamp that
// needs the extension byte.
std::vector<Tag> sampleTags() {
  std::vector<uint8_t> big(70'000);
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<uint8_t>(i * 13);
  }
  return {{flv::kScriptTag, 0, {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'}},
          {flv::kVideoTag, 0, big},
          {flv::kAudioTag, 23, {0xaf, 0x01, 0x21, 0x10}},
          {flv::kVideoTag, 40, {}},
          {flv::kVideoTag, 0x12345678, {0x27, 0x01, 0, 0, 0}}};
}

std::vector<uint8_t> flvStream(const std::vector<Tag>& tags) {
  BytesBuilder out;
  out.append(flv::fileHeader(true, true));
  for (const Tag& tag : tags) {
    flv::appendTag(out, tag.type, tag.timestamp, {std::span<const uint8_t>(tag.body)});
  }
  return bytesOf(out.freeze());
}

void checkTags(const std::vector<rtmp::Message>& got, const std::vector<Tag>& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].typeId == expected[i].type);
    CHECK(got[i].timestamp == expected[i].timestamp);
    CHECK(bytesOf(got[i].payload) == expected[i].body);
  }
}

TEST_CASE("FlvStreamReader: tags as RTMP messages, from one buffer") {
  std::vector<Tag> tags = sampleTags();
  std::vector<uint8_t> stream = flvStream(tags);
  FlvStreamReader reader;
  std::vector<rtmp::Message> out;
  REQUIRE(reader.feed(stream, out));
  checkTags(out, tags);
}

TEST_CASE("FlvStreamReader: the same tags however the input is split") {
  std::vector<Tag> tags = sampleTags();
  std::vector<uint8_t> stream = flvStream(tags);
  std::span<const uint8_t> all(stream);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    CAPTURE(cut);
    FlvStreamReader reader;
    std::vector<rtmp::Message> out;
    REQUIRE(reader.feed(all.first(cut), out));
    REQUIRE(reader.feed(all.subspan(cut), out));
    checkTags(out, tags);
  }
}

TEST_CASE("FlvStreamReader: one byte at a time") {
  std::vector<Tag> tags = sampleTags();
  std::vector<uint8_t> stream = flvStream(tags);
  FlvStreamReader reader;
  std::vector<rtmp::Message> out;
  for (uint8_t byte : stream) {
    REQUIRE(reader.feed(std::span<const uint8_t>(&byte, 1), out));
  }
  checkTags(out, tags);
}

TEST_CASE("FlvStreamReader: a header longer than 9 bytes is skipped") {
  std::vector<uint8_t> stream = {'F', 'L', 'V', 1, 5, 0, 0, 0, 12, 0xee, 0xee, 0xee, 0, 0, 0, 0};
  BytesBuilder tag;
  flv::appendTag(tag, flv::kAudioTag, 7, {std::span<const uint8_t>(std::vector<uint8_t>{0xaf, 0x01})});
  std::vector<uint8_t> tagBytes = bytesOf(tag.freeze());
  stream.insert(stream.end(), tagBytes.begin(), tagBytes.end());
  FlvStreamReader reader;
  std::vector<rtmp::Message> out;
  REQUIRE(reader.feed(stream, out));
  checkTags(out, {{flv::kAudioTag, 7, {0xaf, 0x01}}});
}

TEST_CASE("FlvStreamReader: what is not FLV, or too large, is an error") {
  std::vector<rtmp::Message> out;
  SUBCASE("no signature") {
    std::vector<uint8_t> html = {'<', 'h', 't', 'm', 'l', '>', 0, 0, 9, 0, 0, 0, 0};
    CHECK_FALSE(FlvStreamReader().feed(html, out));
  }
  SUBCASE("a header size under 9") {
    std::vector<uint8_t> stream = {'F', 'L', 'V', 1, 5, 0, 0, 0, 8};
    CHECK_FALSE(FlvStreamReader().feed(stream, out));
  }
  SUBCASE("a tag over the limit, refused from its header") {
    std::vector<uint8_t> stream = bytesOf(flv::fileHeader(false, true));
    stream.insert(stream.end(), {flv::kVideoTag, 0x00, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0});
    CHECK_FALSE(FlvStreamReader(256).feed(stream, out));
  }
  CHECK(out.empty());
}

}  // namespace
}  // namespace rtsedge::bench
