// bcache's human-readable numbers (bch_hprint) in single-value sysfs files.
// seeds: bcache
#include "collectors/bcache.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  (void)node_agent::BcacheDehumanize(data);
  (void)node_agent::BcacheDehumanizeSigned(data);
  if (auto v = node_agent::ParseBcacheValue(data)) node_agent::fuzz::CheckExposesExactly(static_cast<double>(*v));
}
