// /proc/cpuinfo in both layouts, and the layout detection.
// seeds: cpu/proc
#include <stdexcept>

#include "collectors/cpu.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using node_agent::CpuInfoFormat;
  (void)node_agent::DetectCpuInfoFormat(data);
  for (auto format : {CpuInfoFormat::kX86, CpuInfoFormat::kArm}) {
    try {
      for (const auto& cpu : node_agent::ParseCpuInfo(data, format)) {
        node_agent::fuzz::CheckExposesExactly(cpu.cpu_mhz);
      }
    } catch (const std::runtime_error&) {
      // documented: content procfs rejects
    }
  }
}
