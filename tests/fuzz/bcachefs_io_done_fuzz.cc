// bcachefs's /sys/fs/bcachefs/<uuid>/dev-N/io_done.
// seeds: bcachefs
#include <string>
#include <vector>

#include "collectors/bcachefs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& [op, types] : node_agent::ParseBcachefsIoDone(data, skipped)) {
    FUZZ_CHECK(op == "read" || op == "write");
    for (const auto& [type, bytes] : types) node_agent::fuzz::CheckExposesExactly(static_cast<double>(bytes));
  }
}
