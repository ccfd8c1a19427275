#include "metrics/registry.h"

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
}  // namespace

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
