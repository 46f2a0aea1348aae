// pci.ids files (--collector.pcidevice.names) and the name lookups on them.
// seeds: pcidevice
#include "collectors/pcidevice.h"
#include "lib/go_compat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  PciIds ids = ParsePciIds(data);
  for (const auto& [id, name] : ids.vendors) {
    FUZZ_CHECK(ToValidUtf8(name) == name);
    (void)ids.VendorName("0x" + id);
  }
  for (const auto& [vendor, devices] : ids.devices) {
    for (const auto& [device, name] : devices) FUZZ_CHECK(ids.DeviceName(vendor, device) == name);
  }
  (void)ids.SubsystemName("0x8086", "0x1521", "0x8086", "0x00a3");
  FUZZ_CHECK(!ids.ClassName("0x010802").empty());
  FUZZ_CHECK(!ids.ClassName(data.substr(0, 8)).empty());
}
