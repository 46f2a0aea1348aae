// bcachefs's /sys/fs/bcachefs/<uuid>/errors.
// seeds: bcachefs
#include <string>
#include <vector>

#include "collectors/bcachefs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& [name, count] : node_agent::ParseBcachefsErrors(data, skipped)) {
    FUZZ_CHECK(!name.empty());
    node_agent::fuzz::CheckExposesExactly(static_cast<double>(count));
  }
}
