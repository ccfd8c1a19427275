#include "protocols/rtmp/amf0.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace rtsedge::amf0 {

namespace {

enum Marker : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kMovieClip = 0x04,
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0a,
  kDate = 0x0b,
  kLongString = 0x0c,
  kUnsupported = 0x0d,
  kRecordSet = 0x0e,
  kXmlDocument = 0x0f,
  kTypedObject = 0x10,
  kAvmPlus = 0x11,
};

// Names for the markers we refuse: references into earlier objects, AMF3 payloads
// and class-bound objects are nothing RTMP commands and metadata use.
std::string_view markerName(uint8_t marker) {
  switch (marker) {
    case kMovieClip: return "movieclip";
    case kReference: return "reference";
    case kObjectEnd: return "object end outside an object";
    case kRecordSet: return "recordset";
    case kXmlDocument: return "XML document";
    case kTypedObject: return "typed object";
    case kAvmPlus: return "AVM+ switch to AMF3";
    default: return "unknown";
  }
}

class Decoder {
 public:
  explicit Decoder(std::span<const uint8_t> data) : data_(data) {}

  bool atEnd() const { return offset_ == data_.size(); }
  Result<Value> value(int depth);

 private:
  size_t left() const { return data_.size() - offset_; }
  Result<double> readDouble();
  Result<std::string> readString(size_t lengthBytes);
  Result<std::vector<Value::Property>> readProperties(int depth);
  Result<Value> readDate();
  Result<Value> readObject(uint8_t marker, int depth);
  Result<Value> readStrictArray(int depth);

  std::span<const uint8_t> data_;
  size_t offset_ = 0;
  size_t values_ = 0;
};

Result<double> Decoder::readDouble() {
  if (left() < 8) {
    return Error("truncated number");
  }
  uint64_t bits = (static_cast<uint64_t>(loadU32(&data_[offset_])) << 32) | loadU32(&data_[offset_ + 4]);
  offset_ += 8;
  return std::bit_cast<double>(bits);
}

Result<std::string> Decoder::readString(size_t lengthBytes) {
  if (left() < lengthBytes) {
    return Error("truncated string length");
  }
  size_t length = lengthBytes == 2 ? loadU16(&data_[offset_]) : loadU32(&data_[offset_]);
  offset_ += lengthBytes;
  if (left() < length) {
    return Error("string of " + std::to_string(length) + " bytes overruns the message");
  }
  std::string text(reinterpret_cast<const char*>(&data_[offset_]), length);
  offset_ += length;
  return text;
}

Result<std::vector<Value::Property>> Decoder::readProperties(int depth) {
  std::vector<Value::Property> properties;
  while (true) {
    if (left() >= 3 && loadU16(&data_[offset_]) == 0 && data_[offset_ + 2] == kObjectEnd) {
      offset_ += 3;
      return properties;
    }
    auto key = readString(2);
    if (!key) {
      return key.error().wrap("object property");
    }
    auto item = value(depth + 1);
    if (!item) {
      return item.error().wrap("property \"" + *key + "\"");
    }
    properties.emplace_back(std::move(*key), std::move(*item));
  }
}

Result<Value> Decoder::value(int depth) {
  if (depth > kMaxDepth) {
    return Error("nested deeper than " + std::to_string(kMaxDepth));
  }
  if (++values_ > kMaxValues) {
    return Error("more than " + std::to_string(kMaxValues) + " values in one message");
  }
  if (left() < 1) {
    return Error("truncated value");
  }
  uint8_t marker = data_[offset_++];
  switch (marker) {
    case kNumber: {
      auto number = readDouble();
      return number ? Result<Value>(Value::number(*number)) : Result<Value>(number.error());
    }
    case kDate: return readDate();
    case kBoolean:
      if (left() < 1) {
        return Error("truncated boolean");
      }
      return Value::boolean(data_[offset_++] != 0);
    case kString:
    case kLongString: {
      auto text = readString(marker == kString ? 2 : 4);
      return text ? Result<Value>(Value::string(std::move(*text))) : Result<Value>(text.error());
    }
    case kNull: return Value::null();
    case kUndefined:
    case kUnsupported: return Value::undefined();
    case kObject:
    case kEcmaArray: return readObject(marker, depth);
    case kStrictArray: return readStrictArray(depth);
    default: return Error(fmt::format("unsupported AMF0 marker 0x{:02x} ({})", marker, markerName(marker)));
  }
}

Result<Value> Decoder::readDate() {
  auto milliseconds = readDouble();
  if (!milliseconds) {
    return milliseconds.error();
  }
  if (left() < 2) {
    return Error("truncated date");
  }
  offset_ += 2;  // time zone: reserved, always 0
  return Value::date(*milliseconds);
}

Result<Value> Decoder::readObject(uint8_t marker, int depth) {
  if (marker == kEcmaArray) {
    if (left() < 4) {
      return Error("truncated ECMA array count");
    }
    offset_ += 4;  // a hint only: the end marker ends the array
  }
  auto properties = readProperties(depth);
  if (!properties) {
    return properties.error();
  }
  return marker == kObject ? Value::object(std::move(*properties)) : Value::ecmaArray(std::move(*properties));
}

