#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rtsedge::metrics {

// Counts events and bytes (whole numbers) or seconds (fractions): Prometheus
// counters are floating point.
class Counter {
 public:
  struct Options {};
  explicit Counter(const Options& = {}) {}
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  struct Options {};
  explicit Gauge(const Options& = {}) {}
  void add(int64_t by) { value_.fetch_add(by, std::memory_order_relaxed); }
  void set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending), plus their
// sum and count: what Prometheus needs for quantiles across any set of series.
class Histogram {
 public:
  struct Options {
    std::vector<double> bounds;
  };
  explicit Histogram(const Options& options)
      : bounds_(options.bounds), counts_(std::make_unique<std::atomic<uint64_t>[]>(options.bounds.size() + 1)) {}

  void observe(double value) {
    size_t bucket = 0;
    while (bucket < bounds_.size() && value > bounds_[bucket]) {
      ++bucket;
    }
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }
  const std::vector<double>& bounds() const { return bounds_; }
  // Observations in bucket i alone (i == bounds().size(): above every bound).
  uint64_t bucketCount(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, from 1 ms to 10 s.
inline const std::vector<double> kLatencyBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.25,  0.5,    1,     2.5,  5,     10};

// A metric name with fixed label names and one child per label-value tuple.
// Children are looked up once (per session, say) and then updated lock-free:
// references stay valid for the registry's life.
template <class Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labelNames, typename Metric::Options options = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labelNames_(std::move(labelNames)),
        options_(std::move(options)) {}

  Metric& labels(const std::vector<std::string>& values) {
    std::lock_guard lock(mutex_);
    auto& slot = children_[values];
    if (!slot) {
      slot = std::make_unique<Metric>(options_);
    }
    return *slot;
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }

  // Calls visit(labelValues, metric) for every child, in label order.
  template <class Visit>
  void forEach(Visit&& visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, metric] : children_) {
      visit(values, *metric);
    }
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> labelNames_;
  typename Metric::Options options_;

 public:
  using Options = typename Metric::Options;

 private:
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// The process's metrics. Passed by reference to whoever records, never a singleton.
class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help, std::vector<std::string> labelNames);
  GaugeFamily& gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames);
  HistogramFamily& histogram(const std::string& name, const std::string& help, std::vector<std::string> labelNames,
                             std::vector<double> bounds);

  // Prometheus text exposition format 0.0.4 of every metric, families in name order.
  std::string exposition() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<CounterFamily>> counters_;
  std::map<std::string, std::unique_ptr<GaugeFamily>> gauges_;
  std::map<std::string, std::unique_ptr<HistogramFamily>> histograms_;
};

}  // namespace rtsedge::metrics
