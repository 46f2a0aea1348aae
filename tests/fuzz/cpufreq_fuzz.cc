// cpufreq attributes: a number, and scaling_available_governors.
// seeds:
#include "collectors/cpufreq.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  (void)node_agent::ParseCpufreqValue(data);
  size_t total = 0;
  for (const auto& g : node_agent::SplitGovernors(data)) total += g.size() + 1;
  FUZZ_CHECK(total == data.size() + 1);  // a split on single spaces loses only the separators
}