Result<Value> Decoder::readStrictArray(int depth) {
  if (left() < 4) {
    return Error("truncated strict array count");
  }
  uint32_t count = loadU32(&data_[offset_]);
  offset_ += 4;
  if (count > left()) {  // every element takes at least one byte
    return Error("strict array of " + std::to_string(count) + " elements overruns the message");
  }
  std::vector<Value> elements;
  for (uint32_t i = 0; i < count; ++i) {
    auto element = value(depth + 1);
    if (!element) {
      return element.error().wrap("array element " + std::to_string(i));
    }
    elements.push_back(std::move(*element));
  }
  return Value::strictArray(std::move(elements));
}

void putDouble(double value, BytesBuilder& out) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  out.appendU32(static_cast<uint32_t>(bits >> 32));
  out.appendU32(static_cast<uint32_t>(bits));
}

// A property name has a 16-bit length: a longer one is cut rather than written corrupt.
void putKey(const std::string& key, BytesBuilder& out) {
  size_t length = std::min<size_t>(key.size(), 0xffff);
  out.appendU16(static_cast<uint16_t>(length));
  out.append(std::span(reinterpret_cast<const uint8_t*>(key.data()), length));
}

void putProperties(const std::vector<Value::Property>& properties, BytesBuilder& out) {
  for (const auto& [key, item] : properties) {
    putKey(key, out);
    encode(item, out);
  }
  out.appendU16(0);
  out.appendByte(kObjectEnd);
}

}  // namespace

Value Value::number(double value) {
  Value v(Type::kNumber);
  v.number_ = value;
  return v;
}

Value Value::boolean(bool value) {
  Value v(Type::kBoolean);
  v.number_ = value ? 1 : 0;
  return v;
}

Value Value::string(std::string value) {
  Value v(Type::kString);
  v.string_ = std::move(value);
  return v;
}

Value Value::null() {
  return Value(Type::kNull);
}
Value Value::undefined() {
  return Value(Type::kUndefined);
}

Value Value::object(std::vector<Property> properties) {
  Value v(Type::kObject);
  v.properties_ = std::move(properties);
  return v;
}

Value Value::ecmaArray(std::vector<Property> properties) {
  Value v(Type::kEcmaArray);
  v.properties_ = std::move(properties);
  return v;
}

Value Value::strictArray(std::vector<Value> elements) {
  Value v(Type::kStrictArray);
  v.elements_ = std::move(elements);
  return v;
}

Value Value::date(double milliseconds) {
  Value v(Type::kDate);
  v.number_ = milliseconds;
  return v;
}

std::optional<double> Value::asNumber() const {
  return type_ == Type::kNumber ? std::optional(number_) : std::nullopt;
}

std::optional<bool> Value::asBoolean() const {
  return type_ == Type::kBoolean ? std::optional(number_ != 0) : std::nullopt;
}

std::optional<std::string_view> Value::asString() const {
  return type_ == Type::kString ? std::optional<std::string_view>(string_) : std::nullopt;
}

const Value* Value::get(std::string_view key) const {
  for (const auto& [name, item] : properties_) {
    if (name == key) {
      return &item;
    }
  }
  return nullptr;
}

bool Value::operator==(const Value& other) const {
  // NaN numbers compare by bits so a decoded NaN equals its original.
  return type_ == other.type_ && std::bit_cast<uint64_t>(number_) == std::bit_cast<uint64_t>(other.number_) &&
         string_ == other.string_ && properties_ == other.properties_ && elements_ == other.elements_;
}

Result<std::vector<Value>> decodeAll(std::span<const uint8_t> body) {
  Decoder decoder(body);
  std::vector<Value> values;
  while (!decoder.atEnd()) {
    auto item = decoder.value(0);
    if (!item) {
      return item.error().wrap("AMF0 value " + std::to_string(values.size()));
    }
    values.push_back(std::move(*item));
  }
  return values;
}

void encode(const Value& value, BytesBuilder& out) {
  switch (value.type()) {
    case Value::Type::kNumber:
      out.appendByte(kNumber);
      putDouble(*value.asNumber(), out);
      break;
    case Value::Type::kBoolean:
      out.appendByte(kBoolean);
      out.appendByte(*value.asBoolean() ? 1 : 0);
      break;
    case Value::Type::kString: {
      std::string_view text = *value.asString();
      if (text.size() > 0xffff) {
        out.appendByte(kLongString);
        out.appendU32(static_cast<uint32_t>(text.size()));
      } else {
        out.appendByte(kString);
        out.appendU16(static_cast<uint16_t>(text.size()));
      }
      out.append(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
      break;
    }
    case Value::Type::kObject:
      out.appendByte(kObject);
      putProperties(value.properties(), out);
      break;
    case Value::Type::kNull: out.appendByte(kNull); break;
    case Value::Type::kUndefined: out.appendByte(kUndefined); break;
    case Value::Type::kEcmaArray:
      out.appendByte(kEcmaArray);
      out.appendU32(static_cast<uint32_t>(value.properties().size()));
      putProperties(value.properties(), out);
      break;
    case Value::Type::kStrictArray:
      out.appendByte(kStrictArray);
      out.appendU32(static_cast<uint32_t>(value.elements().size()));
      for (const Value& element : value.elements()) {
        encode(element, out);
      }
      break;
    case Value::Type::kDate:
      out.appendByte(kDate);
      putDouble(value.number_, out);
      out.appendU16(0);
      break;
  }
}

}  // namespace rtsedge::amf0
