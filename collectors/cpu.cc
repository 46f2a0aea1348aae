#include "collectors/cpu.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>

#include "lib/device_filter.h"
#include "lib/log.h"

namespace node_agent {

// ---------------------------------------------------------------- parsers --

namespace {

// The kernel reports /proc/stat times in USER_HZ, which is 100 on every
// Linux ABI (procfs hard-codes it too).
constexpr double kUserHz = 100.0;

// Go's strconv.ParseUint with base 0: 0x/0o/0b prefixes, leading 0 = octal.
std::optional<uint64_t> ParseUintBase0(std::string_view s) {
  if (s.size() > 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') return ParseUint(s.substr(2), 16);
    if (p == 'o' || p == 'O') return ParseUint(s.substr(2), 8);
    if (p == 'b' || p == 'B') return ParseUint(s.substr(2), 2);
  }
  if (s.size() > 1 && s[0] == '0') return ParseUint(s.substr(1), 8);
  return ParseUint(s, 10);
}

// Go's strings.SplitN(line, ": ", 2) as procfs uses it: the key is what
// precedes the first ": " (trimmed), the value is everything after, untrimmed.
bool SplitCpuInfoLine(std::string_view line, std::string_view& key, std::string_view& value) {
  auto sep = line.find(": ");
  if (sep == std::string_view::npos) return false;
  key = Trim(line.substr(0, sep));
  value = line.substr(sep + 2);
  return true;
}

std::vector<std::string> FieldStrings(std::string_view s) {
  std::vector<std::string> out;
  for (auto f : Fields(s)) out.emplace_back(f);
  return out;
}

// bufio.ScanLines drops a trailing \r.
std::string_view DropCR(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

[[noreturn]] void CpuInfoError(std::string_view what, std::string_view line) {
  throw std::runtime_error(fmt::format("invalid cpuinfo file: {} in \"{}\"", what, line));
}

uint64_t CpuInfoUint(std::string_view value, std::string_view line) {
  auto v = ParseUintBase0(value);
  if (!v || *v > 0xffffffffULL) CpuInfoError("bad number", line);
  return *v;
}

std::vector<CpuInfo> ParseCpuInfoX86(const std::vector<std::string_view>& lines, size_t first) {
  std::vector<CpuInfo> cpus;
  std::string_view key, value;
  if (!SplitCpuInfoLine(lines[first], key, value) || !lines[first].starts_with("processor")) {
    CpuInfoError("first line is not a processor line", lines[first]);
  }
  cpus.emplace_back().processor = CpuInfoUint(value, lines[first]);
  for (size_t i = first + 1; i < lines.size(); ++i) {
    std::string_view line = DropCR(lines[i]);
    if (!SplitCpuInfoLine(line, key, value)) continue;
    CpuInfo& c = cpus.back();
    if (key == "processor") {
      cpus.emplace_back().processor = CpuInfoUint(value, line);
    } else if (key == "vendor" || key == "vendor_id") {
      c.vendor_id = value;
    } else if (key == "cpu family") {
      c.cpu_family = value;
    } else if (key == "model") {
      c.model = value;
    } else if (key == "model name") {
      c.model_name = value;
    } else if (key == "stepping") {
      c.stepping = value;
    } else if (key == "microcode") {
      c.microcode = value;
    } else if (key == "cpu MHz") {
      auto mhz = ParseDouble(value);
      if (!mhz) CpuInfoError("bad cpu MHz", line);
      c.cpu_mhz = *mhz;
    } else if (key == "cache size") {
      c.cache_size = value;
    } else if (key == "physical id") {
      c.physical_id = value;
    } else if (key == "core id") {
      c.core_id = value;
    } else if (key == "flags") {
      c.flags = FieldStrings(value);
    } else if (key == "bugs") {
      c.bugs = FieldStrings(value);
    }
  }
  return cpus;
}

// arm64 /proc/cpuinfo has "processor" blocks without vendor/model fields and
// a "Features" line; procfs gives every CPU the last Features line as flags.
// Old 32-bit kernels start with "Processor: <model name>" shared by all CPUs.
std::vector<CpuInfo> ParseCpuInfoArm(const std::vector<std::string_view>& lines, size_t first) {
  std::string_view key, value;
  std::string_view line0 = DropCR(lines[first]);
  if (!(line0.starts_with("processor") || line0.starts_with("Processor")) ||
      !SplitCpuInfoLine(line0, key, value)) {
    CpuInfoError("first line is not a processor line", line0);
  }
  std::vector<CpuInfo> cpus;
  CpuInfo common;
  bool have_current = true;
  if (key == "Processor") {
    common.model_name = value;
    have_current = false;
  } else {
    cpus.emplace_back().processor = CpuInfoUint(value, line0);
  }
  std::optional<std::string_view> features;
  for (size_t i = first + 1; i < lines.size(); ++i) {
    std::string_view line = DropCR(lines[i]);
    if (!SplitCpuInfoLine(line, key, value)) continue;
    if (key == "processor") {
      cpus.push_back(common);
      cpus.back().processor = CpuInfoUint(value, line);
      have_current = true;
    } else if (key == "BogoMIPS") {
      if (!have_current) {  // single-CPU layout: the block has no processor line
        cpus.push_back(common);
        cpus.back().processor = 0;
        have_current = true;
      }
    } else if (key == "Features") {
      features = value;
    } else if (key == "model name") {
      if (!have_current) CpuInfoError("model name before any processor", line);
      cpus.back().model_name = value;
    }
  }
  if (features) {
    auto flags = FieldStrings(*features);
    for (auto& c : cpus) c.flags = flags;
  }
  return cpus;
}

}  // namespace

ProcStatCpus ParseProcStatCpus(std::string_view content) {
  ProcStatCpus out;
  bool in_cpu_block = false;
  size_t start = 0;
  while (start < content.size()) {
    size_t nl = content.find('\n', start);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(start, nl - start);
    start = nl + 1;
    if (!line.starts_with("cpu")) {
      // The cpu lines come first; stop before the long intr line.
      if (in_cpu_block) break;
      continue;
    }
    in_cpu_block = true;
    auto parts = Fields(line);
    if (parts.size() < 2 || !parts[0].starts_with("cpu")) continue;  // procfs skips these
    double v[10] = {};
    bool ok = true;
    // Like Go's Sscanf("%s %f ..."): stop quietly at end of line, fail on a
    // non-number.
    for (size_t i = 1; i < parts.size() && i <= 10; ++i) {
      auto d = ParseDouble(parts[i]);
      if (!d) {
        ok = false;
        break;
      }
      v[i - 1] = *d / kUserHz;
    }
    int64_t id = -1;
    if (ok && parts[0] != "cpu") {
      auto n = ParseInt(parts[0].substr(3));
      if (n) {
        id = *n;
      } else {
        ok = false;
      }
    }
    if (!ok) {
      out.malformed.emplace_back(parts[0]);
      continue;
    }
    CpuStat s{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]};
    if (id < 0) {
      out.total = s;
    } else {
      out.cpus.emplace_back(id, s);
    }
  }
  return out;
}

void MergeCpuStats(std::map<int64_t, CpuStat>& cache,
                   const std::vector<std::pair<int64_t, CpuStat>>& fresh) {
  std::set<int64_t> seen;
  for (const auto& [id, n] : fresh) {
    seen.insert(id);
    CpuStat s = cache[id];
    if (s.idle - n.idle >= kJumpBackSeconds) {
      log::Debug("CPU Idle counter jumped backwards more than 3.000000 seconds, possible hotplug "
                 "event, resetting CPU stats",
                 {{"cpu", std::to_string(id)}, {"old_value", fmt::format("{}", s.idle)},
                  {"new_value", fmt::format("{}", n.idle)}});
      s = CpuStat{};
    }
    auto keep_max = [](double& cur, double next) {
      if (next >= cur) cur = next;
    };
    keep_max(s.idle, n.idle);
    keep_max(s.user, n.user);
    keep_max(s.nice, n.nice);
    keep_max(s.system, n.system);
    keep_max(s.iowait, n.iowait);
    keep_max(s.irq, n.irq);
    keep_max(s.softirq, n.softirq);
    keep_max(s.steal, n.steal);
    keep_max(s.guest, n.guest);
    keep_max(s.guest_nice, n.guest_nice);
    cache[id] = s;
  }
  // CPUs gone from /proc/stat (offlined, or a malformed line) stop being reported.
  std::erase_if(cache, [&](const auto& kv) { return !seen.count(kv.first); });
}

CpuInfoFormat DetectCpuInfoFormat(std::string_view content) {
  for (auto line : Lines(content)) {
    auto key = Trim(line.substr(0, line.find(':')));
    if (key == "vendor_id" || key == "flags") return CpuInfoFormat::kX86;
    if (key == "CPU implementer" || key == "Features") return CpuInfoFormat::kArm;
  }
  return kNativeCpuInfoFormat;
}

std::vector<CpuInfo> ParseCpuInfo(std::string_view content, std::optional<CpuInfoFormat> format) {
  auto lines = Lines(content);
  size_t first = 0;
  while (first < lines.size() && Trim(lines[first]).empty()) ++first;
  if (first == lines.size()) throw std::runtime_error("invalid cpuinfo file: empty");
  return format.value_or(DetectCpuInfoFormat(content)) == CpuInfoFormat::kArm
             ? ParseCpuInfoArm(lines, first)
             : ParseCpuInfoX86(lines, first);
}

// -------------------------------------------------------------- collector --

namespace {

constexpr std::string_view kSecondsHelp = "Seconds the CPUs spent in each mode.";
constexpr std::string_view kGuestHelp = "Seconds the CPUs spent in guests (VMs) for each mode.";
constexpr std::string_view kInfoHelp = "CPU information from /proc/cpuinfo.";
constexpr std::string_view kFrequencyHelp = "CPU frequency in hertz from /proc/cpuinfo.";
constexpr std::string_view kFlagHelp =
    "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.";
constexpr std::string_view kBugHelp =
    "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.";
constexpr std::string_view kCoreThrottleHelp = "Number of times this CPU core has been throttled.";
constexpr std::string_view kPackageThrottleHelp =
    "Number of times this CPU package has been throttled.";
constexpr std::string_view kIsolatedHelp =
    "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.";
constexpr std::string_view kOnlineHelp = "CPUs that are online and being scheduled.";

std::optional<uint64_t> ReadCachedUint(CachedFile& file, std::string& buf) {
  if (file.Read(buf) != 0) return std::nullopt;
  return ParseUint(Trim(buf));
}

class CpuCollector : public Collector {
 public:
  CpuCollector(const Paths& paths, const CpuOptions& options)
      : paths_(paths),
        opts_(options),
        stat_file_(paths.Proc("stat"), ShortRead::kIsEnd),
        cpuinfo_file_(paths.Proc("cpuinfo")),
        online_list_file_(paths.Sys("devices/system/cpu/online"), ShortRead::kIsEnd),
        cpu_dir_lister_(paths) {
    if (!opts_.flags_include.empty() || !opts_.bugs_include.empty()) {
      if (!opts_.info) {
        log::Info("--collector.cpu.info has been set to `true` because you set the following "
                  "flags, like --collector.cpu.info.flags-include and "
                  "--collector.cpu.info.bugs-include");
      }
      opts_.info = true;
    }
    if (!opts_.flags_include.empty()) {
      flags_re_ = Regex::ForFlag("collector.cpu.info.flags-include", opts_.flags_include);
    }
    if (!opts_.bugs_include.empty()) {
      bugs_re_ = Regex::ForFlag("collector.cpu.info.bugs-include", opts_.bugs_include);
    }
    // node_exporter reads the isolated list once, when the collector is made.
    std::string isolated;
    int err = 0;
    if (ReadFile(paths.Sys("devices/system/cpu/isolated"), isolated, &err)) {
      isolated_ = ParseCpuList(isolated);
      if (!isolated_) {
        throw std::runtime_error("unable to get isolated cpus: invalid cpu list '" +
                                 std::string(Trim(isolated)) + "'");
      }
    } else if (err != ENOENT) {
      throw std::runtime_error(std::string("unable to get isolated cpus: ") + std::strerror(err));
    } else {
      log::Debug("couldn't open isolated file", {{"error", std::strerror(err)}});
    }
  }

