// /sys/class/net/IFACE attributes: sysfs integers (base 0) and the attribute setter.
// seeds:
#include "collectors/netclass.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  (void)ParseSysfsInt(data);
  // First line: the attribute name; the rest: its file's content.
  auto nl = data.find('\n');
  std::string_view attr = data.substr(0, nl);
  std::string_view value = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
  NetClassIface iface;
  iface.name = "eth0";
  (void)SetNetClassAttribute(iface, attr, value);
  (void)AdminState(iface);
}
