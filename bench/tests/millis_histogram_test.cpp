#include "bench/rtsbench/millis_histogram.h"

#include <doctest/doctest.h>

namespace rtsedge::bench {
namespace {

TEST_CASE("MillisHistogram: nearest-rank percentiles to 0.1 ms, capped at the maximum") {
  MillisHistogram histogram;
  CHECK(histogram.percentile(0.5) == 0);
  for (int i = 1; i <= 100; ++i) {
    histogram.record(i);  // 1 .. 100 ms
  }
  CHECK(histogram.count() == 100);
  CHECK(histogram.percentile(0.5) == doctest::Approx(50.1));  // 50 lies in [50.0, 50.1)
  CHECK(histogram.percentile(0.95) == doctest::Approx(95.1));
  CHECK(histogram.percentile(1.0) == 100);  // capped at the maximum
  CHECK(histogram.max() == 100);
}

TEST_CASE("MillisHistogram: one sample is its own every percentile") {
  MillisHistogram histogram;
  histogram.record(2.03);
  CHECK(histogram.percentile(0.5) == doctest::Approx(2.03));
  CHECK(histogram.percentile(0.99) == doctest::Approx(2.03));
}

TEST_CASE("MillisHistogram: out of range samples") {
  MillisHistogram histogram;
  histogram.record(-3);      // a clock behind ours: 0, in the first bucket
  histogram.record(25'000);  // past 10 s: the last bucket, the maximum exact
  CHECK(histogram.percentile(0.5) == doctest::Approx(0.1));
  CHECK(histogram.percentile(1.0) == 25'000);
  CHECK(histogram.max() == 25'000);
}

TEST_CASE("MillisHistogram: clear starts over") {
  MillisHistogram histogram;
  histogram.record(7);
  histogram.clear();
  CHECK(histogram.count() == 0);
  CHECK(histogram.max() == 0);
  histogram.record(1);
  CHECK(histogram.percentile(0.99) == 1);
}

}  // namespace
}  // namespace rtsedge::bench
