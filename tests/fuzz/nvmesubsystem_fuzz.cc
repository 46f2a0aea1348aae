// /sys/class/nvme-subsystem entry names and controller states.
// seeds:
#include <string>

#include "collectors/nvmesubsystem.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  FUZZ_CHECK(!(IsNvmeControllerName(data) && IsNvmeNamespaceName(data)));
  if (IsNvmeControllerName(data) || IsNvmeNamespaceName(data)) FUZZ_CHECK(data.substr(0, 4) == "nvme");
  std::string_view state = NormalizeNvmeControllerState(data);
  FUZZ_CHECK(state == "unknown" || state == data || data == "deleting (no IO)");
}
