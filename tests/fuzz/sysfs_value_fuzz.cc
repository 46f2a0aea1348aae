// procfs's number rules for sysfs values: Go's ParseUint base 0, plain
// decimals, and Go's float-to-uint64 conversion.
#include <cstring>

#include "lib/sysfs_value.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  auto v = ParseGoUintBase0(data);
  if (v && data.find('_') == std::string_view::npos && data.size() > 1 && data[0] != '0') {
    FUZZ_CHECK(ParseSysfsDecimal(data) == v);  // plain decimals agree
  }
  (void)ParseSysfsDecimal(data);
  if (data.size() >= sizeof(double)) {
    double f;
    std::memcpy(&f, data.data(), sizeof(f));
    (void)GoFloatToUint64(f);
  }
}
