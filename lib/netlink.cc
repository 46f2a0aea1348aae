#include "lib/netlink.h"

#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>

namespace node_agent {

namespace {

// libnl reports its own NLE_* codes; the collectors (as node_exporter's Go
// libraries) decide on errnos.
int ErrnoOf(int nle) {
  switch (nle < 0 ? -nle : nle) {
    case 0: return 0;
    case NLE_AGAIN: return ETIMEDOUT;
    case NLE_INTR: return EINTR;
    case NLE_NOMEM: return ENOMEM;
    case NLE_PERM: return EPERM;
    case NLE_NOACCESS: return EACCES;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_NODEV: return ENODEV;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_BUSY: return EBUSY;
    case NLE_INVAL: return EINVAL;
    case NLE_RANGE: return ERANGE;
    case NLE_MSGSIZE: return EMSGSIZE;
    default: return EIO;
  }
}

struct ReplyState {
  std::string* out;
  int err = 0;
  bool done = false;
};

int OnValid(nl_msg* msg, void* arg) {
  auto* st = static_cast<ReplyState*>(arg);
  const nlmsghdr* hdr = nlmsg_hdr(msg);
  st->out->append(reinterpret_cast<const char*>(hdr), hdr->nlmsg_len);
  st->out->resize(NLMSG_ALIGN(st->out->size()), '\0');
  if (!(hdr->nlmsg_flags & NLM_F_MULTI)) st->done = true;  // a single reply
  return NL_OK;
}

int OnFinish(nl_msg*, void* arg) {
  static_cast<ReplyState*>(arg)->done = true;
  return NL_STOP;
}

int OnError(sockaddr_nl*, nlmsgerr* e, void* arg) {
  auto* st = static_cast<ReplyState*>(arg);
  st->err = e->error < 0 ? -e->error : (e->error == 0 ? 0 : EIO);
  st->done = true;
  return NL_STOP;
}

int OnAck(nl_msg*, void* arg) {
  static_cast<ReplyState*>(arg)->done = true;
  return NL_STOP;
}

}  // namespace

NetlinkSocket::~NetlinkSocket() { Close(); }

void NetlinkSocket::Close() {
  if (sk_) nl_socket_free(sk_);  // closes the descriptor
  sk_ = nullptr;
}

int NetlinkSocket::Open() {
  if (sk_) return 0;
  sk_ = nl_socket_alloc();
  if (!sk_) return ENOMEM;
  nl_socket_disable_auto_ack(sk_);
  // Peek at each datagram's size first so a large dump part is never cut.
  nl_socket_enable_msg_peek(sk_);
  int err = nl_connect(sk_, protocol_);
  if (err < 0) {
    Close();
    return ErrnoOf(err);
  }
  timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
  ::setsockopt(nl_socket_get_fd(sk_), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(nl_socket_get_fd(sk_), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  // Extended ACKs and strict dump checking where the kernel has them, as Go's
  // mdlayher/netlink users set them; older kernels refuse and that is fine.
  int one = 1;
  ::setsockopt(nl_socket_get_fd(sk_), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  return 0;
}

int NetlinkSocket::Send(nl_msg* msg, std::string& out) {
  ReplyState st{&out};
  int err = nl_send_auto(sk_, msg);
  if (err < 0) return ErrnoOf(err);
  nl_cb* cb = nl_cb_alloc(NL_CB_DEFAULT);
  if (!cb) return ENOMEM;
  nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, OnValid, &st);
  nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, OnFinish, &st);
  nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, OnAck, &st);
  nl_cb_err(cb, NL_CB_CUSTOM, OnError, &st);
  int rc = 0;
  while (!st.done && rc >= 0) rc = nl_recvmsgs(sk_, cb);
  nl_cb_put(cb);
  if (st.err != 0) return st.err;
  if (rc < 0) return ErrnoOf(rc);
  return 0;
}

int NetlinkSocket::Request(uint16_t type, uint16_t flags, const void* header, size_t header_len,
                           std::string_view attrs, std::string& out) {
  out.clear();
  int err = Open();
  if (err != 0) return err;
  nl_msg* msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
  if (!msg) return ENOMEM;
  if (nlmsg_append(msg, const_cast<void*>(header), header_len, NLMSG_ALIGNTO) < 0 ||
      (!attrs.empty() &&
       nlmsg_append(msg, const_cast<char*>(attrs.data()), attrs.size(), NLMSG_ALIGNTO) < 0)) {
    nlmsg_free(msg);
    return EMSGSIZE;
  }
  err = Send(msg, out);
  nlmsg_free(msg);
  if (err != 0) {
    out.clear();
    Close();  // drops what is left of the dump and any sequence mismatch
  }
  return err;
}

int NetlinkSocket::GenlFamily(const char* name) {
  if (genl_id_ > 0 && genl_name_ == name) return genl_id_;
  int err = Open();
  if (err != 0) return -err;
  int id = genl_ctrl_resolve(sk_, name);
  if (id < 0) {
    int e = ErrnoOf(id);
    Close();
    return -e;
  }
  genl_name_ = name;
  genl_id_ = id;
  return id;
}

int NetlinkSocket::GenlRequest(int family, uint8_t cmd, uint8_t version, uint16_t flags,
                               std::string_view attrs, std::string& out) {
  genlmsghdr hdr{};
  hdr.cmd = cmd;
  hdr.version = version;
  return Request(static_cast<uint16_t>(family), flags, &hdr, sizeof(hdr), attrs, out);
}

void AppendNlAttr(std::string& out, uint16_t type, const void* data, size_t len) {
  nlattr hdr{};
  hdr.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  hdr.nla_type = type;
  out.append(reinterpret_cast<const char*>(&hdr), sizeof(hdr));
  out.append(static_cast<const char*>(data), len);
  out.resize(NLA_ALIGN(out.size()), '\0');
}

NlMessages::NlMessages(std::string_view bytes) : buf_((bytes.size() + 3) / 4), len_(bytes.size()) {
  if (!bytes.empty()) std::memcpy(buf_.data(), bytes.data(), bytes.size());
}

bool NlMessages::ForEach(const std::function<void(const nlmsghdr*)>& f) const {
  auto* hdr = reinterpret_cast<nlmsghdr*>(const_cast<uint32_t*>(buf_.data()));
  int rem = static_cast<int>(std::min<size_t>(len_, INT32_MAX));
  for (; nlmsg_ok(hdr, rem); hdr = nlmsg_next(hdr, &rem)) {
    if (hdr->nlmsg_type == NLMSG_DONE) return true;
    if (hdr->nlmsg_type == NLMSG_ERROR) return false;
    f(hdr);
  }
  // Whole header-sized bytes left over: a message whose length is below a
  // header's or runs past the bytes.
  return rem < static_cast<int>(sizeof(nlmsghdr));
}

bool NlAttrs::Parse(const void* data, size_t len) {
  return nla_parse(tb_.data(), static_cast<int>(tb_.size() - 1),
                   static_cast<nlattr*>(const_cast<void*>(data)), static_cast<int>(len),
                   nullptr) == 0;
}

bool NlAttrs::ParseMessage(const nlmsghdr* hdr, size_t fixed) {
  if (hdr->nlmsg_len < NLMSG_LENGTH(fixed)) return false;
  return nlmsg_parse(const_cast<nlmsghdr*>(hdr), static_cast<int>(fixed), tb_.data(),
                     static_cast<int>(tb_.size() - 1), nullptr) == 0;
}

bool NlAttrs::ParseNested(const nlattr* nested) {
  if (!nested) return false;
  return Parse(nla_data(nested), static_cast<size_t>(nla_len(nested)));
}

std::string_view NlPayload(const nlattr* a) {
  if (!a) return {};
  return {static_cast<const char*>(nla_data(a)), static_cast<size_t>(nla_len(a))};
}

void ForEachNested(const nlattr* a, const std::function<void(const nlattr*)>& f) {
  if (!a) return;
  const nlattr* pos;
  int rem;
  nla_for_each_nested(pos, a, rem) f(pos);
}

void ForEachAttr(const nlmsghdr* hdr, size_t fixed, const std::function<void(const nlattr*)>& f) {
  if (hdr->nlmsg_len < NLMSG_LENGTH(fixed)) return;
  const nlattr* pos;
  int rem;
  nla_for_each_attr(pos, nlmsg_attrdata(hdr, static_cast<int>(fixed)), nlmsg_attrlen(hdr, static_cast<int>(fixed)), rem) f(pos);
}

std::string NlString(const nlattr* a) {
  std::string_view p = NlPayload(a);
  return std::string(p.substr(0, std::min(p.find('\0'), p.size())));
}

bool ParseLinkNames(std::string_view bytes, std::vector<LinkName>& links) {
  links.clear();
  NlMessages msgs(bytes);
  NlAttrs tb(IFLA_MAX);
  return msgs.ForEach([&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != RTM_NEWLINK || !tb.ParseMessage(hdr, sizeof(ifinfomsg))) return;
    ifinfomsg ifi;
    std::memcpy(&ifi, NLMSG_DATA(hdr), sizeof(ifi));
    links.push_back({ifi.ifi_index, NlString(tb[IFLA_IFNAME])});
  });
}

int DumpLinks(NetlinkSocket& sock, std::string& out) {
  ifinfomsg ifi{};
  std::string attrs;
  AppendNlAttrU32(attrs, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return sock.Request(RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi), attrs, out);
}

std::string_view LinkNameOf(const std::vector<LinkName>& links, int32_t index) {
  for (const LinkName& l : links) {
    if (l.index == index) return l.name;
  }
  return {};
}

}  // namespace node_agent
