// /proc/self/mountinfo as the mountstats collector reads it: one address per
// line, so mountstats' entries stay aligned with it.
// seeds: mountstats
#include <string>
#include <vector>

#include "collectors/mountstats.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto addrs = node_agent::ParseMountInfoAddrs(data, skipped);
  FUZZ_CHECK(addrs.size() == node_agent::Lines(data).size());
  FUZZ_CHECK(skipped.size() <= addrs.size());
  for (const auto& a : addrs) {
    FUZZ_CHECK(a.find(',') == std::string::npos && a.find('=') == std::string::npos);
  }
}
