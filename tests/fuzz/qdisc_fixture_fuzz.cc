// node_exporter's qdisc JSON fixture (--collector.qdisc.fixtures).
// seeds:
#include <string>
#include <vector>

#include "collectors/qdisc.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::QdiscInfo> qdiscs;
  std::string error;
  if (!node_agent::ParseQdiscFixture(data, qdiscs, error)) FUZZ_CHECK(!error.empty());
}
