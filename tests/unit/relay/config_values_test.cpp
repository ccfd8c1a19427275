#include "relay/config_values.h"

#include <doctest/doctest.h>

#include <string>

namespace rtsedge {
namespace {

template <class T>
std::string errorOf(const Result<T>& result) {
  REQUIRE_FALSE(result);
  return result.error().message();
}

TEST_CASE("durations: an integer and ms, s, m or h") {
  CHECK(*parseDuration("0ms") == Millis(0));
  CHECK(*parseDuration("0s") == Millis(0));
  CHECK(*parseDuration("500ms") == Millis(500));
  CHECK(*parseDuration("10s") == Millis(10'000));
  CHECK(*parseDuration("2m") == Millis(120'000));
  CHECK(*parseDuration("2h") == Millis(7'200'000));
  CHECK(*parseDuration("010s") == Millis(10'000));
  // The largest that fits int64 milliseconds, and one more.
  CHECK(*parseDuration("9223372036854775807ms") == Millis(INT64_MAX));
  CHECK(errorOf(parseDuration("9223372036854775808ms")) == "\"9223372036854775808ms\" is too long a duration");
  CHECK(errorOf(parseDuration("99999999999999999999s")) == "\"99999999999999999999s\" is too long a duration");
  CHECK(errorOf(parseDuration("2562047788015216h")) == "\"2562047788015216h\" is too long a duration");
  CHECK(errorOf(parseDuration("10")) == "\"10\" is not a duration: it needs a unit (10ms, 10s, 10m or 10h)");
  for (const char* bad : {"10 s", "-1s", "+1s", "1.5s", "s", "", " 10s", "10S", "10sec", "1m30s", "ten", "0x10s"}) {
    CAPTURE(bad);
    CHECK(errorOf(parseDuration(bad)) ==
          "\"" + std::string(bad) + "\" is not a duration (examples: 500ms, 10s, 2m, 1h)");
  }
}

TEST_CASE("sizes: bytes, or an integer and KiB, MiB or GiB") {
  CHECK(*parseSize("0") == 0);
  CHECK(*parseSize("4096") == 4096);
  CHECK(*parseSize("64KiB") == 64u << 10);
  CHECK(*parseSize("16MiB") == 16u << 20);
  CHECK(*parseSize("1GiB") == 1u << 30);
  CHECK(*parseSize("18446744073709551615") == UINT64_MAX);
  CHECK(*parseSize("17179869183GiB") == 17179869183ull << 30);
  CHECK(errorOf(parseSize("17179869184GiB")) == "\"17179869184GiB\" is too large a size");
  CHECK(errorOf(parseSize("18446744073709551616")) == "\"18446744073709551616\" is too large a size");
  CHECK(errorOf(parseSize("16MB")) == "\"16MB\" is ambiguous: write 16MiB (sizes use the 1024-based KiB, MiB and GiB)");
  CHECK(errorOf(parseSize("64k")) == "\"64k\" is ambiguous: write 64KiB (sizes use the 1024-based KiB, MiB and GiB)");
  CHECK(errorOf(parseSize("1gb")) == "\"1gb\" is ambiguous: write 1GiB (sizes use the 1024-based KiB, MiB and GiB)");
  for (const char* bad : {"1.5MiB", "-1", "MiB", "", "16 MiB", "16mib", "16TiB", "1e6", "16MiBs"}) {
    CAPTURE(bad);
    CHECK(errorOf(parseSize(bad)) == "\"" + std::string(bad) + "\" is not a size (examples: 4096, 64KiB, 16MiB, 1GiB)");
  }
}

TEST_CASE("integers: digits only, at most 2^64-1") {
  CHECK(*parseInteger("0") == 0);
  CHECK(*parseInteger("2500000") == 2'500'000);
  CHECK(*parseInteger("18446744073709551615") == UINT64_MAX);
  CHECK(errorOf(parseInteger("18446744073709551616")) == "\"18446744073709551616\" is too large");
  CHECK(errorOf(parseInteger("99999999999999999999999")) == "\"99999999999999999999999\" is too large");
  for (const char* bad : {"", "-1", "+1", "1.0", "1e3", "0x10", "1_000", "big", "12 ", "4KiB"}) {
    CAPTURE(bad);
    CHECK(errorOf(parseInteger(bad)) ==
          "\"" + std::string(bad) + "\" is not a whole number (digits only: no sign, fraction or exponent)");
  }
}

TEST_CASE("booleans: true or false, nothing else") {
  CHECK(*parseBool("true") == true);
  CHECK(*parseBool("false") == false);
  for (const char* bad : {"yes", "no", "on", "off", "True", "FALSE", "1", "0", ""}) {
    CAPTURE(bad);
    CHECK(errorOf(parseBool(bad)) == "\"" + std::string(bad) + "\" is not true or false");
  }
}

TEST_CASE("listen addresses: IPv4 host:port and [IPv6]:port") {
  auto v4 = parseListenAddress("0.0.0.0:1935");
  REQUIRE(v4);
  CHECK(v4->host == "0.0.0.0");
  CHECK(v4->port == 1935);
  CHECK(parseListenAddress("127.0.0.1:0")->port == 0);
  CHECK(parseListenAddress("127.0.0.1:65535")->port == 65535);
  auto any6 = parseListenAddress("[::]:1935");
  REQUIRE(any6);
  CHECK(any6->host == "::");
  CHECK(any6->port == 1935);
  CHECK(parseListenAddress("[2001:db8::1]:8080")->host == "2001:db8::1");
  CHECK(parseListenAddress("[::ffff:127.0.0.1]:80")->host == "::ffff:127.0.0.1");

  const std::string noPortForm = " has no port (expected host:port, e.g. 0.0.0.0:1935 or [::]:1935)";
  CHECK(errorOf(parseListenAddress("0.0.0.0")) == "\"0.0.0.0\"" + noPortForm);
  CHECK(errorOf(parseListenAddress("[::]")) == "\"[::]\"" + noPortForm);
  CHECK(errorOf(parseListenAddress("[::]1935")) == "\"[::]1935\"" + noPortForm);
  CHECK(errorOf(parseListenAddress("")) == "\"\"" + noPortForm);
  CHECK(errorOf(parseListenAddress("1935")) == "\"1935\"" + noPortForm);
  CHECK(errorOf(parseListenAddress("0.0.0.0:")) == "port \"\" is not a number");
  CHECK(errorOf(parseListenAddress("0.0.0.0:http")) == "port \"http\" is not a number");
  CHECK(errorOf(parseListenAddress("0.0.0.0:-1")) == "port \"-1\" is not a number");
  CHECK(errorOf(parseListenAddress("0.0.0.0:65536")) == "port 65536 not in 0..65535");
  CHECK(errorOf(parseListenAddress("0.0.0.0:99999999999999999999")) == "port \"99999999999999999999\" is not a number");
  CHECK(errorOf(parseListenAddress(":1935")) ==
        "\":1935\" has no host (0.0.0.0: every IPv4 address, [::]: every IPv6 address)");
  CHECK(errorOf(parseListenAddress("[]:1935")) ==
        "\"[]:1935\" has no host (0.0.0.0: every IPv4 address, [::]: every IPv6 address)");
  CHECK(errorOf(parseListenAddress("localhost:1935")) ==
        "\"localhost\" is not an IPv4 address (host names are not resolved)");
  CHECK(errorOf(parseListenAddress("256.0.0.1:1935")) ==
        "\"256.0.0.1\" is not an IPv4 address (host names are not resolved)");
  CHECK(errorOf(parseListenAddress("[0.0.0.0]:1935")) ==
        "\"0.0.0.0\" is not an IPv6 address (host names are not resolved)");
  CHECK(errorOf(parseListenAddress("::1:1935")) == "\"::1:1935\": an IPv6 address goes in brackets, e.g. [::1]:1935");
  CHECK(errorOf(parseListenAddress("[::1:1935")) == "\"[::1:1935\" has no closing ] after the IPv6 address");
}

TEST_CASE("listen addresses format back to what parses") {
  for (const char* text : {"0.0.0.0:1935", "127.0.0.1:0", "[::]:1935", "[2001:db8::1]:65535"}) {
    CAPTURE(text);
    CHECK(formatListenAddress(*parseListenAddress(text)) == text);
  }
}

TEST_CASE("choices and log levels") {
  const std::array<std::string_view, 2> names{"reject", "replace"};
  CHECK(*parseChoice("reject", names) == 0);
  CHECK(*parseChoice("replace", names) == 1);
  CHECK(errorOf(parseChoice("Reject", names)) == "\"Reject\" is not one of: reject, replace");
  CHECK(errorOf(parseChoice("", names)) == "\"\" is not one of: reject, replace");
  for (std::string_view level : kLogLevels) {
    CHECK(*parseLogLevel(level) == level);
  }
  CHECK(errorOf(parseLogLevel("warning")) ==
        "\"warning\" is not one of: trace, debug, info, warn, error, critical, off");
}

TEST_CASE("formatting picks the largest exact unit and parses back") {
  CHECK(formatDuration(Millis(0)) == "0s");
  CHECK(formatDuration(Millis(100)) == "100ms");
  CHECK(formatDuration(Millis(1500)) == "1500ms");
  CHECK(formatDuration(Millis(5000)) == "5s");
  CHECK(formatDuration(Millis(90'000)) == "90s");
  CHECK(formatDuration(Millis(300'000)) == "5m");
  CHECK(formatDuration(Millis(3'600'000)) == "1h");
  CHECK(formatSize(0) == "0");
  CHECK(formatSize(1000) == "1000");
  CHECK(formatSize(1536) == "1536");
  CHECK(formatSize(64 << 10) == "64KiB");
  CHECK(formatSize(8 << 20) == "8MiB");
  CHECK(formatSize(1ull << 30) == "1GiB");
  CHECK(formatSize(UINT64_MAX) == "18446744073709551615");
  for (int64_t ms : {1, 999, 1000, 59'999, 60'000, 3'599'999, 3'600'000, 86'400'000}) {
    CHECK(*parseDuration(formatDuration(Millis(ms))) == Millis(ms));
  }
  for (uint64_t bytes : std::initializer_list<uint64_t>{1, 1023, 1024, 1025, 1 << 20, 3ull << 30, UINT64_MAX}) {
    CHECK(*parseSize(formatSize(bytes)) == bytes);
  }
}

}  // namespace
}  // namespace rtsedge
