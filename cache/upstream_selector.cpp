#include "cache/upstream_selector.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <utility>

namespace rtsedge {

namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
[[maybe_unused]] constexpr uint32_t kMaxWeight = 1000;  // checked where the configuration is read

// FNV-1a: a fixed, byte-defined hash, so every node and platform agrees (std::hash does not).
uint64_t fnv1a(uint64_t state, std::string_view bytes) {
  for (char c : bytes) {
    state ^= static_cast<uint8_t>(c);
    state *= kFnvPrime;
  }
  return state;
}

// The splitmix64 finalizer: FNV-1a alone mixes its last bytes poorly into the high bits,
// and two upstreams' scores for one key must look independent or the shares skew.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The logarithmic method of weighted rendezvous hashing (Schindelhauer and Schomaker,
// "Weighted Distributed Hash Tables"): with h uniform in (0,1), -w/ln(h) wins with
// probability proportional to w. The top 52 bits plus a half keep h exactly representable
// and strictly inside (0,1), so ln(h) is finite and never zero. std::log may differ in the
// last bit between C libraries; that can only swap two upstreams whose scores agree to
// about 16 digits.
double score(uint64_t hash, uint32_t weight) {
  double h = (static_cast<double>(hash >> 12) + 0.5) * 0x1p-52;
  return -static_cast<double>(weight) / std::log(h);
}

}  // namespace

UpstreamSelector::UpstreamSelector(std::vector<Upstream> upstreams, const Clock& clock, Millis backoffMin,
                                   Millis backoffMax)
    : upstreams_(std::move(upstreams)),
      health_(upstreams_.size()),
      clock_(clock),
      backoffMin_(backoffMin),
      backoffMax_(backoffMax) {
  assert(backoffMin_ > Millis(0) && backoffMin_ <= backoffMax_);
  urlSeeds_.reserve(upstreams_.size());
  for (const Upstream& u : upstreams_) {
    assert(u.weight >= 1 && u.weight <= kMaxWeight);
    // The NUL ends the url unambiguously: stream keys and urls never contain one.
    urlSeeds_.push_back(fnv1a(fnv1a(kFnvOffset, u.url), std::string_view("\0", 1)));
  }
}

std::vector<size_t> UpstreamSelector::ranking(std::string_view streamKey) const {
  std::vector<double> scores(upstreams_.size());
  for (size_t i = 0; i < upstreams_.size(); ++i) {
    scores[i] = score(mix(fnv1a(urlSeeds_[i], streamKey)), upstreams_[i].weight);
  }
  std::vector<size_t> order(upstreams_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; });
  return order;
}

std::optional<size_t> UpstreamSelector::pick(std::string_view streamKey, std::span<const size_t> exclude) const {
  for (size_t index : ranking(streamKey)) {
    if (!isDown(index) && std::find(exclude.begin(), exclude.end(), index) == exclude.end()) {
      return index;
    }
  }
  return std::nullopt;
}

void UpstreamSelector::markFailed(size_t index) {
  if (isDown(index)) {
    return;
  }
  Health& h = health_[index];
  h.backoff = h.backoff == Millis(0) ? backoffMin_ : std::min(h.backoff * 2, backoffMax_);
  h.downUntil = clock_.now() + h.backoff;
}

void UpstreamSelector::markSucceeded(size_t index) {
  assert(index < health_.size());
  health_[index] = Health{};
}

bool UpstreamSelector::isDown(size_t index) const {
  return clock_.now() < downUntil(index);
}

SteadyTime UpstreamSelector::downUntil(size_t index) const {
  assert(index < health_.size());
  return health_[index].downUntil;
}

const Upstream& UpstreamSelector::upstream(size_t index) const {
  assert(index < upstreams_.size());
  return upstreams_[index];
}

}  // namespace rtsedge
