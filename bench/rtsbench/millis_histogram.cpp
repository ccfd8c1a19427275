#include "bench/rtsbench/millis_histogram.h"

#include <algorithm>
#include <cmath>

namespace rtsedge::bench {

void MillisHistogram::record(double ms) {
  ms = std::max(ms, 0.0);
  auto index = static_cast<size_t>(std::min(ms * kBucketsPerMs, static_cast<double>(buckets_.size() - 1)));
  ++buckets_[index];
  ++count_;
  max_ = std::max(max_, ms);
}

void MillisHistogram::clear() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  max_ = 0;
}

double MillisHistogram::percentile(double q) const {
  if (count_ == 0) {
    return 0;
  }
  auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank && i + 1 < buckets_.size()) {
      // Divided, not multiplied by 0.1: 0.7, not 0.7000000000000001, in the JSON.
      return std::min(static_cast<double>(i + 1) / kBucketsPerMs, max_);
    }
  }
  return max_;  // the rank is in the last bucket, which has no upper bound
}

}  // namespace rtsedge::bench
