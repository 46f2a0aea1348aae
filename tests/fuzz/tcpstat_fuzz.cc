// A sock_diag inet_diag dump (the tcpstat collector).
// seeds:
#include <string>
#include <vector>

#include "collectors/tcpstat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  node_agent::TcpStateCounts counts;
  std::vector<std::string> skipped;
  (void)node_agent::ParseTcpDiagDump(data, counts, skipped);
  node_agent::MetricSet set;
  node_agent::AddTcpStatMetrics(counts, set);
}
