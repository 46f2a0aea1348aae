#include "collectors/perf.h"

#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

namespace {

// Go's strconv.Atoi: optional sign, decimal digits.
std::optional<int> Atoi(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t i = s.find(sep);
    out.push_back(s.substr(0, i));
    if (i == std::string_view::npos) return out;
    s.remove_prefix(i + 1);
  }
}

}  // namespace

std::vector<int> ParsePerfCpus(std::string_view flag) {
  auto bad = [&] { return std::invalid_argument(fmt::format("--collector.perf.cpus: invalid flag value {:?}", flag)); };
  std::vector<int> cpus;
  for (std::string_view subset : Split(flag, ',')) {
    if (subset.find('-') == std::string_view::npos) {
      auto cpu = Atoi(subset);
      if (!cpu) throw bad();
      cpus.push_back(*cpu);
      continue;
    }
    auto stride_set = Split(subset, ':');
    int stride = 1;
    if (stride_set.size() == 2) {
      auto s = Atoi(stride_set[1]);
      // A stride of 0 or less would never end (node_exporter loops forever).
      if (!s || *s <= 0) throw bad();
      stride = *s;
    }
    auto range = Split(stride_set[0], '-');
    if (range.size() != 2) throw bad();
    auto start = Atoi(range[0]), end = Atoi(range[1]);
    // No machine has a million CPUs; a larger range is a typo, not a list to build.
    if (!start || !end || *end - *start > (1 << 20)) throw bad();
    for (int i = *start; i <= *end; i += stride) cpus.push_back(i);
  }
  return cpus;
}

std::vector<PerfTracepoint> ParsePerfTracepoints(const std::vector<std::string>& flags) {
  std::vector<PerfTracepoint> out;
  for (const std::string& f : flags) {
    auto parts = Split(f, ':');
    if (parts.size() != 2) {
      throw std::invalid_argument(fmt::format("--collector.perf.tracepoint: invalid tracepoint config {}", f));
    }
    out.push_back({std::string(parts[0]), std::string(parts[1])});
  }
  return out;
}

std::string TracefsMount(std::string_view mounts) {
  for (std::string_view line : Lines(mounts)) {
    auto f = Split(line, ' ');
    if (f.size() > 3 && f[2] == "tracefs") return std::string(f[1]);
  }
  return "";
}

std::optional<uint64_t> ParsePerfRead(std::string_view buf) {
  if (buf.size() < 24) return std::nullopt;
  uint64_t v;
  std::memcpy(&v, buf.data(), 8);
  return v;
}

std::optional<std::vector<uint64_t>> ParsePerfGroupRead(std::string_view buf, size_t n) {
  if (n > (SIZE_MAX - 24) / 8 || buf.size() < 24 + 8 * n) return std::nullopt;
  std::vector<uint64_t> values(n);
  if (n) std::memcpy(values.data(), buf.data() + 24, 8 * n);
  return values;
}

