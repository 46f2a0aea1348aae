// A /proc/net/stat file (arp_cache, nf_conntrack, ...).
// seeds: lnstat
#include <string>
#include <vector>

#include "collectors/lnstat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  size_t values = 0;
  for (const auto& c : node_agent::ParseLnstat(data, skipped)) {
    FUZZ_CHECK(!c.name.empty());
    values += c.values.size();
  }
  // Each value is a token of at least one character and a separator.
  FUZZ_CHECK(values <= data.size() / 2 + 1);
}
