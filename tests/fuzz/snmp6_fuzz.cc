// /proc/net/snmp6.
// seeds: netstat
#include <string>
#include <vector>

#include "collectors/netstat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> problems;
  for (const auto& section : node_agent::ParseSnmp6(data, &problems)) {
    FUZZ_CHECK(!section.protocol.empty() && section.protocol.back() == '6');
  }
}
