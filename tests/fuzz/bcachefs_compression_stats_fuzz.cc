// bcachefs's /sys/fs/bcachefs/<uuid>/compression_stats.
// seeds: bcachefs
#include <string>
#include <vector>

#include "collectors/bcachefs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& [alg, c] : node_agent::ParseBcachefsCompressionStats(data, skipped)) {
    FUZZ_CHECK(alg.size() <= data.size());
    node_agent::fuzz::CheckExposesExactly(static_cast<double>(c.compressed));
  }
}
