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
  std::vector<uint8_t> expected{0x02, 0x00, 0x07, 'c',  'o', 'n', 'n', 'e',  'c',  't',  0x00, 0x3f,
                                0xf0, 0,    0,    0,    0,   0,   0,   0x03, 0x00, 0x03, 'a',  'p',
                                'p',  0x02, 0x00, 0x04, 'l', 'i', 'v', 'e',  0x00, 0x00, 0x09};
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

TEST_CASE("nested objects and arrays round-trip, and lookups reach into them") {
  Value inner = Value::ecmaArray({{"codec", Value::string("avc1")}, {"level", Value::number(3.1)}});
  Value value = Value::object({{"list", Value::strictArray({inner, Value::strictArray({}), Value::object({})})},
                               {"empty", Value::object({})},
                               {"flag", Value::boolean(true)}});
  auto decoded = decodeAll(encoded({value}));
  REQUIRE(decoded);
  REQUIRE(decoded->size() == 1);
  CHECK((*decoded)[0] == value);
  const Value* list = (*decoded)[0].get("list");
  REQUIRE(list);
  REQUIRE(list->elements().size() == 3);
  CHECK(list->elements()[0].get("codec")->asString() == "avc1");
  CHECK(list->properties().empty());
  CHECK((*decoded)[0].elements().empty());
}

TEST_CASE("strings are raw bytes") {
  std::string raw("a\0b\xff\xfe", 5);
  auto decoded = decodeAll(encoded({Value::string(raw)}));
  REQUIRE(decoded);
  CHECK((*decoded)[0].asString() == std::string_view(raw));
}

TEST_CASE("an ECMA array's count is a hint; the end marker ends it") {
  // Count 1000 (and 0) around two properties: both decode as two properties.
  for (uint8_t count : {0xe8, 0x00}) {
    std::vector<uint8_t> bytes{0x08, 0x00, 0x00, 0x03, count, 0x00, 0x01, 'a',
                               0x05, 0x00, 0x01, 'b',  0x06,  0x00, 0x00, 0x09};
    auto decoded = decodeAll(bytes);
    REQUIRE(decoded);
    CHECK((*decoded)[0].properties().size() == 2);
  }
  // A count of four billion allocates nothing.
  auto decoded = decodeAll(std::vector<uint8_t>{0x08, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x09});
  REQUIRE(decoded);
  CHECK((*decoded)[0].properties().empty());
}

TEST_CASE("a property name longer than 16 bits is cut, not written corrupt") {
  std::string longKey(70000, 'k');
  auto decoded = decodeAll(encoded({Value::object({{longKey, Value::null()}}), Value::number(2)}));
  REQUIRE(decoded);
  REQUIRE(decoded->size() == 2);
  REQUIRE((*decoded)[0].properties().size() == 1);
  CHECK((*decoded)[0].properties()[0].first.size() == 0xffff);
  CHECK((*decoded)[1].asNumber() == 2.0);
}

std::vector<uint8_t> nestedArrays(int depth) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < depth; ++i) {
    bytes.insert(bytes.end(), {0x0a, 0x00, 0x00, 0x00, 0x01});
  }
  bytes.push_back(0x05);
  return bytes;
}

void checkRefused(const std::vector<uint8_t>& bytes, std::string_view reason) {
  auto decoded = decodeAll(bytes);
  REQUIRE_FALSE(decoded);
  CAPTURE(decoded.error().message());
  CHECK(decoded.error().message().find(reason) != std::string::npos);
}

TEST_CASE("hostile AMF0 is refused") {
  SUBCASE("nesting up to the limit decodes, one deeper is refused") {
    CHECK(decodeAll(nestedArrays(kMaxDepth)));
    checkRefused(nestedArrays(kMaxDepth + 1), "deeper");
    std::vector<uint8_t> deep;
    for (int i = 0; i < 100; ++i) {
      deep.insert(deep.end(), {0x03, 0x00, 0x01, 'a'});
    }
    deep.push_back(0x05);
    checkRefused(deep, "deeper");
  }
  SUBCASE("a strict array claiming more elements than bytes left") {
    checkRefused({0x0a, 0xff, 0xff, 0xff, 0xff, 0x05}, "overruns");
    checkRefused({0x0a, 0x00, 0x00, 0x00, 0x03, 0x05, 0x05}, "overruns");
  }
  SUBCASE("more values than the limit, however small each is") {
    std::vector<uint8_t> many{0x0a, 0x00, 0x01, 0x11, 0x70};  // 70000 nulls
    many.resize(many.size() + 70000, 0x05);
    checkRefused(many, "values in one message");
    std::vector<uint8_t> flat(kMaxValues + 1, 0x05);
    checkRefused(flat, "values in one message");
    flat.pop_back();
    CHECK(decodeAll(flat));
  }
  SUBCASE("a string longer than the message") {
    checkRefused({0x02, 0xff, 0xff, 'a'}, "overruns");
    checkRefused({0x0c, 0xff, 0xff, 0xff, 0xff, 'a'}, "overruns");
    checkRefused({0x03, 0x00, 0x05, 'a'}, "overruns");  // a property name
  }
  SUBCASE("an object whose end marker never comes") {
    checkRefused({0x03, 0x00, 0x01, 'a', 0x05}, "truncated");
    checkRefused({0x03, 0x00, 0x00}, "truncated");
  }
  SUBCASE("unsupported markers name themselves") {
    struct Case {
      uint8_t marker;
      std::string_view name;
    };
    for (const Case& c :
         {Case{0x04, "movieclip"}, Case{0x07, "reference"}, Case{0x09, "object end"}, Case{0x0e, "recordset"},
          Case{0x0f, "XML"}, Case{0x10, "typed object"}, Case{0x11, "AVM+"}, Case{0x42, "unknown"}}) {
      CAPTURE(c.marker);
      checkRefused({c.marker, 0, 0, 0, 0}, c.name);
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
