#include "lib/collector.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "lib/log.h"

namespace node_agent {
namespace {

std::vector<CollectorInfo>& Registry() {
  static std::vector<CollectorInfo> registry;  // built during static init
  return registry;
}

std::mutex& StateMutex() {
  static std::mutex m;
  return m;
}

std::map<std::string, bool, std::less<>>& State() {
  static std::map<std::string, bool, std::less<>> state;
  return state;
}

}  // namespace

void SetCollectorEnabled(std::string_view name, bool enabled) {
  std::lock_guard<std::mutex> lock(StateMutex());
  State()[std::string(name)] = enabled;
}

std::optional<bool> CollectorEnabled(std::string_view name) {
  std::lock_guard<std::mutex> lock(StateMutex());
  auto it = State().find(name);
  if (it == State().end()) return std::nullopt;
  return it->second;
}

CollectResult RunCollect(Collector& collector, MetricSet& out) {
  try {
    collector.Collect(out);
  } catch (const NoDataError& e) {
    return {CollectStatus::kNoData, e.what()};
  } catch (const std::exception& e) {
    return {CollectStatus::kFailed, e.what()};
  }
  if (out.no_data()) return {CollectStatus::kNoData, out.no_data_reason()};
  return {};
}

void ReportSkipped(std::string_view collector, std::string_view path, const std::vector<std::string>& skipped) {
  for (const auto& item : skipped) {
    log::WarnOnce(fmt::format("{}:{}:{}", collector, path, item), "skipped malformed input",
                  {{"collector", std::string(collector)}, {"file", std::string(path)}, {"item", item}});
  }
}

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
