#include "collectors/collector.h"

#include <algorithm>

namespace node_agent {
namespace {

std::vector<CollectorInfo>& Registry() {
  static std::vector<CollectorInfo> registry;  // built during static init
  return registry;
}

}  // namespace

bool RegisterCollector(CollectorInfo info) {
  auto& registry = Registry();
  auto pos = std::lower_bound(registry.begin(), registry.end(), info.name,
                              [](const CollectorInfo& a, const std::string& b) { return a.name < b; });
  registry.insert(pos, std::move(info));
  return true;
}

const std::vector<CollectorInfo>& RegisteredCollectors() { return Registry(); }

const CollectorInfo* FindCollector(std::string_view name) {
  for (const auto& info : Registry()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

}  // namespace node_agent
