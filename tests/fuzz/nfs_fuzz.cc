// /proc/net/rpc/nfs (NFS client).
// seeds: nfs
#include <string>
#include <vector>

#include "collectors/nfs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  node_agent::NfsClientStats s = node_agent::ParseNfsClientStats(data, skipped);
  for (uint64_t v : s.proc4) node_agent::fuzz::CheckExposesExactly(static_cast<double>(v));
  for (uint64_t v : s.rpc) node_agent::fuzz::CheckExposesExactly(static_cast<double>(v));
  for (const auto& line : skipped) FUZZ_CHECK(!line.empty());
}
