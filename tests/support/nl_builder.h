// Builds netlink messages byte by byte as the kernel lays them out, for the
// parsers' unit tests (recorded-kernel-data style: the bytes a dump returns).
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace node_agent::testing {

class NlBuilder {
 public:
  // Starts a message of `type` whose fixed family header is `header`.
  template <typename H>
  NlBuilder& Begin(uint16_t type, const H& header, uint16_t flags = NLM_F_MULTI) {
    start_ = out_.size();
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    Append(&h, sizeof(h));
    Append(&header, sizeof(header));
    Pad();
    return *this;
  }
  NlBuilder& Attr(uint16_t type, const void* p, size_t n) {
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + n);
    a.nla_type = type;
    Append(&a, sizeof(a));
    Append(p, n);
    Pad();
    return *this;
  }
  NlBuilder& Str(uint16_t type, const std::string& v) { return Attr(type, v.c_str(), v.size() + 1); }
  NlBuilder& Bytes(uint16_t type, const std::string& v) { return Attr(type, v.data(), v.size()); }
  NlBuilder& U64(uint16_t type, uint64_t v) { return Attr(type, &v, 8); }
  NlBuilder& U32(uint16_t type, uint32_t v) { return Attr(type, &v, 4); }
  NlBuilder& U16(uint16_t type, uint16_t v) { return Attr(type, &v, 2); }
  NlBuilder& U8(uint16_t type, uint8_t v) { return Attr(type, &v, 1); }
  // A nested attribute: Nest(type) ... EndNest().
  NlBuilder& Nest(uint16_t type) {
    nests_.push_back(out_.size());
    nlattr a{};
    a.nla_type = static_cast<uint16_t>(type | NLA_F_NESTED);
    Append(&a, sizeof(a));
    return *this;
  }
  NlBuilder& EndNest() {
    size_t at = nests_.back();
    nests_.pop_back();
    auto len = static_cast<uint16_t>(out_.size() - at);
    std::memcpy(&out_[at], &len, sizeof(len));
    return *this;
  }
  NlBuilder& Raw(const std::string& bytes) {
    out_ += bytes;
    return *this;
  }
  NlBuilder& End() {
    auto len = static_cast<uint32_t>(out_.size() - start_);
    std::memcpy(&out_[start_], &len, sizeof(len));
    return *this;
  }
  // NLMSG_DONE closes the dump.
  NlBuilder& Done() {
    Begin(NLMSG_DONE, int32_t{0});
    return End();
  }
  const std::string& bytes() const { return out_; }

 private:
  void Append(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  void Pad() { out_.resize(NLMSG_ALIGN(out_.size()), '\0'); }
  std::string out_;
  size_t start_ = 0;
  std::vector<size_t> nests_;
};

}  // namespace node_agent::testing
