// /sys/devices/system/edac/mc: entry names, channel files, DIMM labels, counters.
// seeds:
#include "collectors/edac.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (auto n = EdacEntryNumber(data, "mc")) FUZZ_CHECK(!n->empty() && n->size() < data.size());
  if (auto n = EdacEntryNumber(data, "csrow")) FUZZ_CHECK(!n->empty());
  if (auto ch = EdacChannelNumber(data)) FUZZ_CHECK(!ch->empty() && ch->size() < data.size());
  (void)EdacDimmLabel(data);
  if (auto v = ParseEdacCount(data)) fuzz::CheckExposesExactly(static_cast<double>(*v));
}
