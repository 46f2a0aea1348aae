// /proc/cgroups.
#include "collectors/cgroups.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& c : node_agent::ParseCgroups(data, skipped)) FUZZ_CHECK(!c.subsys_name.empty());
}
