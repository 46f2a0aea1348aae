// bonding collector: configured and active (MII status "up") slaves of each
// bonding master, from /sys/class/net.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct BondingMaster {
  std::string name;
  int slaves = 0;
  int active = 0;
};

// The names in a bonding_masters or bonding/slaves file (whitespace
// separated).
std::vector<std::string> ParseBondingNames(std::string_view content);
// Whether a bonding_slave/mii_status file's content says the slave is up.
bool BondingSlaveUp(std::string_view mii_status);

std::unique_ptr<Collector> NewBondingCollector(const Paths& paths);

}  // namespace node_agent
