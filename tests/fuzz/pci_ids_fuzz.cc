// pci.ids files (--collector.pcidevice.names) and the name lookups on them.
// seeds: pcidevice
#include <algorithm>
#include <string_view>

#include "collectors/pcidevice.h"
#include "lib/go_compat.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

bool IsLookupForm(std::string_view id) {
  if (id.size() >= 2 && id[0] == '0' && (id[1] == 'x' || id[1] == 'X')) return false;
  return std::none_of(id.begin(), id.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

FUZZ_TEST(data) {
  using namespace node_agent;
  PciIds ids = ParsePciIds(data);
  for (const auto& [id, name] : ids.vendors) {
    FUZZ_CHECK(ToValidUtf8(name) == name);
    (void)ids.VendorName("0x" + id);
  }
  for (const auto& [vendor, devices] : ids.devices) {
    for (const auto& [device, name] : devices) {
      // Lookups lower-case the ids and drop a 0x prefix (as node_exporter's): only
      // ids already in that form can be found again.
      if (IsLookupForm(vendor) && IsLookupForm(device)) FUZZ_CHECK(ids.DeviceName(vendor, device) == name);
    }
  }
  (void)ids.SubsystemName("0x8086", "0x1521", "0x8086", "0x00a3");
  // A class name is empty only when the file gave one as empty ("C 01   ").
  bool empty_name = false;
  for (const auto* map : {&ids.classes, &ids.subclasses, &ids.prog_ifs}) {
    for (const auto& entry : *map) empty_name = empty_name || entry.second.empty();
  }
  FUZZ_CHECK(!ids.ClassName("0x010802").empty() || empty_name);
  FUZZ_CHECK(!ids.ClassName(data.substr(0, 8)).empty() || empty_name);
}
