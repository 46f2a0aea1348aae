// The request headers the metrics handler interprets itself: Accept and
// Accept-Encoding (client-controlled).
// seeds:
#include "agent/exposition.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  (void)node_agent::NegotiateFormat(data, true);
  (void)node_agent::NegotiateFormat(data, false);
  (void)node_agent::AcceptsGzip(data);
}