  void Collect(MetricSet& out) override {
    std::string first_error;
    auto fail = [&](std::string msg) {
      if (first_error.empty()) first_error = std::move(msg);
    };
    RefreshTopology();
    if (opts_.info) CollectInfo(out, fail);
    CollectStat(out, fail);
    if (isolated_) {
      for (uint32_t cpu : *isolated_) {
        out.Gauge("node_cpu_isolated", kIsolatedHelp, {{"cpu", std::to_string(cpu)}}, 1);
      }
    }
    CollectThrottles(out);
    CollectOnline(out);
    // Samples gathered so far are served; the scrape still reports failure
    // as node_exporter's does when one of these sources is broken.
    if (!first_error.empty()) throw std::runtime_error(first_error);
  }

 private:
  struct Cpu {
    std::string name;    // "cpu12"
    std::string number;  // "12"
    // topology ids; absent while the CPU is offline (no topology dir)
    std::optional<uint64_t> package, core;
    bool has_throttle = false;
    CachedFile core_throttle, package_throttle;
    std::optional<bool> online;  // nullopt: no online file or unreadable
    bool has_online_file = false;
  };

  // Static per-CPU facts (topology, online state, which files exist) are
  // read only when the cpu[0-9]* listing or the kernel's online list
  // changes: a hotplug changes one or the other.
  void RefreshTopology() {
    auto dirs = cpu_dir_lister_.List();
    std::string online_list;
    online_list_file_.Read(online_list);
    if (topology_valid_ && dirs == cpu_dirs_ && online_list == online_list_) return;
    cpu_dirs_ = std::move(dirs);
    online_list_ = std::move(online_list);
    topology_valid_ = true;
    info_valid_ = false;
    cpus_.clear();
    cpus_.reserve(cpu_dirs_.size());
    const std::string base = paths_.Sys("devices/system/cpu");
    for (const auto& name : cpu_dirs_) {
      Cpu& c = cpus_.emplace_back();
      std::string dir = base + "/" + name;
      c.name = name;
      c.number = name.substr(3);
      c.package = ReadUint(dir + "/topology/physical_package_id");
      c.core = ReadUint(dir + "/topology/core_id");
      c.has_throttle = IsDir(dir + "/thermal_throttle");
      if (c.has_throttle) {
        c.core_throttle = CachedFile(dir + "/thermal_throttle/core_throttle_count", ShortRead::kIsEnd);
        c.package_throttle = CachedFile(dir + "/thermal_throttle/package_throttle_count", ShortRead::kIsEnd);
      }
      std::string online;
      int err = 0;
      c.has_online_file = ReadFile(dir + "/online", online, &err) || err != ENOENT;
      if (err == 0) c.online = Trim(online) == "1";
    }
  }

