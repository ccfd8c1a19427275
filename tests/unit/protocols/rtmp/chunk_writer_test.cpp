#include "protocols/rtmp/chunk_writer.h"

#include <doctest/doctest.h>

#include <vector>

#include "protocols/rtmp/chunk_reader.h"
#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::rtmp {
namespace {

using fixtures::pattern;

std::vector<uint8_t> vectorOf(const Bytes& bytes) {
  return {bytes.data(), bytes.data() + bytes.size()};
}

Bytes chunked(const MessageHeader& header, std::span<const uint8_t> payload, uint32_t chunkSize) {
  BytesBuilder out;
  appendChunked(out, header, {payload}, chunkSize);
  return out.freeze();
}

// Reads `wire` back after announcing `chunkSize`; the one message besides that.
Message readBack(const Bytes& wire, uint32_t chunkSize) {
  ChunkReader reader({});
  std::vector<Message> messages;
  REQUIRE(reader.feed(setChunkSizeMessage(chunkSize).span(), messages));
  REQUIRE(reader.feed(wire.span(), messages));
  REQUIRE(messages.size() == 2);
  return messages[1];
}

TEST_CASE("writer -> reader round trip for every size class and timestamp range") {
  for (uint32_t chunkSize : {1u, 128u, 4096u}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{chunkSize - 1}, size_t{chunkSize}, size_t{chunkSize + 1},
                        size_t{3 * chunkSize + 5}, size_t{200000}}) {
      for (uint32_t timestamp : {0u, 0xFFFFFEu, 0xFFFFFFu, 0x1000000u, 0xFFFFFFFFu}) {
        if (chunkSize == 1 && size > 1000) {
          continue;  // a chunk header per byte: slow and proves nothing more
        }
        CAPTURE(chunkSize);
        CAPTURE(size);
        CAPTURE(timestamp);
        auto payload = pattern(size, 9);
        MessageHeader header{5, timestamp, 9, 1};
        Bytes wire = chunked(header, payload, chunkSize);
        CHECK(wire.size() == chunkedSize(header, size, chunkSize));
        Message message = readBack(wire, chunkSize);
        CHECK(message.chunkStreamId == 5);
        CHECK(message.timestamp == timestamp);
        CHECK(message.typeId == 9);
        CHECK(message.streamId == 1);
        CHECK(vectorOf(message.payload) == payload);
      }
    }
  }
}

TEST_CASE("every basic header form, at its boundaries") {
  struct Case {
    uint32_t csid;
    std::vector<uint8_t> basic;
  };
  for (const Case& c : {Case{2, {0x02}}, Case{63, {0x3f}}, Case{64, {0x00, 0x00}}, Case{319, {0x00, 0xff}},
                        Case{320, {0x01, 0x00, 0x01}}, Case{65599, {0x01, 0xff, 0xff}}}) {
    CAPTURE(c.csid);
    auto payload = pattern(300, 1);
    MessageHeader header{c.csid, 3, 9, 1};
    auto wire = vectorOf(chunked(header, payload, 128));
    REQUIRE(wire.size() == chunkedSize(header, payload.size(), 128));
    CHECK(std::vector<uint8_t>(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(c.basic.size())) == c.basic);
    // The continuation header is the same form with fmt 3.
    std::vector<uint8_t> continuation = c.basic;
    continuation[0] |= 0xC0;
    size_t second = c.basic.size() + 11 + 128;
    CHECK(std::vector<uint8_t>(wire.begin() + static_cast<ptrdiff_t>(second),
                               wire.begin() + static_cast<ptrdiff_t>(second + c.basic.size())) == continuation);
    Message message = readBack(chunked(header, payload, 128), 128);
    CHECK(message.chunkStreamId == c.csid);
  }
}

TEST_CASE("known bytes: an extended timestamp is repeated on fmt-3 chunks") {
  auto payload = pattern(130, 1);
  auto wire = vectorOf(chunked({4, 0x01020304, 8, 1}, payload, 128));
  std::vector<uint8_t> expected{0x04, 0xff, 0xff, 0xff, 0x00, 0x00, 0x82, 0x08,
                                0x01, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
  expected.insert(expected.end(), payload.begin(), payload.begin() + 128);
  expected.insert(expected.end(), {0xC4, 0x01, 0x02, 0x03, 0x04});
  expected.insert(expected.end(), payload.begin() + 128, payload.end());
  CHECK(wire == expected);
}

TEST_CASE("known bytes: protocol control messages") {
  CHECK(vectorOf(setChunkSizeMessage(4096)) ==
        std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00});
  CHECK(vectorOf(windowAckSizeMessage(2500000)) ==
        std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0, 4, 0x05, 0, 0, 0, 0, 0x00, 0x26, 0x25, 0xa0});
  CHECK(vectorOf(setPeerBandwidthMessage(2500000, 2)) ==
        std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0, 5, 0x06, 0, 0, 0, 0, 0x00, 0x26, 0x25, 0xa0, 0x02});
  CHECK(vectorOf(acknowledgementMessage(0x01020304)) ==
        std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0, 4, 0x03, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04});
  CHECK(vectorOf(userControlMessage(UserControlEvent::kStreamBegin, 1)) ==
        std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0, 6, 0x04, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
  CHECK(vectorOf(userControlMessage(UserControlEvent::kPingRequest, 0x0a0b0c0d)) ==
        std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0, 6, 0x04, 0, 0, 0, 0, 0x00, 0x06, 0x0a, 0x0b, 0x0c, 0x0d});
}

TEST_CASE("pieces are chunked as one message, across chunk boundaries and when empty") {
  auto head = pattern(5, 1), body = pattern(300, 2), tail = pattern(130, 3);
  std::vector<uint8_t> joined(head);
  joined.insert(joined.end(), body.begin(), body.end());
  joined.insert(joined.end(), tail.begin(), tail.end());
  MessageHeader header{6, 0x1000000, 9, 1};
  BytesBuilder split;
  appendChunked(split, header,
                {std::span<const uint8_t>(head), std::span<const uint8_t>(), std::span<const uint8_t>(body),
                 std::span<const uint8_t>(tail)},
                128);
  CHECK(split.size() == chunkedSize(header, joined.size(), 128));
  CHECK(split.freeze() == chunked(header, joined, 128));
}

TEST_CASE("an AMF0 command message reads back as its values") {
  std::vector<amf0::Value> values{amf0::Value::string("_result"), amf0::Value::number(1),
                                  amf0::Value::object({{"fmsVer", amf0::Value::string("FMS/3,0,1,123")}}),
                                  amf0::Value::null()};
  Bytes wire = amf0Message({3, 0, static_cast<uint8_t>(MessageType::kCommandAmf0), 0}, values, 16);
  Message message = readBack(wire, 16);
  CHECK(message.typeId == static_cast<uint8_t>(MessageType::kCommandAmf0));
  auto decoded = amf0::decodeAll(message.payload.span());
  REQUIRE(decoded);
  CHECK(*decoded == values);
}

}  // namespace
}  // namespace rtsedge::rtmp
