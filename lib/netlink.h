// Netlink requests through libnl-3 (socket, sequence numbers, multipart
// replies, NLMSG_ERROR) and libnl's attribute walk for the parsers. Requests
// return the reply messages' raw bytes, so every parser is a pure function of
// bytes that tests and fuzzers feed directly.
#pragma once

#include <linux/netlink.h>

#include <functional>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

struct nl_sock;
struct nl_msg;

namespace node_agent {

class NetlinkSocket {
 public:
  // `protocol`: NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_SOCK_DIAG...
  explicit NetlinkSocket(int protocol) : protocol_(protocol) {}
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  // Sends a request of `type` with NLM_F_REQUEST|`flags` whose payload is
  // `header` (the family's fixed header) followed by `attrs` (already
  // encoded attributes, or empty), and appends every reply message
  // (header included, NLMSG_DONE left out) to `out`, NLMSG_ALIGNed. Returns
  // 0, the (positive) errno of an NLMSG_ERROR reply, ETIMEDOUT when the
  // kernel does not answer within the timeout, or another errno. After an
  // error the socket is reopened on the next call.
  int Request(uint16_t type, uint16_t flags, const void* header, size_t header_len,
              std::string_view attrs, std::string& out);

  // Generic netlink: the id of family `name` (resolved once and cached), or
  // a negative errno: -ENOENT when the kernel has no such family.
  int GenlFamily(const char* name);

  // Generic netlink request: genlmsghdr{cmd, version} then `attrs`.
  int GenlRequest(int family, uint8_t cmd, uint8_t version, uint16_t flags, std::string_view attrs,
                  std::string& out);

  // How long one reply may take (default 5 s).
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }

 private:
  int Open();
  void Close();
  int Send(nl_msg* msg, std::string& out);

  int protocol_;
  int timeout_ms_ = 5000;
  nl_sock* sk_ = nullptr;
  std::string genl_name_;
  int genl_id_ = 0;
};

// Appends one attribute (header, payload, padding) to `out`.
void AppendNlAttr(std::string& out, uint16_t type, const void* data, size_t len);
inline void AppendNlAttrU32(std::string& out, uint16_t type, uint32_t v) {
  AppendNlAttr(out, type, &v, sizeof(v));
}

// Netlink bytes copied to 4-aligned storage (what recv() gives; a test's or
// fuzzer's string_view may be unaligned), walked message by message.
class NlMessages {
 public:
  explicit NlMessages(std::string_view bytes);
  // Calls f(hdr) for each whole message before NLMSG_DONE, walking with
  // libnl's nlmsg_ok/nlmsg_next. Returns false when a message header claims
  // more bytes than there are (the rest is not walked) or an NLMSG_ERROR
  // message is met.
  bool ForEach(const std::function<void(const nlmsghdr*)>& f) const;

 private:
  std::vector<uint32_t> buf_;
  size_t len_;
};

// Attributes as libnl's nla_parse gives them: a table indexed by type (up to
// `maxtype`), null where absent. Parse fails (false) when an attribute runs
// past its container.
class NlAttrs {
 public:
  explicit NlAttrs(int maxtype) : tb_(static_cast<size_t>(maxtype) + 1, nullptr) {}
  bool Parse(const void* data, size_t len);
  // The attributes after the family header of `hdr` (`fixed` bytes).
  bool ParseMessage(const nlmsghdr* hdr, size_t fixed);
  bool ParseNested(const nlattr* nested);
  const nlattr* operator[](int type) const {
    return type >= 0 && static_cast<size_t>(type) < tb_.size() ? tb_[static_cast<size_t>(type)]
                                                                  : nullptr;
  }

 private:
  std::vector<nlattr*> tb_;
};

// Payload of an attribute (nullptr: empty view).
std::string_view NlPayload(const nlattr* a);
// A fixed-size payload read as T; false (and `out` untouched) when shorter.
template <typename T>
bool NlGet(const nlattr* a, T& out) {
  std::string_view p = NlPayload(a);
  if (!a || p.size() < sizeof(T)) return false;
  std::memcpy(&out, p.data(), sizeof(T));
  return true;
}
// A string attribute up to its first NUL (Go's nlenc.String).
std::string NlString(const nlattr* a);

// Calls f(a) for every attribute nested in `a`, in order (where a type
// repeats, as IFLA_ALT_IFNAME in IFLA_PROP_LIST does), with libnl's
// nla_for_each_nested, which stops at an attribute running past the
// container. Nothing for a null `a`.
void ForEachNested(const nlattr* a, const std::function<void(const nlattr*)>& f);
// Calls f(a) for every attribute of message `hdr` after its family header of
// `fixed` bytes, in order.
void ForEachAttr(const nlmsghdr* hdr, size_t fixed, const std::function<void(const nlattr*)>& f);
// An attribute's type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits.
inline int NlType(const nlattr* a) { return a->nla_type & NLA_TYPE_MASK; }

// Interface index -> name from an RTM_GETLINK dump (what Go's
// net.Interfaces() and rtnetlink's Link.List() give the collectors that label
// by device name).
struct LinkName {
  int32_t index = 0;
  std::string name;
};
bool ParseLinkNames(std::string_view bytes, std::vector<LinkName>& links);
// One RTM_GETLINK dump without statistics, for ParseLinkNames.
int DumpLinks(NetlinkSocket& sock, std::string& out);
// The name of `index` in `links`, "" when absent.
std::string_view LinkNameOf(const std::vector<LinkName>& links, int32_t index);

}  // namespace node_agent
