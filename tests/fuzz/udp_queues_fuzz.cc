// /proc/net/udp and udp6.
// seeds: udp_queues
#include <string>
#include <vector>

#include "collectors/udp_queues.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto q = node_agent::ParseUdpQueues(data, skipped);
  node_agent::fuzz::CheckExposesExactly(static_cast<double>(q.tx));
  node_agent::fuzz::CheckExposesExactly(static_cast<double>(q.rx));
}