  template <typename Fail>
  void CollectInfo(MetricSet& out, Fail& fail) {
    // cpu MHz changes all the time, so with node_cpu_frequency_hertz on the
    // file is parsed every scrape; otherwise its fields are static and kept.
    if (opts_.cpufreq_enabled || !info_valid_) {
      std::string content;
      int err = cpuinfo_file_.Read(content);
      if (err != 0) {
        info_.clear();
        info_valid_ = false;
        fail(fmt::format("reading {}: {}", cpuinfo_file_.path(), std::strerror(err)));
        return;
      }
      try {
        info_ = ParseCpuInfo(content);
        info_valid_ = true;
      } catch (const std::exception& e) {
        info_.clear();
        info_valid_ = false;
        log::WarnOnce("cpu.cpuinfo", "cannot parse /proc/cpuinfo", {{"err", e.what()}});
        fail(e.what());
        return;
      }
    }
    for (const auto& c : info_) {
      out.Gauge("node_cpu_info", kInfoHelp,
                {{"package", c.physical_id},
                 {"core", c.core_id},
                 {"cpu", std::to_string(c.processor)},
                 {"vendor", c.vendor_id},
                 {"family", c.cpu_family},
                 {"model", c.model},
                 {"model_name", c.model_name},
                 {"microcode", c.microcode},
                 {"stepping", c.stepping},
                 {"cachesize", c.cache_size}},
                1);
    }
    if (opts_.cpufreq_enabled) {
      for (const auto& c : info_) {
        out.Gauge("node_cpu_frequency_hertz", kFrequencyHelp,
                  {{"package", c.physical_id}, {"core", c.core_id}, {"cpu", std::to_string(c.processor)}},
                  c.cpu_mhz * 1e6);
      }
    }
    if (info_.empty()) return;
    auto emit = [&](const std::vector<std::string>& values, const Regex& re,
                    std::string_view name, std::string_view help, const char* label) {
      if (re.empty()) return;
      for (const auto& v : values) {
        if (re.Matches(v)) out.Gauge(name, help, {{label, v}}, 1);
      }
    };
    emit(info_[0].flags, flags_re_, "node_cpu_flag_info", kFlagHelp, "flag");
    emit(info_[0].bugs, bugs_re_, "node_cpu_bug_info", kBugHelp, "bug");
  }

