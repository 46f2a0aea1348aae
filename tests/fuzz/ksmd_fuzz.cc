// sysfs kernel/mm/ksm attribute files.
#include "collectors/ksmd.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto v = node_agent::ParseKsmdValue(data)) FUZZ_CHECK(!data.empty());
}
