#include "bench/rtsbench/http_response_reader.h"

#include <doctest/doctest.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rtsedge::bench {
namespace {

using namespace std::literals;

std::span<const uint8_t> spanOf(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Feeds the pieces in turn; the body collected, or the first error.
Result<std::string> readAll(HttpResponseReader& reader, const std::vector<std::string_view>& pieces) {
  std::string body;
  std::vector<std::span<const uint8_t>> out;
  for (std::string_view piece : pieces) {
    out.clear();
    if (Status status = reader.feed(spanOf(piece), out); !status) {
      return status.error();
    }
    for (auto part : out) {
      body.append(reinterpret_cast<const char*>(part.data()), part.size());
    }
  }
  return body;
}

constexpr std::string_view kChunked =
    "HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
    "d\r\nFLV\x01\x05\0\0\0\x09\0\0\0\0\r\n"
    "1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n"
    "3\r\n123\r\n"sv;
constexpr std::string_view kChunkedBody = "FLV\x01\x05\0\0\0\x09\0\0\0\0abcdefghijklmnopqrstuvwxyz123"sv;

TEST_CASE("HttpResponseReader: a chunked body, de-chunked however the input is split") {
  for (size_t cut = 0; cut <= kChunked.size(); ++cut) {
    for (size_t second = cut; second <= kChunked.size(); second += 7) {
      CAPTURE(cut);
      CAPTURE(second);
      HttpResponseReader reader;
      auto body =
          readAll(reader, {kChunked.substr(0, cut), kChunked.substr(cut, second - cut), kChunked.substr(second)});
      REQUIRE(body);
      CHECK(*body == kChunkedBody);
      CHECK(reader.headComplete());
      CHECK(reader.status() == 200);
      CHECK_FALSE(reader.bodyEnded());
    }
  }
}

TEST_CASE("HttpResponseReader: the last chunk ends the body") {
  HttpResponseReader reader;
  auto body = readAll(reader, {"HTTP/1.1 200 OK\r\ntransfer-encoding:  Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"});
  REQUIRE(body);
  CHECK(*body == "ab");
  CHECK(reader.bodyEnded());
}

TEST_CASE("HttpResponseReader: without chunked encoding the body is passed as it is") {
  HttpResponseReader reader;
  auto body = readAll(reader, {"HTTP/1.0 200 OK\r\nContent-Type: video/x-flv\r", "\n\r\nFLV\r\n3\r\n", "more"});
  REQUIRE(body);
  CHECK(*body == "FLV\r\n3\r\nmore");
}

TEST_CASE("HttpResponseReader: a Content-Length body ends at its length, split anywhere") {
  constexpr std::string_view kAnswer =
      "HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\nLocation:  /webrtc/abc \r\n"
      "Content-Length: 10\r\n\r\nv=0\r\no=-\r\nextra"sv;
  for (size_t split = 0; split <= kAnswer.size(); ++split) {
    CAPTURE(split);
    HttpResponseReader reader(201);
    auto body = readAll(reader, {kAnswer.substr(0, split), kAnswer.substr(split)});
    REQUIRE(body);
    CHECK(*body == "v=0\r\no=-\r\n");
    CHECK(reader.bodyEnded());
    CHECK_FALSE(reader.bodyUntilClose());
    REQUIRE(reader.header("location") != nullptr);
    CHECK(*reader.header("location") == "/webrtc/abc");
    CHECK(*reader.header("content-type") == "application/sdp");
    CHECK(reader.header("etag") == nullptr);
  }
}

TEST_CASE("HttpResponseReader: any status when none is expected; an empty body ends with the head") {
  HttpResponseReader reader(std::nullopt);
  auto body = readAll(reader, {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"});
  REQUIRE(body);
  CHECK(body->empty());
  CHECK(reader.status() == 404);
  CHECK(reader.bodyEnded());

  HttpResponseReader untilClose(std::nullopt);
  REQUIRE(readAll(untilClose, {"HTTP/1.0 200 OK\r\n\r\nab"}));
  CHECK(untilClose.bodyUntilClose());
  CHECK_FALSE(untilClose.bodyEnded());

  HttpResponseReader badLength(std::nullopt);
  CHECK_FALSE(readAll(badLength, {"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"}));
}

TEST_CASE("HttpResponseReader: nothing comes out before the head is whole") {
  HttpResponseReader reader;
  auto body = readAll(reader, {"HTTP/1.1 200 OK\r\nServer: x\r\n"});
  REQUIRE(body);
  CHECK(body->empty());
  CHECK_FALSE(reader.headComplete());
}

TEST_CASE("HttpResponseReader: errors") {
  HttpResponseReader reader;
  SUBCASE("a status other than 200, with the status kept") {
    auto body = readAll(reader, {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"});
    REQUIRE_FALSE(body);
    CHECK(body.error().message() == "HTTP status 404 Not Found");
    CHECK(reader.status() == 404);
  }
  SUBCASE("not HTTP") {
    CHECK_FALSE(readAll(reader, {"RTMP\r\n\r\n"}));
    CHECK_FALSE(reader.status());
  }
  SUBCASE("a bad chunk size") {
    CHECK_FALSE(readAll(reader, {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}));
  }
  SUBCASE("chunk data longer than its size") {
    CHECK_FALSE(readAll(reader, {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n"}));
  }
  SUBCASE("an endless chunk-size line") {
    CHECK_FALSE(readAll(reader, {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", std::string(2000, '1')}));
  }
  SUBCASE("an endless head") {
    CHECK_FALSE(readAll(reader, {"HTTP/1.1 200 OK\r\n", std::string(20'000, 'x')}));
  }
}

}  // namespace
}  // namespace rtsedge::bench
