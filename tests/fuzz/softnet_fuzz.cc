// /proc/net/softnet_stat.
// seeds: softnet
#include <string>
#include <vector>

#include "collectors/softnet.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto stats = node_agent::ParseSoftnet(data, skipped);
  // Each line is either parsed or skipped.
  FUZZ_CHECK(stats.size() + skipped.size() == node_agent::Lines(data).size());
}
