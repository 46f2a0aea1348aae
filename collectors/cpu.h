// The cpu collector (node_exporter's collector/cpu_linux.go): per-CPU time
// from /proc/stat, /proc/cpuinfo details, isolated/online CPUs and thermal
// throttle counts from /sys/devices/system/cpu.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/collector.h"
#include "lib/fs.h"
#include "lib/sysfs_cpu.h"

namespace node_agent {

// One cpu line of /proc/stat, converted from USER_HZ ticks to seconds.
struct CpuStat {
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
         guest = 0, guest_nice = 0;
  bool operator==(const CpuStat&) const = default;
};

struct ProcStatCpus {
  std::optional<CpuStat> total;                   // the "cpu" line
  std::vector<std::pair<int64_t, CpuStat>> cpus;  // "cpuN" lines, in file order
  // First field of each cpu line that could not be parsed (those CPUs are left out).
  std::vector<std::string> malformed;
};

// Parses the cpu lines of /proc/stat as procfs does: missing trailing
// columns read as 0 (old kernels have fewer), extra columns are ignored, a
// non-numeric column or a bad cpu number makes the line malformed.
ProcStatCpus ParseProcStatCpus(std::string_view content);

// node_exporter's counter guard: each counter keeps its previous value when
// the kernel reports a smaller one, except that an idle counter more than
// kJumpBackSeconds behind resets that CPU (hotplug: the CPU's counters
// restart). CPUs absent from `fresh` are dropped.
inline constexpr double kJumpBackSeconds = 3.0;
void MergeCpuStats(std::map<int64_t, CpuStat>& cache,
                   const std::vector<std::pair<int64_t, CpuStat>>& fresh);

// /proc/cpuinfo, as procfs's CPUInfo (only the fields node_exporter uses).
struct CpuInfo {
  uint64_t processor = 0;
  std::string vendor_id, cpu_family, model, model_name, stepping, microcode, cache_size,
      physical_id, core_id;
  double cpu_mhz = 0;
  std::vector<std::string> flags, bugs;
};

// procfs picks the parser by build architecture: x86 for 386/amd64, ARM for
// arm/arm64 (AWS Graviton). node-agent picks it by the file's content instead
// (DetectCpuInfoFormat): on a real host the two agree, since the kernel writes
// its own architecture's layout, and a fixture tree from another architecture
// (node_exporter's is x86) reads the same on an x86 and an aarch64 build.
enum class CpuInfoFormat { kX86, kArm };
#if defined(__aarch64__) || defined(__arm__)
inline constexpr CpuInfoFormat kNativeCpuInfoFormat = CpuInfoFormat::kArm;
#else
inline constexpr CpuInfoFormat kNativeCpuInfoFormat = CpuInfoFormat::kX86;
#endif

// Throws std::runtime_error on content procfs rejects (no leading processor
// line, non-numeric processor or cpu MHz).
std::vector<CpuInfo> ParseCpuInfo(std::string_view content,
                                  std::optional<CpuInfoFormat> format = std::nullopt);
// x86 layout when a line starts with vendor_id or flags, ARM when one starts
// with "CPU implementer" or Features; else the build architecture's.
CpuInfoFormat DetectCpuInfoFormat(std::string_view content);

struct CpuOptions {
  bool guest = true;           // --collector.cpu.guest
  bool info = false;           // --collector.cpu.info
  std::string flags_include;   // --collector.cpu.info.flags-include
  std::string bugs_include;    // --collector.cpu.info.bugs-include
  // Whether the cpufreq collector is enabled: node_exporter 1.12 emits
  // node_cpu_frequency_hertz (from cpuinfo) only then.
  bool cpufreq_enabled = false;
};

// Throws std::invalid_argument naming the flag for a bad regex, and
// std::runtime_error when /sys/devices/system/cpu/isolated is unreadable or
// malformed (node_exporter refuses to create the collector then too).
std::unique_ptr<Collector> NewCpuCollector(const Paths& paths, const CpuOptions& options);

}  // namespace node_agent
