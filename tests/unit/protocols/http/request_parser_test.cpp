#include "protocols/http/request_parser.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rtsedge::http {
namespace {

std::span<const uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

const std::string kTwoRequests =
    "GET /live/cam1.flv?only-audio=1&token=a%20b HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n"
    "POST /api/v1/things HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

void checkTwo(const std::vector<HttpRequest>& requests) {
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].path == "/live/cam1.flv");
  CHECK(requests[0].queryParam("only-audio") == "1");
  CHECK(requests[0].queryParam("token") == "a b");
  CHECK_FALSE(requests[0].queryParam("missing"));
  REQUIRE(requests[0].header("user-agent"));
  CHECK(*requests[0].header("user-agent") == "test");
  CHECK(requests[0].keepAlive);
  CHECK(requests[1].method == "POST");
  CHECK(requests[1].body == "hello");
  CHECK_FALSE(requests[1].keepAlive);
}

TEST_CASE("requests parse the same whole, split at every byte, and byte by byte") {
  {
    RequestParser parser({});
    std::vector<HttpRequest> out;
    REQUIRE_FALSE(parser.feed(bytes(kTwoRequests), out));
    checkTwo(out);
  }
  for (size_t split = 1; split < kTwoRequests.size(); ++split) {
    RequestParser parser({});
    std::vector<HttpRequest> out;
    REQUIRE_FALSE(parser.feed(bytes(kTwoRequests.substr(0, split)), out));
    REQUIRE_FALSE(parser.feed(bytes(kTwoRequests.substr(split)), out));
    checkTwo(out);
  }
  RequestParser parser({});
  std::vector<HttpRequest> out;
  for (char c : kTwoRequests) {
    REQUIRE_FALSE(parser.feed(bytes(std::string(1, c)), out));
  }
  checkTwo(out);
}

TEST_CASE("HTTP/1.0 closes unless asked to keep alive") {
  RequestParser parser({});
  std::vector<HttpRequest> out;
  REQUIRE_FALSE(parser.feed(bytes("GET /a.flv HTTP/1.0\r\n\r\n"), out));
  REQUIRE(out.size() == 1);
  CHECK_FALSE(out[0].keepAlive);
  CHECK(out[0].versionMinor == 0);
}

int statusOf(const std::string& text, HttpLimits limits = {}) {
  RequestParser parser(limits);
  std::vector<HttpRequest> out;
  auto failure = parser.feed(bytes(text), out);
  return failure ? failure->status : 0;
}

TEST_CASE("oversized and malformed requests get the right status") {
  CHECK(statusOf("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n") == 414);
  CHECK(statusOf("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n") == 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 4000; ++i) {
    many += "X-" + std::to_string(i) + ": v\r\n";
  }
  CHECK(statusOf(many + "\r\n") == 431);
  CHECK(statusOf("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n") == 413);
  CHECK(statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n" + std::string(70000, 'a'),
                 HttpLimits{8192, 16384, 65536}) == 413);
  CHECK(statusOf("NOT HTTP AT ALL\r\n\r\n") == 400);
  CHECK(statusOf("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
  CHECK(statusOf("GET http://elsewhere/x HTTP/1.1\r\n\r\n") == 400);
  CHECK(statusOf(std::string("\0\1\2\3garbage", 11)) == 400);
  CHECK(statusOf("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n") == 400);
  // HTTP/0.9 (no version): found by http_request_fuzz, it slipped past the target check.
  CHECK(statusOf("GET */\x80\xff\xf7\xff\xff\xff" "alv?lv?o\r\n\r\no\r\n\r\n") == 400);
  CHECK(statusOf("GET /live/x.flv\r\n\r\n") == 400);
}

TEST_CASE("a refused request never comes out, even with its headers complete (found by http_request_fuzz)") {
  RequestParser parser({});
  std::vector<HttpRequest> out;
  auto failure = parser.feed(bytes("GET */cam.flv?token=abc HTTP/1.1\r\nHost: x\r\n\r\n"), out);
  REQUIRE(failure);
  CHECK(failure->status == 400);
  CHECK(out.empty());
}

TEST_CASE("a partial request is not a failure") {
  RequestParser parser({});
  std::vector<HttpRequest> out;
  CHECK_FALSE(parser.feed(bytes("GET /live/a.flv HTTP/1.1\r\nHost"), out));
  CHECK(out.empty());
}

}  // namespace
}  // namespace rtsedge::http
