// sysfs devices/system/node/nodeN/meminfo and numastat.
#include "collectors/meminfo_numa.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& v : node_agent::ParseNumaMeminfo(data, skipped)) node_agent::fuzz::CheckExposesExactly(v.value);
  for (const auto& v : node_agent::ParseNumastat(data, "0", skipped)) {
    FUZZ_CHECK(v.metric.ends_with("_total"));
    node_agent::fuzz::CheckExposesExactly(v.value);
  }
}
