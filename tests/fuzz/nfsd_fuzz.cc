// /proc/net/rpc/nfsd (NFS server).
// seeds: nfsd
#include <string>
#include <vector>

#include "collectors/nfsd.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  node_agent::NfsdStats s = node_agent::ParseNfsdStats(data, skipped);
  for (uint64_t v : s.proc4ops) node_agent::fuzz::CheckExposesExactly(static_cast<double>(v));
  node_agent::fuzz::CheckExposesExactly(static_cast<double>(s.wdeleg_getattr));
  for (const auto& line : skipped) FUZZ_CHECK(!line.empty());
}
