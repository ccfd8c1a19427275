#pragma once

#include <string>

#include <string_view>

namespace rtsedge {

// Calls fn(name, value) for each "name=value" of a query string ("a=1&b=2"), as written
// (no percent-decoding); a bare name has an empty value. Shared by every reader of
// queries: HTTP requests, stream keys' tier trail, upstream and benchmark URLs.
template <class Fn>
void forEachQueryParam(std::string_view query, Fn&& fn) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t equals = pair.find('=');
    fn(pair.substr(0, equals), equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
  }
}

// RFC 3986 percent-encoding of a query parameter's value: unreserved characters
// (letters, digits, - . _ ~) stay, every other byte becomes %XX.
inline std::string percentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '-' ||
        byte == '.' || byte == '_' || byte == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

}  // namespace rtsedge
