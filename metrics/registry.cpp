#include "metrics/registry.h"

#include <fmt/format.h>

#include <iterator>

namespace rtsedge::metrics {

namespace {

template <class FamilyType>
FamilyType& findOrAdd(std::map<std::string, std::unique_ptr<FamilyType>>& families, const std::string& name,
                      const std::string& help, std::vector<std::string> labelNames,
                      typename FamilyType::Options options = {}) {
  auto& slot = families[name];
  if (!slot) {
    slot = std::make_unique<FamilyType>(name, help, std::move(labelNames), std::move(options));
  }
  return *slot;
}

std::string escapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} with an optional extra label (le for histogram buckets); empty without labels.
std::string labelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const std::string& extraName = {}, const std::string& extraValue = {}) {
  std::string out;
  auto sink = std::back_inserter(out);
  for (size_t i = 0; i < values.size(); ++i) {
    fmt::format_to(sink, "{}{}=\"{}\"", out.empty() ? "{" : ",", names[i], escapeLabel(values[i]));
  }
  if (!extraName.empty()) {
    fmt::format_to(sink, "{}{}=\"{}\"", out.empty() ? "{" : ",", extraName, extraValue);
  }
  return out.empty() ? out : out + "}";
}

void header(const std::string& name, const std::string& help, const char* type, std::string& out) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

template <class FamilyType>
void exposeScalars(const FamilyType& family, const char* type, std::string& out) {
  header(family.name(), family.help(), type, out);
  family.forEach([&](const std::vector<std::string>& values, const auto& metric) {
    fmt::format_to(std::back_inserter(out), "{}{} {}\n", family.name(), labelSet(family.labelNames(), values),
                   metric.value());
  });
}

void exposeHistograms(const HistogramFamily& family, std::string& out) {
  header(family.name(), family.help(), "histogram", out);
  auto sink = std::back_inserter(out);
  family.forEach([&](const std::vector<std::string>& values, const Histogram& histogram) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= histogram.bounds().size(); ++i) {
      cumulative += histogram.bucketCount(i);
      std::string bound = i < histogram.bounds().size() ? fmt::format("{}", histogram.bounds()[i]) : "+Inf";
      fmt::format_to(sink, "{}_bucket{} {}\n", family.name(), labelSet(family.labelNames(), values, "le", bound),
                     cumulative);
    }
    std::string labels = labelSet(family.labelNames(), values);
    fmt::format_to(sink, "{}_sum{} {}\n{}_count{} {}\n", family.name(), labels, histogram.sum(), family.name(), labels,
                   cumulative);
  });
}

}  // namespace

uint64_t Histogram::count() const {
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += bucketCount(i);
  }
  return total;
}

std::string Registry::exposition() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : counters_) {
    exposeScalars(*family, "counter", out);
  }
  for (const auto& [name, family] : gauges_) {
    exposeScalars(*family, "gauge", out);
  }
  for (const auto& [name, family] : histograms_) {
    exposeHistograms(*family, out);
  }
  return out;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> labelNames) {
  std::lock_guard lock(mutex_);
  return findOrAdd(counters_, name, help, std::move(labelNames));
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames) {
  std::lock_guard lock(mutex_);
  return findOrAdd(gauges_, name, help, std::move(labelNames));
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> labelNames, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  return findOrAdd(histograms_, name, help, std::move(labelNames), Histogram::Options{std::move(bounds)});
}

}  // namespace rtsedge::metrics
