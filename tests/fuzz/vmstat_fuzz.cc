// /proc/vmstat.
// seeds: vmstat
#include "collectors/vmstat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  for (const auto& field : node_agent::ParseVmstat(data).fields) {
    FUZZ_CHECK(!field.name.empty());
    node_agent::fuzz::CheckExposesExactly(field.value);
  }
}
