#include "metrics/registry.h"

#include <doctest/doctest.h>

namespace rtsedge::metrics {
namespace {

TEST_CASE("exposition of counters, gauges and histograms, with label escaping") {
  Registry registry;
  registry.counter("t_events_total", "Events.", {"kind"}).labels({"a\"b\\c\nd"}).inc(3);
  registry.gauge("t_open", "Open things.", {}).labels({}).set(-2);
  auto& histogram = registry.histogram("t_seconds", "Durations.", {"p"}, {0.1, 1}).labels({"x"});
  histogram.observe(0.05);
  histogram.observe(0.1);  // on a bound: counts in that bucket (le is "less or equal")
  histogram.observe(0.5);
  histogram.observe(7);
  CHECK(registry.exposition() ==
        "# HELP t_events_total Events.\n"
        "# TYPE t_events_total counter\n"
        "t_events_total{kind=\"a\\\"b\\\\c\\nd\"} 3\n"
        "# HELP t_open Open things.\n"
        "# TYPE t_open gauge\n"
        "t_open -2\n"
        "# HELP t_seconds Durations.\n"
        "# TYPE t_seconds histogram\n"
        "t_seconds_bucket{p=\"x\",le=\"0.1\"} 2\n"
        "t_seconds_bucket{p=\"x\",le=\"1\"} 3\n"
        "t_seconds_bucket{p=\"x\",le=\"+Inf\"} 4\n"
        "t_seconds_sum{p=\"x\"} 7.65\n"
        "t_seconds_count{p=\"x\"} 4\n");
  CHECK(histogram.count() == 4);
}

TEST_CASE("a family hands out one child per label values, stable across lookups") {
  Registry registry;
  auto& family = registry.counter("t_total", "T.", {"a"});
  Counter& first = family.labels({"x"});
  first.inc();
  CHECK(&family.labels({"x"}) == &first);
  CHECK(&registry.counter("t_total", "T.", {"a"}) == &family);
  family.labels({"y"}).inc(0.5);
  CHECK(family.labels({"y"}).value() == 0.5);
}

}  // namespace
}  // namespace rtsedge::metrics
