#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::amf0 {

// Deepest nesting of objects and arrays we decode: deeper input is hostile.
inline constexpr int kMaxDepth = 32;
// Most values (at every depth) decoded from one message body: a one-byte null
// becomes a ~100-byte Value, so the body's size alone does not bound memory.
inline constexpr size_t kMaxValues = 65536;

// One AMF0 value. Objects and ECMA arrays keep their properties in wire order.
class Value {
 public:
  enum class Type { kNumber, kBoolean, kString, kObject, kNull, kUndefined, kEcmaArray, kStrictArray, kDate };
  using Property = std::pair<std::string, Value>;

  static Value number(double value);
  static Value boolean(bool value);
  static Value string(std::string value);
  static Value null();
  static Value undefined();
  static Value object(std::vector<Property> properties);
  static Value ecmaArray(std::vector<Property> properties);
  static Value strictArray(std::vector<Value> elements);
  static Value date(double milliseconds);

  Type type() const { return type_; }
  std::optional<double> asNumber() const;
  std::optional<bool> asBoolean() const;
  std::optional<std::string_view> asString() const;
  // An Object or EcmaArray property; nullptr if absent or not an object.
  const Value* get(std::string_view key) const;
  const std::vector<Property>& properties() const { return properties_; }
  const std::vector<Value>& elements() const { return elements_; }

  bool operator==(const Value& other) const;

 private:
  friend void encode(const Value& value, BytesBuilder& out);
  explicit Value(Type type) : type_(type) {}

  Type type_;
  double number_ = 0;
  std::string string_;
  std::vector<Property> properties_;
  std::vector<Value> elements_;
};

void encode(const Value& value, BytesBuilder& out);

// Every value in a command or data message body.
Result<std::vector<Value>> decodeAll(std::span<const uint8_t> body);

}  // namespace rtsedge::amf0
