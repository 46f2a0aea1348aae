// bcachefs's counters/<name> files, human-readable sizes and counter names.
// seeds: bcachefs
#include "collectors/bcachefs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto v = node_agent::ParseBcachefsCounter(data)) node_agent::fuzz::CheckExposesExactly(static_cast<double>(*v));
  (void)node_agent::ParseBcachefsHumanBytes(data);
  std::string name = node_agent::SanitizeBcachefsCounterName(data);
  FUZZ_CHECK(name.size() <= data.size());
  for (char c : name) {
    FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
  }
}
