// /proc/interrupts.
// seeds:
#include "collectors/interrupts.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto parsed = node_agent::ParseInterrupts(data, skipped);
  if (!parsed) return;
  for (const auto& row : parsed->rows) {
    FUZZ_CHECK(row.values.size() == parsed->cpus);
    for (double v : row.values) node_agent::fuzz::CheckExposesExactly(v);
  }
}
