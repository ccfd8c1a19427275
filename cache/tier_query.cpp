#include "cache/tier_query.h"

#include <algorithm>
#include <charconv>

#include "relay/query.h"

namespace rtsedge {

bool TierTrail::passed(std::string_view nodeId) const {
  return std::find(via.begin(), via.end(), nodeId) != via.end();
}

TierTrail trailOf(std::string_view query) {
  TierTrail trail;
  forEachQueryParam(query, [&](std::string_view name, std::string_view value) {
    if (name == kHopsParam) {
      uint32_t hops = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), hops);
      // A malformed count is not trusted low: it counts as already too deep.
      // Repeated, the largest counts: a request cannot lower its own count.
      trail.hops = std::max(trail.hops, error == std::errc() && end == value.data() + value.size() ? hops : UINT32_MAX);
    } else if (name == kViaParam) {
      while (!value.empty()) {
        size_t dot = value.find('.');
        if (std::string_view id = value.substr(0, dot); !id.empty()) {
          trail.via.emplace_back(id);
        }
        value = dot == std::string_view::npos ? std::string_view() : value.substr(dot + 1);
      }
    }
  });
  return trail;
}

std::string upstreamQuery(std::string_view query, bool passQuery, std::string_view nodeId) {
  TierTrail trail = trailOf(query);
  std::string out;
  auto append = [&out](std::string_view name, std::string_view value) {
    if (!out.empty()) {
      out += '&';
    }
    out.append(name).append("=").append(value);
  };
  if (passQuery) {
    forEachQueryParam(query, [&](std::string_view name, std::string_view value) {
      if (name != kHopsParam && name != kViaParam && !name.empty()) {
        append(name, value);
      }
    });
  }
  std::string via;
  for (const std::string& id : trail.via) {
    via += id + ".";
  }
  via += nodeId;
  append(kHopsParam, std::to_string(trail.hops == UINT32_MAX ? trail.hops : trail.hops + 1));
  append(kViaParam, via);
  return out;
}

}  // namespace rtsedge
