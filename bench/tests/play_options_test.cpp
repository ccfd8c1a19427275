#include "bench/rtsbench/play_options.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rtsedge::bench {
namespace {

Result<PlayOptions> parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  return parsePlayArgs(argv);
}

TEST_CASE("parsePlayArgs: every option") {
  auto options =
      parse({"--url", "http://127.0.0.1:8080/live/test.flv", "--players", "500", "--duration", "20.5", "--ramp", "100",
             "--buffer", "500", "--json", "out.json", "--csv", "out.csv", "--label", "edge a"});
  REQUIRE(options);
  CHECK(options->url.protocol == PlayProtocol::kHttpFlv);
  CHECK(options->urlText == "http://127.0.0.1:8080/live/test.flv");
  CHECK(options->players == 500);
  CHECK(options->seconds == 20.5);
  CHECK(options->rampPerSecond == 100);
  CHECK(options->startBuffer == Millis(500));
  CHECK(options->jsonFile == "out.json");
  CHECK(options->csvFile == "out.csv");
  CHECK(options->label == "edge a");
}

TEST_CASE("parsePlayArgs: --protocol, before or after the URL") {
  auto whep = parse({"--protocol", "whep", "--url", "http://127.0.0.1:8889/cam/whep"});
  REQUIRE(whep);
  CHECK(whep->url.protocol == PlayProtocol::kWhep);
  auto flv = parse({"--url", "http://127.0.0.1:8080/whep/live/x", "--protocol", "http-flv"});
  REQUIRE(flv);
  CHECK(flv->url.protocol == PlayProtocol::kHttpFlv);
  auto wrong = parse({"--url", "rtmp://127.0.0.1/live/test", "--protocol", "whep"});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message().find("--protocol") != std::string::npos);
}

TEST_CASE("parsePlayArgs: defaults") {
  auto options = parse({"--url", "rtmp://127.0.0.1/live/test"});
  REQUIRE(options);
  CHECK(options->players == 1);
  CHECK(options->seconds == 10);
  CHECK(options->rampPerSecond == 0);
  CHECK(options->startBuffer == Millis(200));
  CHECK_FALSE(options->jsonFile);
  CHECK_FALSE(options->csvFile);
}

TEST_CASE("parsePlayArgs: errors say what is wrong") {
  auto check = [](std::vector<std::string> args, const std::string& message) {
    auto options = parse(std::move(args));
    REQUIRE_FALSE(options);
    CHECK(options.error().message().find(message) != std::string::npos);
  };
  check({}, "--url is required");
  check({"--url"}, "--url needs a value");
  check({"--url", "rtmp://127.0.0.1/live/test", "--players", "0"}, "--players");
  check({"--url", "rtmp://127.0.0.1/live/test", "--players", "ten"}, "--players");
  check({"--url", "rtmp://127.0.0.1/live/test", "--duration", "-1"}, "--duration");
  check({"--url", "rtmp://127.0.0.1/live/test", "--ramp", "x"}, "--ramp");
  check({"--url", "rtmp://127.0.0.1/live/test", "--buffer", "20000"}, "--buffer");
  check({"--url", "ftp://127.0.0.1/x"}, "ftp://");
  check({"--url", "rtmp://127.0.0.1/live/test", "--bogus"}, "unknown option --bogus");
}

}  // namespace
}  // namespace rtsedge::bench
