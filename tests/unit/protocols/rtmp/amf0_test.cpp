#include "protocols/rtmp/amf0.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

namespace rtsedge::amf0 {
namespace {

std::vector<uint8_t> encoded(const std::vector<Value>& values) {
  BytesBuilder out;
  for (const auto& v : values) {
    encode(v, out);
  }
  Bytes bytes = out.freeze();
  return {bytes.data(), bytes.data() + bytes.size()};
}

std::vector<Value> everyType() {
  return {Value::number(0),
          Value::number(-1.5),
          Value::number(std::numeric_limits<double>::quiet_NaN()),
          Value::boolean(true),
          Value::boolean(false),
          Value::string(""),
          Value::string("connect"),
          Value::string(std::string(70000, 'x')),  // long string
          Value::null(),
          Value::undefined(),
          Value::object({{"app", Value::string("live")}, {"nested", Value::object({{"n", Value::number(1)}})}}),
          Value::ecmaArray({{"width", Value::number(1280)}, {"height", Value::number(720)}}),
          Value::strictArray({Value::number(1), Value::string("two"), Value::null()}),
          Value::date(1700000000000.0)};
}

TEST_CASE("AMF0 round-trips every type") {
  auto values = everyType();
  auto bytes = encoded(values);
  auto decoded = decodeAll(bytes);
  REQUIRE(decoded);
  CHECK(*decoded == values);
}

TEST_CASE("AMF0 lookups") {
  Value object = Value::object({{"app", Value::string("live")}, {"objectEncoding", Value::number(0)}});
  REQUIRE(object.get("app"));
  CHECK(object.get("app")->asString() == "live");
  CHECK(object.get("missing") == nullptr);
  CHECK(Value::number(3).get("app") == nullptr);
  CHECK_FALSE(Value::null().asString());
  CHECK(Value::number(3).asNumber() == 3.0);
}

TEST_CASE("known bytes: a connect command as ffmpeg sends it starts like this") {
  auto bytes = encoded({Value::string("connect"), Value::number(1), Value::object({{"app", Value::string("live")}})});
  std::vector<uint8_t> expected{0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't', 0x00, 0x3f, 0xf0, 0, 0, 0, 0,
                                0,    0,    0x03, 0x00, 0x03, 'a', 'p', 'p', 0x02, 0x00, 0x04, 'l', 'i', 'v', 'e',
                                0x00, 0x00, 0x09};
  CHECK(bytes == expected);
}

TEST_CASE("truncated AMF0 is an error at every length") {
  auto bytes = encoded(everyType());
  for (size_t length = 0; length < bytes.size(); ++length) {
    auto decoded = decodeAll(std::span(bytes).first(length));
    // A prefix may end exactly between values; otherwise it must fail, never crash.
    if (decoded) {
      CHECK(decoded->size() < everyType().size());
    }
  }
}

TEST_CASE("hostile AMF0 is refused") {
  SUBCASE("nesting deeper than the limit") {
    std::vector<uint8_t> deep;
    for (int i = 0; i < 100; ++i) {
      deep.insert(deep.end(), {0x03, 0x00, 0x01, 'a'});
    }
    deep.push_back(0x05);
    auto decoded = decodeAll(deep);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().message().find("deeper") != std::string::npos);
  }
  SUBCASE("a strict array claiming four billion elements") {
    std::vector<uint8_t> huge{0x0a, 0xff, 0xff, 0xff, 0xff, 0x05};
    CHECK_FALSE(decodeAll(huge));
  }
  SUBCASE("a string longer than the message") {
    CHECK_FALSE(decodeAll(std::vector<uint8_t>{0x02, 0xff, 0xff, 'a'}));
    CHECK_FALSE(decodeAll(std::vector<uint8_t>{0x0c, 0xff, 0xff, 0xff, 0xff, 'a'}));
  }
  SUBCASE("unsupported markers name themselves") {
    for (uint8_t marker : {0x07, 0x04, 0x0e, 0x10, 0x11, 0x42}) {
      auto decoded = decodeAll(std::vector<uint8_t>{marker, 0, 0, 0, 0});
      REQUIRE_FALSE(decoded);
      CHECK(decoded.error().message().find("marker") != std::string::npos);
    }
  }
  SUBCASE("random bytes never crash") {
    std::mt19937 random(7);
    for (int round = 0; round < 20000; ++round) {
      std::vector<uint8_t> bytes(random() % 64);
      for (auto& b : bytes) {
        b = static_cast<uint8_t>(random() % 16);  // mostly valid markers, to go deep
      }
      (void)decodeAll(bytes);
    }
  }
}

}  // namespace
}  // namespace rtsedge::amf0
