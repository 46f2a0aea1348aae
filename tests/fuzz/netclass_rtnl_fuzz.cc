// netclass's netlink mode: an RTM_GETLINK dump (with IFLA_PROP_LIST and
// IFLA_STATS64) and an ethtool LINKMODES_GET dump.
// seeds:
#include <string>
#include <vector>

#include "collectors/netclass.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::RtnlModeLink> links;
  std::vector<std::string> skipped;
  (void)node_agent::ParseRtnlModeDump(data, links, skipped);
  std::vector<node_agent::EthtoolLinkMode> modes;
  (void)node_agent::ParseEthtoolLinkModes(data, modes, skipped);
  node_agent::MetricSet set;
  for (const auto& l : links) {
    FUZZ_CHECK(!l.stats64 || l.stats64->size() == 24);
    node_agent::AddNetClassRtnlMetrics(l, modes.empty() ? nullptr : &modes[0], {}, true, set);
  }
}
