#include "cache/tier_query.h"

#include <doctest/doctest.h>

namespace rtsedge {

TEST_CASE("tier trail: read from a stream query") {
  CHECK(trailOf("").hops == 0);
  CHECK(trailOf("token=abc").via.empty());
  TierTrail trail = trailOf("token=abc&rtsedge_hops=2&rtsedge_via=edge1.mid2");
  CHECK(trail.hops == 2);
  CHECK(trail.via == std::vector<std::string>{"edge1", "mid2"});
  CHECK(trail.passed("mid2"));
  CHECK_FALSE(trail.passed("mid"));
  // A count that does not parse is as deep as can be: refused, never trusted as 0.
  CHECK(trailOf("rtsedge_hops=-1").hops == UINT32_MAX);
  CHECK(trailOf("rtsedge_hops=2x").hops == UINT32_MAX);
  CHECK(trailOf("rtsedge_hops=").hops == UINT32_MAX);
  CHECK(trailOf("rtsedge_via=..a..").via == std::vector<std::string>{"a"});
}

TEST_CASE("tier trail: the query sent upstream extends it by this node") {
  CHECK(upstreamQuery("", true, "edge1") == "rtsedge_hops=1&rtsedge_via=edge1");
  CHECK(upstreamQuery("token=abc&rtsedge_hops=1&rtsedge_via=edge1", true, "mid1") ==
        "token=abc&rtsedge_hops=2&rtsedge_via=edge1.mid1");
  CHECK(upstreamQuery("token=abc", false, "edge1") == "rtsedge_hops=1&rtsedge_via=edge1");
  // Repeated, the largest count holds: a request cannot lower its own.
  CHECK(upstreamQuery("rtsedge_hops=7&rtsedge_via=x&rtsedge_hops=0", true, "e") == "rtsedge_hops=8&rtsedge_via=x.e");
}

}  // namespace rtsedge
