// An rtnetlink RTM_GETQDISC dump (the qdisc collector) and the RTM_GETLINK
// dump it takes interface names from. Length-prefixed binary: bounds matter.
// seeds:
#include <string>
#include <vector>

#include "collectors/qdisc.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::LinkName> links;
  (void)node_agent::ParseLinkNames(data, links);
  std::vector<node_agent::QdiscInfo> qdiscs;
  std::vector<std::string> skipped;
  (void)node_agent::ParseQdiscDump(data, links, qdiscs, skipped);
  node_agent::MetricSet set;
  node_agent::AddQdiscMetrics(qdiscs, node_agent::DeviceFilter(), set);
}
