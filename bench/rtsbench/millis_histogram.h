#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rtsedge::bench {

// Durations in milliseconds, counted in 0.1 ms buckets up to 10 s (longer ones in the
// last bucket, the maximum kept exactly): memory stays at 800 KB whatever the number of
// samples, and percentiles are exact to 0.1 ms.
class MillisHistogram {
 public:
  static constexpr int kBucketsPerMs = 10;
  static constexpr int kRangeMs = 10'000;

  // Negative durations (another host's clock behind ours) count as 0.
  void record(double ms);
  void clear();

  uint64_t count() const { return count_; }
  double max() const { return max_; }
  // Nearest rank: the upper bound of the bucket holding the sample at rank ceil(q * count),
  // capped at the maximum (the maximum itself in the last bucket); 0 without samples.
  // q in (0, 1].
  double percentile(double q) const;

 private:
  std::vector<uint64_t> buckets_ = std::vector<uint64_t>(size_t{kRangeMs} * kBucketsPerMs);
  uint64_t count_ = 0;
  double max_ = 0;
};

}  // namespace rtsedge::bench
