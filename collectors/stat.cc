#include "collectors/stat.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

ProcStat ParseProcStat(std::string_view content) {
  ProcStat s;
  auto first_value = [&](std::string_view name, std::string_view rest, std::optional<uint64_t>& dst) {
    // Only the first number matters; "intr" carries thousands more after it.
    rest = rest.substr(std::min(rest.find_first_not_of(' '), rest.size()));
    auto v = ParseUint(rest.substr(0, rest.find(' ')));
    if (v) {
      dst = v;
    } else {
      s.malformed.emplace_back(name);
    }
  };
  size_t start = 0;
  while (start < content.size()) {
    size_t nl = content.find('\n', start);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(start, nl - start);
    start = nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    std::string_view name = line.substr(0, sp);
    std::string_view rest = line.substr(sp + 1);
    if (name == "intr") {
      first_value(name, rest, s.intr_total);
    } else if (name == "ctxt") {
      first_value(name, rest, s.context_switches);
    } else if (name == "btime") {
      first_value(name, rest, s.boot_time);
    } else if (name == "processes") {
      first_value(name, rest, s.forks);
    } else if (name == "procs_running") {
      first_value(name, rest, s.procs_running);
    } else if (name == "procs_blocked") {
      first_value(name, rest, s.procs_blocked);
    } else if (name == "softirq") {
      auto fields = Fields(rest);
      std::array<uint64_t, 10> vec{};
      bool ok = fields.size() >= 1 + vec.size();
      for (size_t i = 0; ok && i < vec.size(); ++i) {
        auto v = ParseUint(fields[i + 1]);
        ok = v.has_value();
        if (ok) vec[i] = *v;
      }
      if (ok) {
        s.softirq = vec;
      } else {
        s.malformed.emplace_back(name);
      }
    }
  }
  return s;
}

namespace {

StatOptions g_options;

void AddStatFlags(CLI::App& app) {
  app.add_flag("--collector.stat.softirq,!--no-collector.stat.softirq", g_options.softirq,
               "Export softirq calculation metrics.")
      ->group("stat collector");
}

class StatCollector : public Collector {
 public:
  StatCollector(const Paths& paths, const StatOptions& options)
      : file_(paths.Proc("stat"), ShortRead::kIsEnd), options_(options) {
    // Go's registry sorts a family's samples by label value; emit in that order.
    for (size_t i = 0; i < kSoftirqVectors.size(); ++i) softirq_order_[i] = i;
    std::sort(softirq_order_.begin(), softirq_order_.end(),
              [](size_t a, size_t b) { return kSoftirqVectors[a] < kSoftirqVectors[b]; });
  }

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get stat: ");
    ProcStat s = ParseProcStat(buf_);
    ReportSkipped("stat", file_.path(), s.malformed);
    auto emit = [&](MetricType type, std::string_view metric, std::string_view help,
                    const std::optional<uint64_t>& v) {
      if (v) out.Add(type, metric, help, {}, static_cast<double>(*v));
    };
    emit(MetricType::Counter, "node_intr_total", "Total number of interrupts serviced.", s.intr_total);
    emit(MetricType::Counter, "node_context_switches_total", "Total number of context switches.",
         s.context_switches);
    emit(MetricType::Counter, "node_forks_total", "Total number of forks.", s.forks);
    emit(MetricType::Gauge, "node_boot_time_seconds", "Node boot time, in unixtime.", s.boot_time);
    emit(MetricType::Gauge, "node_procs_running", "Number of processes in runnable state.", s.procs_running);
    emit(MetricType::Gauge, "node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
         s.procs_blocked);
    if (options_.softirq && s.softirq) {
      for (size_t i : softirq_order_) {
        out.Counter("node_softirqs_total", "Number of softirq calls.",
                    {{"vector", std::string(kSoftirqVectors[i])}}, static_cast<double>((*s.softirq)[i]));
      }
    }
  }

 private:
  CachedFile file_;
  StatOptions options_;
  std::string buf_;
  std::array<size_t, kSoftirqVectors.size()> softirq_order_{};
};

std::unique_ptr<Collector> CreateStat(const Paths& paths) { return NewStatCollector(paths, g_options); }

NODE_AGENT_REGISTER_COLLECTOR("stat", kEnabledByDefault, &AddStatFlags, &CreateStat);

}  // namespace

std::unique_ptr<Collector> NewStatCollector(const Paths& paths, const StatOptions& options) {
  return std::make_unique<StatCollector>(paths, options);
}

}  // namespace node_agent
