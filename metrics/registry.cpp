#include "metrics/registry.h"

#include <iterator>

#include <fmt/format.h>

namespace rtsedge::metrics {

namespace {
template <class FamilyType>
FamilyType& findOrAdd(std::map<std::string, std::unique_ptr<FamilyType>>& families, const std::string& name,
                      const std::string& help, std::vector<std::string> labelNames) {
  auto& slot = families[name];
  if (!slot) {
    slot = std::make_unique<FamilyType>(name, help, std::move(labelNames));
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

template <class FamilyType>
void expose(const FamilyType& family, const char* type, std::string& out) {
  auto sink = std::back_inserter(out);
  fmt::format_to(sink, "# HELP {} {}\n# TYPE {} {}\n", family.name(), family.help(), family.name(), type);
  family.forEach([&](const std::vector<std::string>& values, const auto& metric) {
    out += family.name();
    for (size_t i = 0; i < values.size(); ++i) {
      fmt::format_to(sink, "{}{}=\"{}\"", i == 0 ? "{" : ",", family.labelNames()[i], escapeLabel(values[i]));
    }
    fmt::format_to(sink, "{} {}\n", values.empty() ? "" : "}", metric.value());
  });
}

}  // namespace

std::string Registry::exposition() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : counters_) {
    expose(*family, "counter", out);
  }
  for (const auto& [name, family] : gauges_) {
    expose(*family, "gauge", out);
  }
  return out;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> labelNames) {
  std::lock_guard lock(mutex_);
  return findOrAdd(counters_, name, help, std::move(labelNames));
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> labelNames) {
  std::lock_guard lock(mutex_);
  return findOrAdd(gauges_, name, help, std::move(labelNames));
}

}  // namespace rtsedge::metrics
