#include "collectors/cpufreq.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/sysfs_cpu.h"
#include "lib/log.h"

namespace node_agent {

std::optional<uint64_t> ParseCpufreqValue(std::string_view content) {
  return ParseUint(Trim(content));
}

std::vector<std::string> SplitGovernors(std::string_view available) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t sp = available.find(' ', start);
    if (sp == std::string_view::npos) {
      out.emplace_back(available.substr(start));
      return out;
    }
    out.emplace_back(available.substr(start, sp - start));
    start = sp + 1;
  }
}

void EmitCpufreq(const CpufreqStats& s, MetricSet& out) {
  // sysfs cpufreq values are kHz; node_exporter exports Hz.
  auto emit = [&](std::string_view name, std::string_view help, const std::optional<uint64_t>& khz) {
    if (khz) out.Gauge(name, help, {{"cpu", s.name}}, static_cast<double>(*khz) * 1000.0);
  };
  emit("node_cpu_frequency_hertz", "Current CPU thread frequency in hertz.", s.cpuinfo_cur_khz);
  emit("node_cpu_frequency_min_hertz", "Minimum CPU thread frequency in hertz.", s.cpuinfo_min_khz);
  emit("node_cpu_frequency_max_hertz", "Maximum CPU thread frequency in hertz.", s.cpuinfo_max_khz);
  emit("node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz.",
       s.scaling_cur_khz);
  emit("node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz.",
       s.scaling_min_khz);
  emit("node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz.",
       s.scaling_max_khz);
  if (!s.governor.empty()) {
    for (const auto& g : SplitGovernors(s.available_governors)) {
      out.Gauge("node_cpu_scaling_governor", "Current enabled CPU frequency governor.",
                {{"cpu", s.name}, {"governor", g}}, g == s.governor ? 1 : 0);
    }
  }
}

namespace {

// Missing or root-only attributes (cpuinfo_cur_freq is mode 0400) are
// skipped, as procfs does.
bool Absent(int err) { return err == ENOENT || err == EACCES || err == EPERM; }

// An attribute read every scrape through a kept-open descriptor. Absent
// files are remembered as such until the CPU set changes, so a non-root
// agent does not retry a failing open() on every scrape.
struct HotAttr {
  CachedFile file;
  bool present = false;

  void Open(std::string path, std::string& buf) {
    file = CachedFile(std::move(path), ShortRead::kIsEnd);
    present = !Absent(file.Read(buf));
  }
  std::optional<uint64_t> ReadUint(std::string& buf) {
    if (!present) return std::nullopt;
    int err = file.Read(buf);
    if (err != 0) {
      // EIO/ENODATA/EBUSY from a driver: skip the value this scrape.
      log::WarnOnce("cpufreq.read." + file.path(), "cannot read cpufreq attribute",
                    {{"file", file.path()}, {"err", std::strerror(err)}});
      return std::nullopt;
    }
    auto v = ParseCpufreqValue(buf);
    if (!v) {
      log::WarnOnce("cpufreq.parse." + file.path(), "cannot parse cpufreq attribute",
                    {{"file", file.path()}, {"value", std::string(Trim(buf))}});
    }
    return v;
  }
  std::optional<std::string> ReadString(std::string& buf) {
    if (!present) return std::nullopt;
    int err = file.Read(buf);
    if (err != 0) {
      log::WarnOnce("cpufreq.read." + file.path(), "cannot read cpufreq attribute",
                    {{"file", file.path()}, {"err", std::strerror(err)}});
      return std::nullopt;
    }
    return std::string(Trim(buf));
  }
};

std::optional<uint64_t> ReadStaticUint(const std::string& path) {
  std::string content;
  int err = 0;
  if (!ReadFile(path, content, &err)) {
    if (!Absent(err)) {
      log::WarnOnce("cpufreq.read." + path, "cannot read cpufreq attribute",
                    {{"file", path}, {"err", std::strerror(err)}});
    }
    return std::nullopt;
  }
  return ParseCpufreqValue(content);
}

class CpufreqCollector : public Collector {
 public:
  explicit CpufreqCollector(const Paths& paths)
      : paths_(paths),
        offline_file_(paths.Sys("devices/system/cpu/offline"), ShortRead::kIsEnd),
        cpu_dir_lister_(paths) {}

