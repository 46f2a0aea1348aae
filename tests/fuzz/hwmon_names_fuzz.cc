// hwmon's name handling: sensor file names, label cleaning, UTF-8 repair, chip
// names from device paths (all from sysfs, so from drivers).
// seeds:
#include "collectors/hwmon/hwmon.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (auto name = ParseSensorFileName(data)) {
    FUZZ_CHECK(!name->type.empty());
    (void)IsHwmonSensorType(name->type);
  }
  std::string clean = CleanMetricName(data);
  for (char c : clean) FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == ':');
  std::string utf8 = ToValidUtf8(data);
  FUZZ_CHECK(ToValidUtf8(utf8) == utf8);  // already valid: unchanged
  (void)ChipNameFromDevicePath(data);
}
