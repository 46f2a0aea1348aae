// /sys/bus/pci/devices/<location>: the location and every attribute file.
// seeds:
#include "collectors/pcidevice.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (auto loc = ParsePciLocation(data)) {
    for (const auto& s : PciLocationLabels(*loc)) FUZZ_CHECK(!s.empty());
  }
  // First line: the attribute file; the rest: its content.
  auto nl = data.find('\n');
  std::string_view file = data.substr(0, nl);
  std::string_view value = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
  PciDevice dev;
  (void)SetPciDeviceAttribute(dev, file, value);
  for (std::string_view f : kPciOptionalFiles) (void)SetPciDeviceAttribute(dev, f, value);
  for (std::string_view f : kPciRequiredFiles) (void)SetPciDeviceAttribute(dev, f, value);
  MetricSet out;
  AddPciDeviceMetrics(dev, nullptr, out);
  FUZZ_CHECK(out.Find("node_pcidevice_info") != nullptr);
}
