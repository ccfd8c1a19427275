#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/clock.h"

namespace rtsedge {

struct Upstream {
  std::string url;      // "rtmp://10.0.0.2:1935/live" or "srt://10.0.0.2:10080"; the identity hashed
  uint32_t weight = 1;  // relative capacity, 1..1000
};

// Rendezvous (highest-random-weight) hashing of stream keys over a fixed upstream list,
// with health: an upstream that failed is marked down for a backoff that doubles with
// each consecutive failure (from `backoffMin` to `backoffMax`), then it is eligible again
// (a probe: the next pull tries it); a success resets its backoff.
//
// Rendezvous rather than a ring: every edge ranks the upstreams alone, with no shared
// state, and removing an upstream moves only the streams that were on it. Indexes are
// positions in the list given to the constructor.
class UpstreamSelector {
 public:
  UpstreamSelector(std::vector<Upstream> upstreams, const Clock& clock, Millis backoffMin, Millis backoffMax);

  // Every upstream index, best first, for this stream key: the same order on every node
  // with the same list (so all edges pull one stream from the same mid node), weighted.
  std::vector<size_t> ranking(std::string_view streamKey) const;
  // The best upstream in the ranking that is not down, skipping `exclude` (those this pull tried already);
  // nullopt when all are down or excluded.
  std::optional<size_t> pick(std::string_view streamKey, std::span<const size_t> exclude = {}) const;

  // A failure reported while the upstream is already down changes nothing: it comes from a
  // pull that started before the upstream was marked, and counting it would let one outage
  // seen by many streams at once jump the backoff straight to `backoffMax`.
  void markFailed(size_t index);
  void markSucceeded(size_t index);
  bool isDown(size_t index) const;
  // When the upstream becomes eligible again; in the past (or epoch) when it is not down.
  SteadyTime downUntil(size_t index) const;

  const Upstream& upstream(size_t index) const;
  size_t size() const { return upstreams_.size(); }

 private:
  struct Health {
    Millis backoff{0};  // of the latest failure; zero after a success
    SteadyTime downUntil{};
  };

  std::vector<Upstream> upstreams_;
  // The hash state after each upstream's url, so ranking hashes only the key per upstream.
  std::vector<uint64_t> urlSeeds_;
  std::vector<Health> health_;
  const Clock& clock_;
  Millis backoffMin_;
  Millis backoffMax_;
};

}  // namespace rtsedge