  template <typename Fail>
  void CollectStat(MetricSet& out, Fail& fail) {
    int err = stat_file_.Read(stat_buf_);
    if (err != 0) {
      fail(fmt::format("reading {}: {}", stat_file_.path(), std::strerror(err)));
      return;
    }
    ProcStatCpus parsed = ParseProcStatCpus(stat_buf_);
    ReportSkipped("cpu", stat_file_.path(), parsed.malformed);
    MergeCpuStats(stats_, parsed.cpus);
    for (const auto& [id, s] : stats_) {
      std::string cpu = std::to_string(id);
      auto sec = [&](const char* mode, double v) {
        out.Counter("node_cpu_seconds_total", kSecondsHelp, {{"cpu", cpu}, {"mode", mode}}, v);
      };
      sec("user", s.user);
      sec("nice", s.nice);
      sec("system", s.system);
      sec("idle", s.idle);
      sec("iowait", s.iowait);
      sec("irq", s.irq);
      sec("softirq", s.softirq);
      sec("steal", s.steal);
      if (opts_.guest) {
        // Guest time is also counted in user and nice; exposed separately.
        out.Counter("node_cpu_guest_seconds_total", kGuestHelp, {{"cpu", cpu}, {"mode", "user"}},
                    s.guest);
        out.Counter("node_cpu_guest_seconds_total", kGuestHelp, {{"cpu", cpu}, {"mode", "nice"}},
                    s.guest_nice);
      }
    }
  }

