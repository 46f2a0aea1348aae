// /proc/swaps.
// seeds: swap
#include <string>
#include <vector>

#include "collectors/swap.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& s : node_agent::ParseSwaps(data, skipped)) {
    FUZZ_CHECK(!s.filename.empty() && !s.type.empty());
    node_agent::fuzz::CheckExposesExactly(static_cast<double>(s.priority));
  }
}
