// /proc/schedstat.
// seeds:
#include "collectors/schedstat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& cpu : node_agent::ParseSchedstat(data, skipped)) {
    FUZZ_CHECK(!cpu.cpu.empty());
    FUZZ_CHECK(cpu.cpu.find_first_not_of("0123456789") == std::string::npos);
  }
}
