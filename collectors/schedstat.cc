#include "collectors/schedstat.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace node_agent {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Matches `cpu(\d+)( (\d+)){9}` at `pos`; fills the ten digit runs.
bool MatchCpuAt(std::string_view line, size_t pos, std::array<std::string_view, 10>& groups) {
  if (line.compare(pos, 3, "cpu") != 0) return false;
  pos += 3;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) {
      if (pos >= line.size() || line[pos] != ' ') return false;
      ++pos;
    }
    size_t start = pos;
    while (pos < line.size() && IsDigit(line[pos])) ++pos;
    if (pos == start) return false;
    groups[g] = line.substr(start, pos - start);
  }
  return true;
}

}  // namespace

std::vector<SchedstatCpu> ParseSchedstat(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<SchedstatCpu> cpus;
  std::array<std::string_view, 10> groups;
  for (auto line : Lines(content)) {
    // The leftmost match, as Go's FindStringSubmatch.
    bool matched = false;
    for (size_t pos = line.find("cpu"); pos != std::string_view::npos; pos = line.find("cpu", pos + 1)) {
      if ((matched = MatchCpuAt(line, pos, groups))) break;
    }
    if (!matched) continue;
    auto running = ParseUint(groups[7]);
    auto waiting = ParseUint(groups[8]);
    auto slices = ParseUint(groups[9]);
    if (!running || !waiting || !slices) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    cpus.push_back({std::string(groups[0]), *running, *waiting, *slices});
  }
  return cpus;
}

namespace {

constexpr double kNsPerSec = 1e9;

class SchedstatCollector : public Collector {
 public:
  explicit SchedstatCollector(const Paths& paths) : file_(paths.Proc("schedstat")) {}

  void Collect(MetricSet& out) override {
    if (int err = file_.Read(buf_); err != 0) {
      if (err == ENOENT) return out.SetNoData("schedstat file does not exist");
      ThrowPathError("open ", file_.path(), err);
    }
    std::vector<std::string> skipped;
    auto cpus = ParseSchedstat(buf_, skipped);
    ReportSkipped("schedstat", file_.path(), skipped);
    // Go's registry sorts a family's samples by label value (cpu as a string).
    std::stable_sort(cpus.begin(), cpus.end(), [](const auto& a, const auto& b) { return a.cpu < b.cpu; });
    for (const auto& c : cpus) {
      out.Counter("node_schedstat_running_seconds_total", "Number of seconds CPU spent running a process.",
                  {{"cpu", c.cpu}}, static_cast<double>(c.running_ns) / kNsPerSec);
    }
    for (const auto& c : cpus) {
      out.Counter("node_schedstat_waiting_seconds_total",
                  "Number of seconds spent by processing waiting for this CPU.", {{"cpu", c.cpu}},
                  static_cast<double>(c.waiting_ns) / kNsPerSec);
    }
    for (const auto& c : cpus) {
      out.Counter("node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", {{"cpu", c.cpu}},
                  static_cast<double>(c.timeslices));
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateSchedstat(const Paths& paths) { return NewSchedstatCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("schedstat", kEnabledByDefault, nullptr, &CreateSchedstat);

}  // namespace

std::unique_ptr<Collector> NewSchedstatCollector(const Paths& paths) {
  return std::make_unique<SchedstatCollector>(paths);
}

}  // namespace node_agent
