// sysfs directory entry names: NVMe namespaces, thermal zones / cooling devices.
// seeds:
#include "collectors/nvme.h"
#include "collectors/thermal_zone.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto id = node_agent::NvmeNamespaceId(data)) FUZZ_CHECK(!id->empty());
  if (auto n = node_agent::MatchNumberedEntry(data, "thermal_zone")) FUZZ_CHECK(n->size() < data.size());
}
