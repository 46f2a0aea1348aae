// /proc/meminfo.
// seeds: meminfo
#include "collectors/meminfo.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  for (const auto& v : node_agent::ParseMeminfo(data).values) {
    FUZZ_CHECK(!v.metric.empty());
    node_agent::fuzz::CheckExposesExactly(v.value);
  }
}
