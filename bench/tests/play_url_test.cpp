#include "bench/rtsbench/play_url.h"

#include <doctest/doctest.h>

namespace rtsedge::bench {
namespace {

TEST_CASE("parsePlayUrl: RTMP") {
  auto url = parsePlayUrl("rtmp://127.0.0.1:1936/live/cam/1?token=abc");
  REQUIRE(url);
  CHECK(url->protocol == PlayProtocol::kRtmp);
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == 1936);
  CHECK(url->app == "live");
  CHECK(url->streamName == "cam/1?token=abc");

  auto defaults = parsePlayUrl("rtmp://localhost/live/test");
  REQUIRE(defaults);
  CHECK(defaults->host == "127.0.0.1");
  CHECK(defaults->port == 1935);
}

TEST_CASE("parsePlayUrl: HTTP-FLV keeps the target and the authority as written") {
  auto url = parsePlayUrl("http://[::1]:8080/live/test.flv?token=abc");
  REQUIRE(url);
  CHECK(url->protocol == PlayProtocol::kHttpFlv);
  CHECK(url->host == "::1");
  CHECK(url->port == 8080);
  CHECK(url->authority == "[::1]:8080");
  CHECK(url->target == "/live/test.flv?token=abc");
  CHECK(parsePlayUrl("http://10.0.0.1/x.flv")->port == 80);
}

TEST_CASE("parsePlayUrl: WHEP under /whep/, or any http:// URL with --protocol whep") {
  auto url = parsePlayUrl("http://127.0.0.1:8080/whep/live/cam?token=abc");
  REQUIRE(url);
  CHECK(url->protocol == PlayProtocol::kWhep);
  CHECK(protocolName(url->protocol) == "webrtc");
  CHECK(url->target == "/whep/live/cam?token=abc");
  CHECK(url->authority == "127.0.0.1:8080");

  auto other = parsePlayUrl("http://127.0.0.1:8889/cam/whep");
  REQUIRE(other);
  CHECK(other->protocol == PlayProtocol::kHttpFlv);
  REQUIRE(withProtocol(*other, "whep"));
  CHECK(other->protocol == PlayProtocol::kWhep);
  REQUIRE(withProtocol(*other, "http-flv"));
  CHECK(other->protocol == PlayProtocol::kHttpFlv);
  CHECK_FALSE(withProtocol(*other, "srt"));

  auto rtmp = parsePlayUrl("rtmp://127.0.0.1/live/test");
  REQUIRE(rtmp);
  CHECK(withProtocol(*rtmp, "rtmp"));
  CHECK_FALSE(withProtocol(*rtmp, "whep"));
}

TEST_CASE("parsePlayUrl: SRT") {
  auto url = parsePlayUrl("srt://127.0.0.1:10081?streamid=#!::r=live/test,m=request&latency=200&passphrase=0123456789");
  REQUIRE(url);
  CHECK(url->protocol == PlayProtocol::kSrt);
  CHECK(url->port == 10081);
  CHECK(url->streamId == "#!::r=live/test,m=request");
  CHECK(url->srtLatency == Millis(200));
  CHECK(url->srtPassphrase == "0123456789");

  auto defaults = parsePlayUrl("srt://127.0.0.1?streamid=live/test");
  REQUIRE(defaults);
  CHECK(defaults->port == 10080);
  CHECK_FALSE(defaults->srtLatency);
}

TEST_CASE("parsePlayUrl: refused") {
  for (const char* text : {
           "rtsp://127.0.0.1/live/test",                         // scheme
           "rtmp://example.com/live/test",                       // host names are not resolved
           "rtmp://127.0.0.1:0/live/test",                       // port 0
           "rtmp://127.0.0.1/live",                              // no name
           "rtmp://127.0.0.1//test",                             // no app
           "srt://127.0.0.1:10080",                              // no stream id
           "srt://127.0.0.1:10080?streamid=a&latency=5",         // latency out of range
           "srt://127.0.0.1:10080?streamid=a&passphrase=short",  // passphrase too short
           "srt://127.0.0.1:10080?streamid=a&mode=caller",       // unknown option
       }) {
    CAPTURE(text);
    CHECK_FALSE(parsePlayUrl(text));
  }
}

}  // namespace
}  // namespace rtsedge::bench