  void Collect(MetricSet& out) override {
    Refresh();
    if (cpu_count_ == 0) {
      throw std::runtime_error("could not find any cpufreq files: no online CPUs in " +
                               paths_.Sys("devices/system/cpu"));
    }
    for (auto& c : cpus_) {
      CpufreqStats s;
      s.name = c.number;
      s.cpuinfo_cur_khz = c.cpuinfo_cur.ReadUint(buf_);
      s.cpuinfo_min_khz = c.cpuinfo_min;
      s.cpuinfo_max_khz = c.cpuinfo_max;
      s.scaling_cur_khz = c.scaling_cur.ReadUint(buf_);
      s.scaling_min_khz = c.scaling_min.ReadUint(buf_);
      s.scaling_max_khz = c.scaling_max.ReadUint(buf_);
      s.governor = c.governor.ReadString(buf_).value_or("");
      s.available_governors = c.available_governors;
      EmitCpufreq(s, out);
    }
  }

 private:
  struct Cpu {
    std::string number;
    // Hardware limits and the governor list, read when the CPU set changes.
    std::optional<uint64_t> cpuinfo_min, cpuinfo_max;
    std::string available_governors;
    // Values that change at run time (current frequency; policy limits and
    // governor, which admins and firmware change), re-read every scrape.
    HotAttr cpuinfo_cur, scaling_cur, scaling_min, scaling_max, governor;
  };

  // Rebuilds the per-CPU state when the cpu[0-9]* listing or the kernel's
  // offline list changes (a hotplug); otherwise a scrape only preads the
  // open attribute files.
  void Refresh() {
    std::string offline;
    int err = offline_file_.Read(offline);
    if (err != 0) {
      // procfs fails the whole collector without this file.
      ThrowPathError("reading ", offline_file_.path(), err);
    }
    auto dirs = cpu_dir_lister_.List();
    if (valid_ && dirs == cpu_dirs_ && offline == offline_) return;
    auto offline_cpus = ParseCpuList(offline);
    if (!offline_cpus) {
      throw std::runtime_error(fmt::format("invalid cpu list in {}: '{}'", offline_file_.path(),
                                           std::string(Trim(offline))));
    }
    cpu_dirs_ = std::move(dirs);
    offline_ = std::move(offline);
    valid_ = true;
    cpus_.clear();
    cpus_.reserve(cpu_dirs_.size());
    cpu_count_ = 0;
    const std::string base = paths_.Sys("devices/system/cpu");
    for (const auto& name : cpu_dirs_) {
      std::string number = name.substr(3);
      auto n = ParseUint(number);
      if (n && std::find(offline_cpus->begin(), offline_cpus->end(), *n) != offline_cpus->end()) {
        continue;
      }
      ++cpu_count_;
      std::string dir = base + "/" + name + "/cpufreq";
      if (!IsDir(dir)) continue;  // no cpufreq driver for this CPU (most VMs)
      Cpu& c = cpus_.emplace_back();
      c.number = std::move(number);
      c.cpuinfo_min = ReadStaticUint(dir + "/cpuinfo_min_freq");
      c.cpuinfo_max = ReadStaticUint(dir + "/cpuinfo_max_freq");
      c.available_governors =
          std::string(Trim(ReadFile(dir + "/scaling_available_governors").value_or("")));
      c.cpuinfo_cur.Open(dir + "/cpuinfo_cur_freq", buf_);
      c.scaling_cur.Open(dir + "/scaling_cur_freq", buf_);
      c.scaling_min.Open(dir + "/scaling_min_freq", buf_);
      c.scaling_max.Open(dir + "/scaling_max_freq", buf_);
      c.governor.Open(dir + "/scaling_governor", buf_);
    }
  }

  Paths paths_;
  CachedFile offline_file_;
  CpuDirLister cpu_dir_lister_;
  std::string offline_;
  std::vector<std::string> cpu_dirs_;
  std::vector<Cpu> cpus_;
  size_t cpu_count_ = 0;  // online cpu[0-9]* entries, with or without cpufreq
  bool valid_ = false;
  std::string buf_;
};

std::unique_ptr<Collector> CreateCpufreq(const Paths& paths) { return NewCpufreqCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("cpufreq", kEnabledByDefault, nullptr, &CreateCpufreq);

}  // namespace

std::unique_ptr<Collector> NewCpufreqCollector(const Paths& paths) {
  return std::make_unique<CpufreqCollector>(paths);
}

}  // namespace node_agent
