#include "collectors/cgroups.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace node_agent {

std::vector<CgroupSummary> ParseCgroups(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<CgroupSummary> out;
  std::vector<std::string_view> parts;
  for (auto line : Lines(content)) {
    if (!line.empty() && line[0] == '#') continue;
    Fields(line, parts);
    std::optional<int64_t> hierarchy, cgroups, enabled;
    if (parts.size() >= 4) {
      hierarchy = ParseInt(parts[1]);
      cgroups = ParseInt(parts[2]);
      enabled = ParseInt(parts[3]);
    }
    if (!hierarchy || !cgroups || !enabled) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    out.push_back({std::string(parts[0]), *hierarchy, *cgroups, *enabled});
  }
  return out;
}

namespace {

class CgroupsCollector : public Collector {
 public:
  explicit CgroupsCollector(const Paths& paths) : file_(paths.Proc("cgroups")) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "open ");
    std::vector<std::string> skipped;
    auto summaries = ParseCgroups(buf_, skipped);
    ReportSkipped("cgroups", file_.path(), skipped);
    // By controller name, as node_exporter's exposition sorts them.
    std::stable_sort(summaries.begin(), summaries.end(),
                     [](const CgroupSummary& a, const CgroupSummary& b) { return a.subsys_name < b.subsys_name; });
    for (const auto& s : summaries) {
      out.Gauge("node_cgroups_cgroups", "Current cgroup number of the subsystem.", {{"subsys_name", s.subsys_name}},
                static_cast<double>(s.cgroups));
    }
    for (const auto& s : summaries) {
      out.Gauge("node_cgroups_enabled", "Current cgroup number of the subsystem.", {{"subsys_name", s.subsys_name}},
                static_cast<double>(s.enabled));
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateCgroups(const Paths& paths) { return NewCgroupsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("cgroups", kDisabledByDefault, nullptr, &CreateCgroups);

}  // namespace

std::unique_ptr<Collector> NewCgroupsCollector(const Paths& paths) {
  return std::make_unique<CgroupsCollector>(paths);
}

}  // namespace node_agent
