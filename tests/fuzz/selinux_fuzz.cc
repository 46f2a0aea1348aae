// SELinux: /etc/selinux/config, selinuxfs' enforce, mountinfo, /proc/filesystems, the task label.
// seeds:
#include "collectors/selinux.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  int mode = SelinuxConfigMode(data);
  FUZZ_CHECK(mode >= -1 && mode <= 1);
  (void)SelinuxConfigValue(data, "SELINUXTYPE");
  (void)SelinuxEnforceMode(data);
  for (const auto& m : SelinuxfsMountPoints(data)) FUZZ_CHECK(m.find(' ') == std::string::npos);
  (void)KernelHasSelinuxfs(data);
  (void)SelinuxLabelEnabled(data);
}
