// /proc/net/netstat and /proc/net/snmp.
// seeds: netstat
#include <string>
#include <vector>

#include "collectors/netstat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> problems;
  for (const auto& section : node_agent::ParseNetStats(data, &problems)) {
    for (const auto& [name, value] : section.fields) node_agent::fuzz::CheckExposesExactly(value);
  }
}
