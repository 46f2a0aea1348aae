// RTM_GETLINK dumps over a NETLINK_ROUTE socket, for the netdev and netclass
// collectors (each keeps its own socket between scrapes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace node_agent {

class RtnlLinkDumper {
 public:
  RtnlLinkDumper() = default;
  RtnlLinkDumper(const RtnlLinkDumper&) = delete;
  RtnlLinkDumper& operator=(const RtnlLinkDumper&) = delete;
  ~RtnlLinkDumper() { Close(); }

  // Dumps all links: `out` gets this request's netlink messages concatenated,
  // NLMSG_DONE last. `ext_mask` is sent as IFLA_EXT_MASK when not 0 (e.g.
  // RTEXT_FILTER_SKIP_STATS; a kernel ignores bits it does not know). Returns
  // 0, the error of an NLMSG_ERROR reply, EPROTO for a malformed reply, or the
  // socket call's errno. A reply part larger than the buffer grows it and the
  // dump is redone once; after any error the socket is reopened next time.
  int Dump(uint32_t ext_mask, std::string& out);

 private:
  int DumpOnce(uint32_t ext_mask, std::string& out);
  void Close();

  int fd_ = -1;
  uint32_t seq_ = 0;
  std::vector<char> buf_;
};

}  // namespace node_agent
