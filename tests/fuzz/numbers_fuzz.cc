// The number and field helpers every parser uses (lib/fs.h).
// seeds:
#include <string>

#include "lib/go_compat.h"
#include "lib/fs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (auto u = ParseUint(data)) FUZZ_CHECK(ParseUint(std::to_string(*u)) == u);
  if (auto i = ParseInt(data)) FUZZ_CHECK(ParseInt(std::to_string(*i)) == i);
  (void)ParseUint(data, 16);
  if (auto u = ParseGoUint(data)) FUZZ_CHECK(ParseGoUint(std::to_string(*u)) == u);
  if (auto i = ParseGoInt(data)) FUZZ_CHECK(ParseGoInt(std::to_string(*i)) == i);
  if (auto d = ParseDouble(data)) fuzz::CheckExposesExactly(*d);
  if (auto g = ParseGoFloat(data)) fuzz::CheckExposesExactly(*g);
  for (auto f : Fields(data)) FUZZ_CHECK(!f.empty() && Trim(f) == f);
  size_t total = 0;
  for (auto line : Lines(data)) total += line.size();
  FUZZ_CHECK(total <= data.size());
}