  void CollectThrottles(MetricSet& out) {
    // As node_exporter: walk CPUs in Glob order and read each package's and
    // core's count from the first CPU that has a readable one (siblings
    // share the value). CPUs without topology ids (offline) are skipped.
    std::map<uint64_t, uint64_t> packages;
    std::map<std::pair<uint64_t, uint64_t>, uint64_t> cores;
    for (auto& c : cpus_) {
      if (!c.package || !c.core || !c.has_throttle) continue;
      auto key = std::make_pair(*c.package, *c.core);
      if (!cores.count(key)) {
        if (auto v = ReadCachedUint(c.core_throttle, buf_)) cores[key] = *v;
      }
      if (!packages.count(*c.package)) {
        if (auto v = ReadCachedUint(c.package_throttle, buf_)) packages[*c.package] = *v;
      }
    }
    for (const auto& [pkg, v] : packages) {
      out.Counter("node_cpu_package_throttles_total", kPackageThrottleHelp,
                  {{"package", std::to_string(pkg)}}, static_cast<double>(v));
    }
    for (const auto& [key, v] : cores) {
      out.Counter("node_cpu_core_throttles_total", kCoreThrottleHelp,
                  {{"package", std::to_string(key.first)}, {"core", std::to_string(key.second)}},
                  static_cast<double>(v));
    }
  }

  void CollectOnline(MetricSet& out) {
    // node_exporter skips the family when the first CPU has no online file
    // (x86 kernels that cannot offline cpu0). Per-CPU online state only
    // changes with the kernel's online list, so the values cached by
    // RefreshTopology are current.
    if (cpus_.empty() || !cpus_[0].has_online_file) return;
    for (const auto& c : cpus_) {
      out.Gauge("node_cpu_online", kOnlineHelp, {{"cpu", c.number}},
                c.online.value_or(false) ? 1 : 0);
    }
  }

  Paths paths_;
  CpuOptions opts_;
  Regex flags_re_, bugs_re_;
  std::optional<std::vector<uint32_t>> isolated_;

  CachedFile stat_file_;
  std::string stat_buf_;
  std::map<int64_t, CpuStat> stats_;

  CachedFile cpuinfo_file_;
  std::vector<CpuInfo> info_;
  bool info_valid_ = false;

  CachedFile online_list_file_;
  CpuDirLister cpu_dir_lister_;
  std::string online_list_;
  std::vector<std::string> cpu_dirs_;
  std::vector<Cpu> cpus_;
  bool topology_valid_ = false;
  std::string buf_;
};

CpuOptions g_cpu_options;

void AddCpuFlags(CLI::App& app) {
  const std::string group = "cpu collector";
  app.add_flag("--collector.cpu.guest,!--no-collector.cpu.guest", g_cpu_options.guest,
               "Enables metric node_cpu_guest_seconds_total (default: enabled)")
      ->group(group);
  app.add_flag("--collector.cpu.info,!--no-collector.cpu.info", g_cpu_options.info,
               "Enables metric cpu_info")
      ->group(group);
  app.add_option("--collector.cpu.info.flags-include", g_cpu_options.flags_include,
                 "Filter the `flags` field in cpuInfo with a value that must be a regular expression")
      ->group(group);
  app.add_option("--collector.cpu.info.bugs-include", g_cpu_options.bugs_include,
                 "Filter the `bugs` field in cpuInfo with a value that must be a regular expression")
      ->group(group);
}

std::unique_ptr<Collector> CreateCpu(const Paths& paths) {
  CpuOptions options = g_cpu_options;
  options.cpufreq_enabled = CollectorEnabled("cpufreq").value_or(false);
  return NewCpuCollector(paths, options);
}

NODE_AGENT_REGISTER_COLLECTOR("cpu", kEnabledByDefault, &AddCpuFlags, &CreateCpu);

}  // namespace

std::unique_ptr<Collector> NewCpuCollector(const Paths& paths, const CpuOptions& options) {
  return std::make_unique<CpuCollector>(paths, options);
}

}  // namespace node_agent
