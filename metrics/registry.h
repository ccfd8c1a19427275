#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rtsedge::metrics {

class Counter {
 public:
  void inc(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void add(int64_t by) { value_.fetch_add(by, std::memory_order_relaxed); }
  void set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// A metric name with fixed label names and one child per label-value tuple.
// Children are looked up once (per session, say) and then updated lock-free:
// references stay valid for the registry's life.
template <class Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labelNames)
      : name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)) {}

  Metric& labels(const std::vector<std::string>& values) {
    std::lock_guard lock(mutex_);
    auto& slot = children_[values];
    if (!slot) {
      slot = std::make_unique<Metric>();
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
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;

// The process's metrics. Passed by reference to whoever records, never a singleton.
class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help, std::vector<std::string> labelNames);
  GaugeFamily& gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames);

  // Prometheus text exposition format 0.0.4 of every metric, families in name order.
  std::string exposition() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<CounterFamily>> counters_;
  std::map<std::string, std::unique_ptr<GaugeFamily>> gauges_;
};

}  // namespace rtsedge::metrics
