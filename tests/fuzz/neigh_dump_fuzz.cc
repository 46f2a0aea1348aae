// An rtnetlink RTM_GETNEIGH dump (arp's netlink path): a length-prefixed
// binary format, so the bounds checks matter.
// seeds:
#include <cstring>
#include <string>
#include <vector>

#include "collectors/arp.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  // Netlink buffers are 4-byte aligned (NLMSG_ALIGN); copy so the parser sees
  // what recv() gives it rather than libFuzzer's arbitrary alignment.
  std::vector<uint32_t> aligned((data.size() + 3) / 4);
  if (!data.empty()) std::memcpy(aligned.data(), data.data(), data.size());
  std::string_view bytes(reinterpret_cast<const char*>(aligned.data()), data.size());
  if (auto entries = node_agent::ParseNeighDump(bytes)) {
    for (const auto& [index, count] : *entries) FUZZ_CHECK(count > 0);
  }
}
