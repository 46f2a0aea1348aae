#include "collectors/processes.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

namespace node_agent {

namespace {

// How procfs scans fields 3 to 44 of /proc/<pid>/stat: 's' the state word,
// 'i' a signed and 'u' an unsigned integer.
constexpr std::string_view kStatFieldKinds =
    "s"           // 3 state
    "iiiii"       // 4-8 ppid pgrp session tty_nr tpgid
    "uuuuuuu"     // 9-15 flags minflt cminflt majflt cmajflt utime stime
    "iiiiii"      // 16-21 cutime cstime priority nice num_threads itrealvalue
    "uu"          // 22-23 starttime vsize
    "i"           // 24 rss
    "uuuu"        // 25-28 rsslim startcode endcode startstack
    "uuuuuuuuu"   // 29-37 kstkesp .. nswap cnswap
    "i"           // 38 exit_signal
    "uuuuu"       // 39-43 processor rt_priority policy delayacct_blkio_ticks guest_time
    "i";          // 44 cguest_time
constexpr size_t kNumThreadsField = 20 - 3;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

}  // namespace

std::optional<PidStatState> ParsePidStatState(std::string_view content) {
  size_t open = content.find('(');
  size_t close = content.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close + 2 > content.size()) {
    return std::nullopt;
  }
  std::string_view rest = content.substr(close + 2);
  PidStatState s;
  size_t pos = 0;
  for (size_t f = 0; f < kStatFieldKinds.size(); ++f) {
    while (pos < rest.size() && IsSpace(rest[pos])) ++pos;
    size_t start = pos;
    while (pos < rest.size() && !IsSpace(rest[pos])) ++pos;
    std::string_view tok = rest.substr(start, pos - start);
    if (tok.empty()) return std::nullopt;
    switch (kStatFieldKinds[f]) {
      case 's':
        s.state.assign(tok);
        break;
      case 'i': {
        auto v = ParseInt(tok);
        if (!v) return std::nullopt;
        if (f == kNumThreadsField) s.num_threads = *v;
        break;
      }
      default:
        if (tok.front() == '-' || !ParseUint(tok.front() == '+' ? tok.substr(1) : tok)) return std::nullopt;
    }
  }
  return s;
}

std::optional<uint64_t> ParseProcUint(std::string_view content) { return ParseUint(Trim(content)); }

namespace {

bool Vanished(int err) { return err == ENOENT || err == ESRCH; }

class ProcessesCollector : public Collector {
 public:
  explicit ProcessesCollector(const Paths& paths)
      : paths_(paths), proc_(paths.procfs, IsProcfsMount(paths.procfs)) {}

  void Collect(MetricSet& out) override {
    Counts c = CountAll();
    out.Gauge("node_processes_threads", "Allocated threads in system", {}, static_cast<double>(c.threads));
    out.Gauge("node_processes_max_threads", "Limit of threads in the system", {},
              ReadLimit("sys/kernel/threads-max", "unable to retrieve limit number of threads"));
    for (const auto& [state, n] : c.states) {
      out.Gauge("node_processes_state", "Number of processes in each state.", {{"state", state}},
                static_cast<double>(n));
    }
    for (const auto& [state, n] : c.thread_states) {
      out.Gauge("node_processes_threads_state", "Number of threads in each state.", {{"thread_state", state}},
                static_cast<double>(n));
    }
    double pid_max = ReadLimit("sys/kernel/pid_max", "unable to retrieve limit number of maximum pids allowed");
    out.Gauge("node_processes_pids", "Number of PIDs", {}, static_cast<double>(c.pids));
    out.Gauge("node_processes_max_processes", "Number of max PIDs limit", {}, pid_max);
  }

 private:
  struct Counts {
    int64_t pids = 0;
    int64_t threads = 0;
    std::map<std::string, int64_t, std::less<>> states;  // sorted, as Go's registry emits them
    std::map<std::string, int64_t, std::less<>> thread_states;
  };

  static bool IsPid(std::string_view name) { return ParseInt(name).has_value(); }

  Counts CountAll() {
    if (int err = proc_.List(entries_); err != 0) {
      throw std::runtime_error(fmt::format("unable to retrieve number of allocated threads: unable to list all "
                                           "processes: {}: {}", proc_.path(), std::strerror(err)));
    }
    Counts c;
    std::vector<std::string> skipped;
    for (const DirEntry& e : entries_) {
      if (!IsPid(e.name)) continue;
      std::string stat_path = paths_.Proc(e.name + "/stat");
      auto stat = ReadStat(stat_path, skipped);
      if (!stat) continue;
      ++c.pids;
      ++c.states[stat->state];
      c.threads += stat->num_threads;
      CountThreads(e.name, stat->state, c, skipped);
    }
    ReportSkipped("processes", paths_.procfs, skipped);
    return c;
  }

  // nullopt when the process is gone (or its stat malformed, then noted in
  // `skipped`); throws on other read errors, as node_exporter.
  std::optional<PidStatState> ReadStat(const std::string& path, std::vector<std::string>& skipped) {
    int err = 0;
    if (!ReadFile(path, buf_, &err)) {
      if (Vanished(err)) return std::nullopt;
      throw std::runtime_error(fmt::format("unable to retrieve number of allocated threads: error reading "
                                           "{}: {}", path, std::strerror(err)));
    }
    auto s = ParsePidStatState(buf_);
    if (!s) skipped.push_back(path);
    return s;
  }

  void CountThreads(const std::string& pid, const std::string& pid_state, Counts& c,
                    std::vector<std::string>& skipped) {
    std::string task_dir = paths_.Proc(pid + "/task");
    DirLister tasks(task_dir, false);
    if (int err = tasks.List(tasks_); err != 0) {
      if (Vanished(err)) return;
      ThrowPathError("error reading task for pid ", pid, err);
    }
    for (const DirEntry& t : tasks_) {
      if (!IsPid(t.name)) continue;
      if (t.name == pid) {
        ++c.thread_states[pid_state];
        continue;
      }
      auto stat = ReadStat(task_dir + "/" + t.name + "/stat", skipped);
      if (stat) ++c.thread_states[stat->state];
    }
  }

  double ReadLimit(std::string_view rel, std::string_view what) {
    std::string path = paths_.Proc(rel);
    int err = 0;
    if (!ReadFile(path, buf_, &err)) {
      throw std::runtime_error(fmt::format("{}: open {}: {}", what, path, std::strerror(err)));
    }
    auto v = ParseProcUint(buf_);
    if (!v) throw std::runtime_error(fmt::format("{}: cannot parse {}", what, path));
    return static_cast<double>(*v);
  }

  Paths paths_;
  DirLister proc_;
  std::vector<DirEntry> entries_;
  std::vector<DirEntry> tasks_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateProcesses(const Paths& paths) { return NewProcessesCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("processes", kDisabledByDefault, nullptr, &CreateProcesses);

}  // namespace

std::unique_ptr<Collector> NewProcessesCollector(const Paths& paths) {
  return std::make_unique<ProcessesCollector>(paths);
}

}  // namespace node_agent
