#pragma once

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

}  // namespace rtsedge
