#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtsedge {

// What every pull and push between rtsedge nodes carries in its stream query, so a
// request that went round in circles or too deep is refused instead of spinning:
//   rtsedge_hops=N     nodes the request passed so far
//   rtsedge_via=a.b.c  their node ids, in order
// Foreign servers (nginx-rtmp, SRS) ignore both.
struct TierTrail {
  uint32_t hops = 0;
  std::vector<std::string> via;

  bool passed(std::string_view nodeId) const;
};

inline constexpr std::string_view kHopsParam = "rtsedge_hops";
inline constexpr std::string_view kViaParam = "rtsedge_via";

// The trail in a stream query ("token=x&rtsedge_hops=2&rtsedge_via=a.b"); none is hops 0.
TierTrail trailOf(std::string_view query);

// The query to send upstream: the viewer's own parameters when `passQuery` (without any
// trail or tier credentials of theirs), then this node's trail extended by `nodeId`.
std::string upstreamQuery(std::string_view query, bool passQuery, std::string_view nodeId);

// Eight hex digits: the node id of a node that was not given one, fresh at each start.
std::string randomNodeId();

// "a=1" and "b=2" -> "a=1&b=2"; either may be empty.
std::string joinQuery(std::string_view first, std::string_view second);

}  // namespace rtsedge
