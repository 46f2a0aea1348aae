// /proc/net/sockstat and sockstat6.
// seeds: sockstat
#include <string>
#include <vector>

#include "collectors/sockstat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> problems;
  for (const auto& proto : node_agent::ParseSockstat(data, &problems).protocols) {
    FUZZ_CHECK(!proto.protocol.empty());
  }
}
