// Ray's service discovery file (JSON written by Ray's dashboard), and the
// file_sd list rendered from it, which must parse back to the same hosts.
// seeds: ray_sd
#include <set>
#include <string>
#include <vector>

#include "agent/ray_sd.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> hosts;
  std::string error;
  if (!node_agent::ParseRaySd(data, hosts, error)) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  std::string rendered = node_agent::RenderNodeSd(hosts, {}, 9100);
  std::vector<std::string> again;
  FUZZ_CHECK(node_agent::ParseRaySd(rendered, again, error));
  FUZZ_CHECK(again == hosts);
}
