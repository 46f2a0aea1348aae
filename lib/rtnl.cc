#include "lib/rtnl.h"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <string_view>

#include "lib/scrape_scope.h"

namespace node_agent {

namespace {

// Receives the replies to request `seq` on `fd` until NLMSG_DONE, appending
// them to `out`. Returns 0, the error of an NLMSG_ERROR reply, EPROTO for a
// malformed reply, EMSGSIZE when a reply part was larger than `buf` (which
// is then grown for the next try), or recv's errno.
int ReceiveDump(int fd, uint32_t seq, std::vector<char>& buf, std::string& out) {
  // The kernel fills each dump part up to 32 KiB unless one message needs
  // more; MSG_TRUNC reports a part's full size so a short buffer is noticed.
  if (buf.size() < 64 * 1024) buf.resize(64 * 1024);
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EPROTO;
    if (static_cast<size_t>(n) > buf.size()) {
      buf.resize(static_cast<size_t>(n) * 2);
      return EMSGSIZE;
    }
    // Keeps this request's messages and checks for the end of the dump and
    // for errors; messages from an older request (a previous scrape cut
    // short) are skipped by sequence number.
    std::string_view scan(buf.data(), static_cast<size_t>(n));
    while (scan.size() >= sizeof(nlmsghdr)) {
      auto hdr = LoadUnaligned<nlmsghdr>(scan.data());
      if (hdr.nlmsg_len < sizeof(nlmsghdr) || hdr.nlmsg_len > scan.size()) return EPROTO;
      size_t step = std::min<size_t>(NLMSG_ALIGN(hdr.nlmsg_len), scan.size());
      if (hdr.nlmsg_seq == seq) {
        if (hdr.nlmsg_type == NLMSG_ERROR) {
          if (hdr.nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
            auto e = LoadUnaligned<nlmsgerr>(scan.data() + NLMSG_HDRLEN);
            return e.error < 0 ? -e.error : EPROTO;
          }
          return EPROTO;
        }
        out.append(scan.substr(0, step));
        if (hdr.nlmsg_type == NLMSG_DONE) return 0;
      }
      scan.remove_prefix(step);
    }
  }
}

}  // namespace

void RtnlLinkDumper::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int RtnlLinkDumper::Dump(uint32_t ext_mask, std::string& out) {
  int err = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    out.clear();
    err = DumpOnce(ext_mask, out);
    if (err == 0) return 0;
    Close();  // drops any rest of the failed dump
    if (err != EMSGSIZE) break;
  }
  out.clear();
  return err;
}

int RtnlLinkDumper::DumpOnce(uint32_t ext_mask, std::string& out) {
  if (fd_ < 0) {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) return errno;
  }
  struct {
    nlmsghdr hdr;
    ifinfomsg ifi;
    rtattr ext_attr;
    uint32_t ext_mask;
  } req{};
  static_assert(sizeof(req) == NLMSG_LENGTH(sizeof(ifinfomsg)) + RTA_LENGTH(sizeof(uint32_t)));
  req.hdr.nlmsg_len = ext_mask != 0 ? sizeof(req) : NLMSG_LENGTH(sizeof(ifinfomsg));
  req.hdr.nlmsg_type = RTM_GETLINK;
  req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.hdr.nlmsg_seq = ++seq_;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ext_attr.rta_len = RTA_LENGTH(sizeof(uint32_t));
  req.ext_attr.rta_type = IFLA_EXT_MASK;
  req.ext_mask = ext_mask;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, &req, req.hdr.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    return errno;
  }
  return ReceiveDump(fd_, seq_, buf_, out);
}

void RtnlNeighDumper::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int RtnlNeighDumper::Dump(uint8_t family, std::string& out) {
  int err = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    out.clear();
    err = DumpOnce(family, out);
    if (err == 0) return 0;
    Close();  // drops any rest of the failed dump
    if (err != EMSGSIZE) break;
  }
  out.clear();
  return err;
}

int RtnlNeighDumper::DumpOnce(uint8_t family, std::string& out) {
  if (fd_ < 0) {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) return errno;
    timeval timeout{5, 0};
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
      int err = errno;
      Close();
      return err;
    }
  }
  struct {
    nlmsghdr hdr;
    ndmsg ndm;
  } req{};
  req.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(ndmsg));
  req.hdr.nlmsg_type = RTM_GETNEIGH;
  req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.hdr.nlmsg_seq = ++seq_;
  req.ndm.ndm_family = family;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, &req, req.hdr.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    return errno;
  }
  return ReceiveDump(fd_, seq_, buf_, out);
}

int ScrapeLinkDump(std::string& out) {
  struct Shared {
    std::mutex mutex;
    RtnlLinkDumper dumper;
    std::string bytes;
    uint64_t scrape = 0;  // the scrape `bytes` was dumped for; 0: none
  };
  static auto* shared = new Shared;  // never destroyed: used by collectors until exit
  const uint64_t scrape = ThisScrape();
  std::lock_guard<std::mutex> lock(shared->mutex);
  if (scrape == 0 || shared->scrape != scrape) {
    shared->scrape = 0;
    if (int err = shared->dumper.Dump(/*ext_mask=*/0, shared->bytes); err != 0) return err;
    shared->scrape = scrape;
  }
  out = shared->bytes;
  return 0;
}

}  // namespace node_agent
