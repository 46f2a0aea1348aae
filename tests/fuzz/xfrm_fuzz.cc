// /proc/net/xfrm_stat.
// seeds: xfrm
#include <string>
#include <vector>

#include "collectors/xfrm.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& f : node_agent::ParseXfrmStat(data, skipped)) FUZZ_CHECK(!f.name.empty());
}
