// os-release (os collector): the env-file parser, VERSION_ID and SUPPORT_END.
// seeds: os
#include "collectors/os.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  auto vars = node_agent::ParseOsRelease(data);
  for (const auto& [key, value] : vars.vars) FUZZ_CHECK(!key.empty());
  node_agent::fuzz::CheckExposesExactly(node_agent::ParseOsVersion(data));
  (void)node_agent::ParseSupportEnd(data);
}
