// bonding_masters, bonding/slaves and mii_status contents.
// seeds: bonding
#include "collectors/bonding.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  for (const auto& name : node_agent::ParseBondingNames(data)) FUZZ_CHECK(!name.empty());
  (void)node_agent::BondingSlaveUp(data);
}
