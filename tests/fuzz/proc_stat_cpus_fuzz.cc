// The cpu lines of /proc/stat (cpu collector).
// seeds: cpu/proc stat
#include "collectors/cpu.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  auto stats = node_agent::ParseProcStatCpus(data);
  for (const auto& [cpu, s] : stats.cpus) {
    FUZZ_CHECK(cpu >= 0);
    node_agent::fuzz::CheckExposesExactly(s.user);
    node_agent::fuzz::CheckExposesExactly(s.guest_nice);
  }
}
