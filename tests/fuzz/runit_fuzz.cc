// runsv's binary supervise/status file.
#include "collectors/runit.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  auto s = node_agent::ParseRunitStatus(data);
  FUZZ_CHECK(s.has_value() == !data.empty());
  if (s) FUZZ_CHECK(s->state >= 0 && s->state <= 255 && (s->want == 0 || s->want == 1));
}
