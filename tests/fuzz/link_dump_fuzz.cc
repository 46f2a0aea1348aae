// An rtnetlink RTM_GETLINK dump (netdev's counters and netclass's attributes
// on a live host). From the kernel, but a length-prefixed binary format: the
// bounds checks matter.
// seeds:
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "collectors/netclass.h"
#include "collectors/netdev.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  // Netlink buffers are 4-byte aligned (NLMSG_ALIGN); copy so the parser sees
  // what recv() gives it rather than libFuzzer's arbitrary alignment.
  std::vector<uint32_t> aligned((data.size() + 3) / 4);
  if (!data.empty()) std::memcpy(aligned.data(), data.data(), data.size());
  std::string_view bytes(reinterpret_cast<const char*>(aligned.data()), data.size());
  std::vector<node_agent::LinkStats> links;
  (void)node_agent::ParseLinkDump(bytes, links);
  for (const auto& link : links) {
    FUZZ_CHECK(!link.name.empty());
    (void)node_agent::NetlinkCounters(link, true);
  }
  std::vector<node_agent::RtnlLinkAttrs> attrs;
  (void)node_agent::ParseRtnlLinkDump(bytes, attrs);
  for (const auto& link : attrs) {
    FUZZ_CHECK(!link.valid || !link.name.empty());
    if (!link.valid) continue;
    node_agent::NetClassIface iface;
    (void)node_agent::ApplyRtnlLinkAttrs(link, iface);
    if (link.address && !link.address->empty()) {
      FUZZ_CHECK(iface.address.size() == std::min<size_t>(link.address->size(), 64) * 3 - 1);
    }
  }
}
