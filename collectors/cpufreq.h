// The cpufreq collector (node_exporter's collector/cpufreq_linux.go): CPU
// frequency and governor per CPU from /sys/devices/system/cpu/cpuN/cpufreq.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"
#include "lib/fs.h"
#include "lib/metrics.h"

namespace node_agent {

// One CPU's cpufreq attributes, in kHz as sysfs gives them; nullopt when the
// attribute is absent or unreadable.
struct CpufreqStats {
  std::string name;  // the CPU number, "0"
  std::optional<uint64_t> cpuinfo_cur_khz, cpuinfo_min_khz, cpuinfo_max_khz;
  std::optional<uint64_t> scaling_cur_khz, scaling_min_khz, scaling_max_khz;
  std::string governor;            // scaling_governor, trimmed
  std::string available_governors; // scaling_available_governors, trimmed
};

// A numeric cpufreq attribute ("1700000\n"); nullopt when not a number.
std::optional<uint64_t> ParseCpufreqValue(std::string_view content);

// scaling_available_governors split on single spaces, as node_exporter's
// strings.Split (so "" yields one empty governor name).
std::vector<std::string> SplitGovernors(std::string_view available);

// Adds one CPU's node_cpu_frequency_* / node_cpu_scaling_* samples, in Hz.
void EmitCpufreq(const CpufreqStats& stats, MetricSet& out);

// node_exporter 1.12's cpufreq collector has no flags of its own.
std::unique_ptr<Collector> NewCpufreqCollector(const Paths& paths);

}  // namespace node_agent