namespace {

struct EventDef {
  std::string_view flag_name;  // the name --collector.perf.*-profilers takes
  uint32_t type;
  uint64_t config;
  std::string_view metric;
  std::string_view help;
};

constexpr uint64_t Cache(uint64_t id, uint64_t op, uint64_t result) { return id | op << 8 | result << 16; }
constexpr uint64_t kR = PERF_COUNT_HW_CACHE_OP_READ, kW = PERF_COUNT_HW_CACHE_OP_WRITE;
constexpr uint64_t kHit = PERF_COUNT_HW_CACHE_RESULT_ACCESS, kMiss = PERF_COUNT_HW_CACHE_RESULT_MISS;

// node_exporter's exported events. perf-utils also opens bus cycles and four
// more software counters when no subset is given; node_exporter never reads
// them, so they are not opened here.
constexpr EventDef kHardware[] = {
    {"CpuCycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "cpucycles_total", "Number of CPU cycles (frequency scaled)"},
    {"CpuInstr", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "instructions_total", "Number of CPU instructions"},
    {"CacheRef", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, "cache_refs_total", "Number of cache references (non frequency scaled)"},
    {"CacheMisses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, "cache_misses_total", "Number of cache misses"},
    {"BranchInstr", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, "branch_instructions_total", "Number of CPU branch instructions"},
    {"BranchMisses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, "branch_misses_total", "Number of CPU branch misses"},
    {"StalledCyclesBackend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, "stalled_cycles_backend_total", "Number of stalled backend CPU cycles"},
    {"StalledCyclesFrontend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, "stalled_cycles_frontend_total", "Number of stalled frontend CPU cycles"},
    {"RefCpuCycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, "ref_cpucycles_total", "Number of CPU cycles"},
};
constexpr EventDef kSoftware[] = {
    {"PageFault", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "page_faults_total", "Number of page faults"},
    {"ContextSwitch", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, "context_switches_total", "Number of context switches"},
    {"CpuMigration", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, "cpu_migrations_total", "Number of CPU process migrations"},
    {"MinorFault", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, "minor_faults_total", "Number of minor page faults"},
    {"MajorFault", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, "major_faults_total", "Number of major page faults"},
};
constexpr uint32_t kC = PERF_TYPE_HW_CACHE;
constexpr EventDef kCache[] = {
    {"L1DataReadHit", kC, Cache(PERF_COUNT_HW_CACHE_L1D, kR, kHit), "cache_l1d_read_hits_total", "Number L1 data cache read hits"},
    {"L1DataReadMiss", kC, Cache(PERF_COUNT_HW_CACHE_L1D, kR, kMiss), "cache_l1d_read_misses_total", "Number L1 data cache read misses"},
    {"L1DataWriteHit", kC, Cache(PERF_COUNT_HW_CACHE_L1D, kW, kHit), "cache_l1d_write_hits_total", "Number L1 data cache write hits"},
    {"L1InstrReadMiss", kC, Cache(PERF_COUNT_HW_CACHE_L1I, kR, kMiss), "cache_l1_instr_read_misses_total", "Number instruction L1 instruction read misses"},
    {"LLReadHit", kC, Cache(PERF_COUNT_HW_CACHE_LL, kR, kHit), "cache_ll_read_hits_total", "Number last level read hits"},
    {"LLReadMiss", kC, Cache(PERF_COUNT_HW_CACHE_LL, kR, kMiss), "cache_ll_read_misses_total", "Number last level read misses"},
    {"LLWriteHit", kC, Cache(PERF_COUNT_HW_CACHE_LL, kW, kHit), "cache_ll_write_hits_total", "Number last level write hits"},
    {"LLWriteMiss", kC, Cache(PERF_COUNT_HW_CACHE_LL, kW, kMiss), "cache_ll_write_misses_total", "Number last level write misses"},
    {"InstrTLBReadHit", kC, Cache(PERF_COUNT_HW_CACHE_ITLB, kR, kHit), "cache_tlb_instr_read_hits_total", "Number instruction TLB read hits"},
    {"InstrTLBReadMiss", kC, Cache(PERF_COUNT_HW_CACHE_ITLB, kR, kMiss), "cache_tlb_instr_read_misses_total", "Number instruction TLB read misses"},
    {"BPUReadHit", kC, Cache(PERF_COUNT_HW_CACHE_BPU, kR, kHit), "cache_bpu_read_hits_total", "Number BPU read hits"},
    {"BPUReadMiss", kC, Cache(PERF_COUNT_HW_CACHE_BPU, kR, kMiss), "cache_bpu_read_misses_total", "Number BPU read misses"},
    {"DataTLBReadHit", kC, Cache(PERF_COUNT_HW_CACHE_DTLB, kR, kHit), "cache_tlb_data_read_hits_total", "Number of data TLB read hits"},
    {"DataTLBReadMiss", kC, Cache(PERF_COUNT_HW_CACHE_DTLB, kR, kMiss), "cache_tlb_data_read_misses_total", "Number of data TLB read misses"},
    {"DataTLBWriteHit", kC, Cache(PERF_COUNT_HW_CACHE_DTLB, kW, kHit), "cache_tlb_data_write_hits_total", "Number of data TLB write hits"},
    {"DataTLBWriteMiss", kC, Cache(PERF_COUNT_HW_CACHE_DTLB, kW, kMiss), "cache_tlb_data_write_misses_total", "Number of data TLB write misses"},
};

int PerfEventOpen(perf_event_attr& attr, int cpu, int group_fd) {
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, -1, cpu, group_fd, PERF_FLAG_FD_CLOEXEC));
}

perf_event_attr Attr(uint32_t type, uint64_t config, bool inherit) {
  perf_event_attr a{};
  a.type = type;
  a.config = config;
  a.size = sizeof(a);
  a.disabled = 1;
  a.exclude_hv = 1;
  a.inherit = inherit ? 1 : 0;
  a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  a.sample_type = PERF_SAMPLE_IDENTIFIER;
  return a;
}

// The events of `table` a --collector.perf.*-profilers list selects: all when
// the list is empty or names nothing known (node_exporter's zero bitmask).
std::vector<const EventDef*> Select(const EventDef* table, size_t n, const std::vector<std::string>& names,
                                    const char* kind) {
  std::vector<const EventDef*> out;
  for (const std::string& name : names) {
    bool known = false;
    for (size_t i = 0; i < n; ++i) {
      if (table[i].flag_name == name) {
        known = true;
        bool dup = false;
        for (const EventDef* e : out) dup = dup || e == &table[i];
        if (!dup) out.push_back(&table[i]);
      }
    }
    if (!known) log::Error(fmt::format("Unknown {} profiler: {}", kind, name));
  }
  if (out.empty()) {
    for (size_t i = 0; i < n; ++i) out.push_back(&table[i]);
  }
  return out;
}

struct Counter {
  const EventDef* def;
  int cpu;
  int fd;
};

struct TracepointGroup {
  int cpu;
  std::vector<int> fds;  // leader first
};

class PerfCollector : public Collector {
 public:
  ~PerfCollector() override {
    for (const Counter& c : counters_) ::close(c.fd);
    for (const TracepointGroup& g : groups_) {
      for (int fd : g.fds) ::close(fd);
    }
  }

  // Opens every event of `events` on `cpu`; throws when none opens.
  void OpenKind(const std::vector<const EventDef*>& events, int cpu, const char* kind, const char* flag) {
    int first_err = 0;
    size_t opened = 0;
    for (const EventDef* e : events) {
      perf_event_attr attr = Attr(e->type, e->config, /*inherit=*/true);
      int fd = PerfEventOpen(attr, cpu, -1);
      if (fd < 0) {
        if (!first_err) first_err = errno;
        continue;
      }
      counters_.push_back({e, cpu, fd});
      ++opened;
    }
    if (opened == 0) {
      throw std::runtime_error(fmt::format(
          "perf: {} profilers not available on CPU {} (perf_event_open: {}{}); disable them with {}", kind, cpu,
          std::strerror(first_err), first_err == ENOENT ? ", no PMU for these events" : "", flag));
    }
  }

  void OpenTracepoints(const std::vector<PerfTracepoint>& tps, const std::vector<uint64_t>& configs,
                       const std::vector<int>& cpus) {
    for (const PerfTracepoint& tp : tps) {
      tracepoint_names_.push_back({fmt::format("node_perf_{}_{}", tp.subsystem, tp.event),
                                   fmt::format("Perf tracepoint {}:{}", tp.subsystem, tp.event)});
    }
    for (int cpu : cpus) {
      TracepointGroup g{cpu, {}};
      for (size_t i = 0; i < configs.size(); ++i) {
        perf_event_attr attr = Attr(PERF_TYPE_TRACEPOINT, configs[i], false);
        attr.read_format |= PERF_FORMAT_GROUP;
        attr.disabled = i == 0 ? 1 : 0;
        int fd = PerfEventOpen(attr, cpu, i == 0 ? -1 : g.fds[0]);
        if (fd < 0) {
          int err = errno;
          for (int f : g.fds) ::close(f);
          throw std::runtime_error(fmt::format("perf: failed to open tracepoint {}:{} on CPU {}: {}",
                                               tps[i].subsystem, tps[i].event, cpu, std::strerror(err)));
        }
        g.fds.push_back(fd);
      }
      groups_.push_back(std::move(g));
    }
  }

  void Start() {
    for (const Counter& c : counters_) {
      if (::ioctl(c.fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
        throw std::runtime_error(fmt::format("perf: enabling a counter on CPU {}: {}", c.cpu, std::strerror(errno)));
      }
    }
    for (const TracepointGroup& g : groups_) {
      if (!g.fds.empty() && ::ioctl(g.fds[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) != 0) {
        throw std::runtime_error(fmt::format("perf: enabling tracepoints on CPU {}: {}", g.cpu, std::strerror(errno)));
      }
    }
  }

  void Collect(MetricSet& out) override {
    char buf[24];
    for (const Counter& c : counters_) {
      ssize_t n = ::read(c.fd, buf, sizeof(buf));
      auto v = n > 0 ? ParsePerfRead(std::string_view(buf, static_cast<size_t>(n))) : std::nullopt;
      if (!v) throw std::runtime_error(fmt::format("perf: reading {} on CPU {}: {}", c.def->metric, c.cpu,
                                                   n < 0 ? std::strerror(errno) : "short read"));
      out.Counter(fmt::format("node_perf_{}", c.def->metric), c.def->help, {{"cpu", std::to_string(c.cpu)}},
                  static_cast<double>(*v));
    }
    for (const TracepointGroup& g : groups_) {
      std::string gbuf(24 + 8 * g.fds.size(), '\0');
      ssize_t n = ::read(g.fds[0], gbuf.data(), gbuf.size());
      auto values = n > 0 ? ParsePerfGroupRead(std::string_view(gbuf.data(), static_cast<size_t>(n)), g.fds.size())
                          : std::nullopt;
      if (!values) throw std::runtime_error(fmt::format("perf: reading tracepoints on CPU {}", g.cpu));
      for (size_t i = 0; i < values->size(); ++i) {
        out.Counter(tracepoint_names_[i].first, tracepoint_names_[i].second, {{"cpu", std::to_string(g.cpu)}},
                    static_cast<double>((*values)[i]));
      }
    }
  }

 private:
  std::vector<Counter> counters_;
  std::vector<TracepointGroup> groups_;
  std::vector<std::pair<std::string, std::string>> tracepoint_names_;
};

std::vector<int> AllCpus() {
  cpu_set_t set;
  int n = 1;
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
  std::vector<int> cpus(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) cpus[static_cast<size_t>(i)] = i;
  return cpus;
}

// The tracepoints' perf configs: each one's id under tracefs.
std::vector<uint64_t> TracepointConfigs(const Paths& paths, const std::vector<PerfTracepoint>& tps) {
  std::vector<uint64_t> configs;
  if (tps.empty()) return configs;
  auto mounts = ReadFile(paths.Proc("mounts"));
  std::string tracefs = mounts ? TracefsMount(*mounts) : "";
  if (tracefs.empty()) throw std::runtime_error("perf: Failed to get tracefs mount: tracefs not mounted");
  for (const PerfTracepoint& tp : tps) {
    std::string path = fmt::format("{}/events/{}/{}/id", tracefs, tp.subsystem, tp.event);
    auto id = ReadFile(path);
    auto v = id ? ParseUint(Trim(Lines(*id).empty() ? "" : Lines(*id)[0])) : std::nullopt;
    if (!v) {
      throw std::runtime_error(
          fmt::format("perf: Failed to get tracepoint config for {}:{}: {}", tp.subsystem, tp.event, path));
    }
    configs.push_back(*v);
  }
  return configs;
}

PerfOptions& Flags() {
  static PerfOptions options;
  return options;
}

void AddPerfFlags(CLI::App& app) {
  PerfOptions& o = Flags();
  const char* g = "perf collector";
  // Repeatable, one value each, as kingpin's Strings().
  auto add_list = [&](const char* name, std::vector<std::string>& into, const char* help) {
    app.add_option(name, into, help)->group(g)->expected(1)->take_all();
  };
  auto add_disable = [&](const char* names, bool& into, const char* help) {
    app.add_flag(names, into, help)->group(g);
  };
  app.add_option("--collector.perf.cpus", o.cpus, "List of CPUs from which perf metrics should be collected")
      ->group(g);
  add_list("--collector.perf.tracepoint", o.tracepoints, "perf tracepoint that should be collected");
  add_disable("--collector.perf.disable-hardware-profilers,!--no-collector.perf.disable-hardware-profilers",
              o.disable_hardware, "disable perf hardware profilers");
  add_list("--collector.perf.hardware-profilers", o.hardware_profilers,
           "perf hardware profilers that should be collected");
  add_disable("--collector.perf.disable-software-profilers,!--no-collector.perf.disable-software-profilers",
              o.disable_software, "disable perf software profilers");
  add_list("--collector.perf.software-profilers", o.software_profilers,
           "perf software profilers that should be collected");
  add_disable("--collector.perf.disable-cache-profilers,!--no-collector.perf.disable-cache-profilers",
              o.disable_cache, "disable perf cache profilers");
  add_list("--collector.perf.cache-profilers", o.cache_profilers, "perf cache profilers that should be collected");
}

std::unique_ptr<Collector> CreatePerf(const Paths& paths) { return NewPerfCollector(paths, Flags()); }

NODE_AGENT_REGISTER_COLLECTOR("perf", kDisabledByDefault, &AddPerfFlags, &CreatePerf);

}  // namespace

std::unique_ptr<Collector> NewPerfCollector(const Paths& paths, const PerfOptions& o) {
  std::vector<int> cpus = o.cpus.empty() ? AllCpus() : ParsePerfCpus(o.cpus);
  auto tps = ParsePerfTracepoints(o.tracepoints);
  auto collector = std::make_unique<PerfCollector>();
  if (!tps.empty()) collector->OpenTracepoints(tps, TracepointConfigs(paths, tps), cpus);
  auto hw = Select(kHardware, std::size(kHardware), o.hardware_profilers, "hardware");
  auto sw = Select(kSoftware, std::size(kSoftware), o.software_profilers, "software");
  auto cache = Select(kCache, std::size(kCache), o.cache_profilers, "cache");
  for (int cpu : cpus) {
    if (!o.disable_hardware) collector->OpenKind(hw, cpu, "hardware", "--collector.perf.disable-hardware-profilers");
    if (!o.disable_software) collector->OpenKind(sw, cpu, "software", "--collector.perf.disable-software-profilers");
    if (!o.disable_cache) collector->OpenKind(cache, cpu, "cache", "--collector.perf.disable-cache-profilers");
  }
  collector->Start();
  return collector;
}

}  // namespace node_agent
