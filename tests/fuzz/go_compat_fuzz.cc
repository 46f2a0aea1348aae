// Go strconv / strings / path behaviours node_exporter's values depend on (lib/go_compat.h).
// seeds:
#include <string>

#include "lib/go_compat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (auto i = ParseGoInt(data, 0, 64)) FUZZ_CHECK(ParseGoInt(std::to_string(*i), 10, 64) == i);
  if (auto u = ParseGoUint(data, 0, 64)) FUZZ_CHECK(ParseGoUint(std::to_string(*u), 10, 64) == u);
  if (auto i = ParseGoInt(data, 16, 32)) FUZZ_CHECK(*i >= INT32_MIN && *i <= INT32_MAX);
  std::string_view t = GoTrimSpace(data);
  FUZZ_CHECK(GoTrimSpace(t) == t);
  std::string utf8 = ToValidUtf8(data);
  FUZZ_CHECK(ToValidUtf8(utf8) == utf8);
  std::string name = SanitizeMetricName(data);
  FUZZ_CHECK(SanitizeMetricName(name) == name);
  std::string clean = GoCleanPath(data);
  FUZZ_CHECK(!clean.empty() && GoCleanPath(clean) == clean);
}
