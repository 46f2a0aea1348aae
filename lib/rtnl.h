// RTM_GETLINK and RTM_GETNEIGH dumps over a NETLINK_ROUTE socket, for the
// netdev, netclass and arp collectors (each keeps its own socket between
// scrapes).
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace node_agent {

// Reads a T from an unaligned position (netlink payloads are only 4-aligned).
template <typename T>
T LoadUnaligned(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Calls on_message(message) for each message of type `type` (header
// included) of a dump's concatenated replies, skipping other message types.
// Returns false for a malformed message length, an NLMSG_ERROR reply, or
// when on_message returns false; true at NLMSG_DONE or the end of the bytes.
template <typename OnMessage>
bool ForEachRtnlMessage(std::string_view bytes, uint16_t type, OnMessage&& on_message) {
  while (bytes.size() >= sizeof(nlmsghdr)) {
    auto hdr = LoadUnaligned<nlmsghdr>(bytes.data());
    if (hdr.nlmsg_len < sizeof(nlmsghdr) || hdr.nlmsg_len > bytes.size()) return false;
    std::string_view msg = bytes.substr(0, hdr.nlmsg_len);
    bytes.remove_prefix(std::min<size_t>(NLMSG_ALIGN(hdr.nlmsg_len), bytes.size()));
    if (hdr.nlmsg_type == NLMSG_DONE) return true;
    if (hdr.nlmsg_type == NLMSG_ERROR) return false;
    if (hdr.nlmsg_type != type) continue;
    if (!on_message(msg)) return false;
  }
  return true;
}

// The same for the RTM_NEWLINK messages of a link dump.
template <typename OnLink>
bool ForEachLinkMessage(std::string_view bytes, OnLink&& on_link) {
  return ForEachRtnlMessage(bytes, RTM_NEWLINK, std::forward<OnLink>(on_link));
}

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

// Every link with its stats (RTM_GETLINK, no IFLA_EXT_MASK), dumped once per
// scrape (ThisScrape()) and shared by the collectors that read links (netclass
// and netdev), rather than once by each. Outside a scrape every call dumps
// afresh. `out` gets a copy; returns 0 or an errno, as RtnlLinkDumper::Dump.
int ScrapeLinkDump(std::string& out);

// Dumps the neighbour tables (RTM_GETNEIGH) of one address family (AF_INET
// for the ARP table). The socket has a receive timeout, so a dump that never
// ends fails with EAGAIN instead of blocking the scrape.
class RtnlNeighDumper {
 public:
  RtnlNeighDumper() = default;
  RtnlNeighDumper(const RtnlNeighDumper&) = delete;
  RtnlNeighDumper& operator=(const RtnlNeighDumper&) = delete;
  ~RtnlNeighDumper() { Close(); }

  // `out` gets this request's messages concatenated, NLMSG_DONE last.
  // Returns 0 or an errno, as RtnlLinkDumper::Dump.
  int Dump(uint8_t family, std::string& out);

 private:
  int DumpOnce(uint8_t family, std::string& out);
  void Close();

  int fd_ = -1;
  uint32_t seq_ = 0;
  std::vector<char> buf_;
};

}  // namespace node_agent
