#include "collectors/meminfo_numa.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

namespace node_agent {

namespace {

// "Active(anon):" -> "Active_anon", as node_exporter's `\((.*)\)` -> `_$1`
// (greedy: from the first '(' to the last ')').
std::string NumaMetricName(std::string_view field) {
  while (!field.empty() && field.back() == ':') field.remove_suffix(1);
  std::string name(field);
  auto open = name.find('(');
  if (open == std::string::npos) return name;
  auto close = name.rfind(')');
  if (close == std::string::npos || close < open) return name;
  return name.substr(0, open) + "_" + name.substr(open + 1, close - open - 1) + name.substr(close + 1);
}

}  // namespace

std::vector<NumaMemValue> ParseNumaMeminfo(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<NumaMemValue> out;
  std::vector<std::string_view> parts;
  for (auto line : Lines(content)) {
    Fields(line, parts);
    if (parts.empty()) continue;
    std::optional<double> value;
    if (parts.size() == 4 || (parts.size() == 5 && parts[4] == "kB")) value = ParseGoFloat(parts[3]);
    if (!value) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    if (parts.size() == 5) *value *= 1024;
    out.push_back({NumaMetricName(parts[2]), std::string(parts[1]), *value});
  }
  return out;
}

std::vector<NumaMemValue> ParseNumastat(std::string_view content, std::string_view node,
                                        std::vector<std::string>& skipped) {
  std::vector<NumaMemValue> out;
  std::vector<std::string_view> parts;
  for (auto line : Lines(content)) {
    Fields(line, parts);
    if (parts.empty()) continue;
    std::optional<double> value;
    if (parts.size() == 2) value = ParseGoFloat(parts[1]);
    if (!value) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    out.push_back({std::string(parts[0]) + "_total", std::string(node), *value});
  }
  return out;
}

namespace {

// Go's filepath.Glob "node[0-9]*".
bool IsNodeDir(std::string_view name) {
  return name.size() > 4 && name.substr(0, 4) == "node" && name[4] >= '0' && name[4] <= '9';
}

class MeminfoNumaCollector : public Collector {
 public:
  explicit MeminfoNumaCollector(const Paths& paths) : node_dir_(paths.Sys("devices/system/node")) {}

  void Collect(MetricSet& out) override {
    std::vector<NumaMemValue> gauges;
    std::vector<NumaMemValue> counters;
    for (const auto& name : ListDir(node_dir_)) {
      if (!IsNodeDir(name)) continue;
      std::string dir = node_dir_ + "/" + name;
      Read(dir + "/meminfo", [&](std::string_view content, std::vector<std::string>& skipped) {
        auto v = ParseNumaMeminfo(content, skipped);
        gauges.insert(gauges.end(), v.begin(), v.end());
      });
      // The node number of numastat's label: the digits after "node".
      std::string_view number = std::string_view(name).substr(4);
      number = number.substr(0, std::min(number.size(), number.find_first_not_of("0123456789")));
      Read(dir + "/numastat", [&](std::string_view content, std::vector<std::string>& skipped) {
        auto v = ParseNumastat(content, number, skipped);
        counters.insert(counters.end(), v.begin(), v.end());
      });
    }
    Emit(out, gauges, MetricType::Gauge);
    Emit(out, counters, MetricType::Counter);
  }

 private:
  template <typename Parse>
  void Read(const std::string& path, Parse parse) {
    int err = 0;
    if (!ReadFile(path, buf_, &err)) {
      ThrowPathError("couldn't get NUMA meminfo: open ", path, err);
    }
    std::vector<std::string> skipped;
    parse(buf_, skipped);
    ReportSkipped("meminfo_numa", path, skipped);
  }

  // Samples of a family in node order, as node_exporter's exposition sorts them.
  void Emit(MetricSet& out, std::vector<NumaMemValue>& values, MetricType type) {
    std::stable_sort(values.begin(), values.end(), [](const NumaMemValue& a, const NumaMemValue& b) {
      return a.node < b.node;
    });
    for (auto& v : values) {
      auto it = help_.find(v.metric);
      if (it == help_.end()) {
        it = help_.emplace(v.metric, std::pair(fmt::format("node_memory_numa_{}", v.metric),
                                                fmt::format("Memory information field {}.", v.metric)))
                 .first;
      }
      out.Add(type, it->second.first, it->second.second, {{"node", std::move(v.node)}}, v.value);
    }
  }

  std::string node_dir_;
  std::string buf_;
  // metric -> (family name, help), built once per field.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> help_;
};

std::unique_ptr<Collector> CreateMeminfoNuma(const Paths& paths) { return NewMeminfoNumaCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("meminfo_numa", kDisabledByDefault, nullptr, &CreateMeminfoNuma);

}  // namespace

std::unique_ptr<Collector> NewMeminfoNumaCollector(const Paths& paths) {
  return std::make_unique<MeminfoNumaCollector>(paths);
}

}  // namespace node_agent
