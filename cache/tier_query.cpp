#include "cache/tier_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <random>

#include "relay/query.h"
#include "security/access_request.h"

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
      if (name != kHopsParam && name != kViaParam && name != security::kTierExpiresParam &&
          name != security::kTierSignParam && !name.empty()) {
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

std::string randomNodeId() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

std::string joinQuery(std::string_view first, std::string_view second) {
  if (first.empty() || second.empty()) {
    return std::string(first.empty() ? second : first);
  }
  return std::string(first) + "&" + std::string(second);
}

}  // namespace rtsedge
