#include "collectors/netclass.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <iterator>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "lib/device_filter.h"
#include "lib/log.h"
#include "lib/netlink.h"
#include "lib/rtnl.h"
#include "lib/sysfs_link.h"

namespace node_agent {

std::optional<int64_t> ParseSysfsInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);  // lower case
    if (p == 'x') base = 16, s.remove_prefix(2);
    else if (p == 'o') base = 8, s.remove_prefix(2);
    else if (p == 'b') base = 2, s.remove_prefix(2);
    else base = 8, s.remove_prefix(1);  // Go: a leading "0" means octal
  }
  if (s.empty()) return std::nullopt;
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  if (negative) {
    if (magnitude > kMax + 1) return std::nullopt;
    return magnitude == kMax + 1 ? INT64_MIN : -static_cast<int64_t>(magnitude);
  }
  if (magnitude > kMax) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

namespace {

// Every attribute node_exporter exports, and the member it fills.
struct AttrDef {
  std::string_view file;
  std::string NetClassIface::*str = nullptr;
  std::optional<int64_t> NetClassIface::*num = nullptr;
  uint32_t bit = 0;  // NetClassAttrBit of a dynamic attribute
};

#define NA_STR(f, b) AttrDef{#f, &NetClassIface::f, nullptr, b}
#define NA_NUM(f, m, b) AttrDef{f, nullptr, &NetClassIface::m, b}

// Attributes that are fixed for a network device's lifetime: read once per
// device and again only when the device is re-created (seen as a new inode
// of its class/net entry) or renamed (a new class/net name). Not here, as
// they change at run time: the MAC address and addr_assign_type (a bridge's
// address follows its ports), iflink (a tunnel's underlying device can be
// changed) and type (a bond takes its first slave's type).
constexpr AttrDef kStaticAttrs[] = {
    NA_NUM("dev_id", dev_id, 0),
    NA_NUM("ifindex", ifindex, 0),
    NA_NUM("name_assign_type", name_assign_type, 0),
};
// Re-read on every scrape, as node_exporter does.
constexpr AttrDef kDynamicAttrs[] = {
    NA_NUM("addr_assign_type", addr_assign_type, kNcAddrAssignType),
    NA_STR(address, kNcAddress),
    NA_STR(broadcast, kNcBroadcast),
    NA_NUM("carrier", carrier, kNcCarrier),
    NA_NUM("carrier_changes", carrier_changes, kNcCarrierChanges),
    NA_NUM("carrier_down_count", carrier_down_count, kNcCarrierDownCount),
    NA_NUM("carrier_up_count", carrier_up_count, kNcCarrierUpCount),
    NA_NUM("dormant", dormant, kNcDormant),
    NA_STR(duplex, kNcDuplex),
    NA_NUM("flags", flags, kNcFlags),
    NA_STR(ifalias, kNcIfalias),
    NA_NUM("iflink", iflink, kNcIflink),
    NA_NUM("link_mode", link_mode, kNcLinkMode),
    NA_NUM("mtu", mtu, kNcMtu),
    NA_NUM("netdev_group", netdev_group, kNcNetdevGroup),
    NA_STR(operstate, kNcOperstate),
    NA_NUM("speed", speed, kNcSpeed),
    NA_NUM("tx_queue_len", tx_queue_len, kNcTxQueueLen),
    NA_NUM("type", type, kNcType),
};
constexpr size_t kNumDynamic = std::size(kDynamicAttrs);

#undef NA_STR
#undef NA_NUM

void SetAttr(NetClassIface& iface, const AttrDef& def, std::string_view value) {
  value = Trim(value);
  if (def.str) {
    (iface.*def.str).assign(value);
  } else {
    iface.*def.num = ParseSysfsInt(value);
  }
}

const AttrDef* FindAttr(std::string_view attr) {
  for (const AttrDef& def : kStaticAttrs) {
    if (def.file == attr) return &def;
  }
  for (const AttrDef& def : kDynamicAttrs) {
    if (def.file == attr) return &def;
  }
  return nullptr;
}

// The numeric node_network_* properties, in node_exporter's order; speed is
// added between name_assign_type and transmit_queue_length by
// AddNetClassMetrics. Names and help are literals: no formatting per scrape.
struct PropDef {
  MetricType type;
  std::string_view name;
  std::string_view help;
  std::optional<int64_t> NetClassIface::*field;
};
#define NA_PROP(t, n, f) PropDef{MetricType::t, "node_network_" n, "Network device property: " n, &NetClassIface::f}
constexpr PropDef kPropsBeforeSpeed[] = {
    NA_PROP(Gauge, "address_assign_type", addr_assign_type),
    NA_PROP(Gauge, "carrier", carrier),
    NA_PROP(Counter, "carrier_changes_total", carrier_changes),
    NA_PROP(Counter, "carrier_up_changes_total", carrier_up_count),
    NA_PROP(Counter, "carrier_down_changes_total", carrier_down_count),
    NA_PROP(Gauge, "device_id", dev_id),
    NA_PROP(Gauge, "dormant", dormant),
    NA_PROP(Gauge, "flags", flags),
    NA_PROP(Gauge, "iface_id", ifindex),
    NA_PROP(Gauge, "iface_link", iflink),
    NA_PROP(Gauge, "iface_link_mode", link_mode),
    NA_PROP(Gauge, "mtu_bytes", mtu),
    NA_PROP(Gauge, "net_dev_group", netdev_group),
    NA_PROP(Gauge, "name_assign_type", name_assign_type),
};
constexpr PropDef kPropsAfterSpeed[] = {
    NA_PROP(Gauge, "transmit_queue_length", tx_queue_len),
    NA_PROP(Gauge, "protocol_type", type),
};
#undef NA_PROP

}  // namespace

bool SetNetClassAttribute(NetClassIface& iface, std::string_view attr, std::string_view value) {
  const AttrDef* def = FindAttr(attr);
  if (!def) return false;
  SetAttr(iface, *def, value);
  return true;
}

std::string_view AdminState(const NetClassIface& iface) {
  if (!iface.flags) return "unknown";
  return (*iface.flags & 1) == 1 ? "up" : "down";  // IFF_UP
}

void AddNetClassMetrics(const NetClassIface& iface, bool ignore_invalid_speed, MetricSet& out) {
  const std::string& dev = iface.name;
  out.Gauge("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", {{"device", dev}},
            iface.operstate == "up" ? 1 : 0);
  out.Gauge("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
            {{"address", iface.address},
             {"adminstate", std::string(AdminState(iface))},
             {"broadcast", iface.broadcast},
             {"device", dev},
             {"duplex", iface.duplex},
             {"ifalias", iface.ifalias},
             {"operstate", iface.operstate}},
            1);
  auto push = [&](const PropDef& p) {
    const std::optional<int64_t>& v = iface.*p.field;
    if (v) out.Add(p.type, p.name, p.help, {{"device", dev}}, static_cast<double>(*v));
  };
  for (const PropDef& p : kPropsBeforeSpeed) push(p);
  if (iface.speed && (*iface.speed >= 0 || !ignore_invalid_speed)) {
    // Go's int64(speed*1000*1000/8): wrapping multiply, truncating divide.
    auto bits = static_cast<int64_t>(static_cast<uint64_t>(*iface.speed) * 1000000u);
    out.Gauge("node_network_speed_bytes", "Network device property: speed_bytes", {{"device", dev}},
              static_cast<double>(bits / 8));
  }
  for (const PropDef& p : kPropsAfterSpeed) push(p);
}

// ---------------------------------------------------------------------------
// rtnetlink

namespace {

// The C string at the start of an attribute payload.
std::string_view CString(std::string_view payload) {
  return payload.substr(0, std::min(payload.find('\0'), payload.size()));
}

// sysfs_format_mac(): "%*phC", lower-case hex bytes joined by colons; %ph
// prints at most 64 bytes (dev->addr_len is at most MAX_ADDR_LEN, 32).
std::string FormatHwAddr(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  raw = raw.substr(0, 64);
  std::string out;
  out.reserve(raw.size() * 3);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i) out.push_back(':');
    auto b = static_cast<unsigned char>(raw[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

// Parses one RTM_NEWLINK message into `link`; false when it is malformed.
bool ParseLinkMessage(std::string_view msg, RtnlLinkAttrs& link) {
  constexpr size_t kAttrOff = NLMSG_LENGTH(sizeof(ifinfomsg));
  if (msg.size() < kAttrOff) return false;
  auto ifi = LoadUnaligned<ifinfomsg>(msg.data() + NLMSG_HDRLEN);
  link.ifindex = ifi.ifi_index;
  link.type = ifi.ifi_type;
  link.flags = ifi.ifi_flags;
  bool ok = true;
  std::string_view attrs = msg.substr(kAttrOff);
  // Padding shorter than an attribute header after the last one is ignored.
  while (attrs.size() >= sizeof(rtattr)) {
    auto rta = LoadUnaligned<rtattr>(attrs.data());
    if (rta.rta_len < sizeof(rtattr) || rta.rta_len > attrs.size()) return false;
    std::string_view p = attrs.substr(RTA_LENGTH(0), rta.rta_len - RTA_LENGTH(0));
    attrs.remove_prefix(std::min<size_t>(RTA_ALIGN(rta.rta_len), attrs.size()));
    auto u32 = [&](std::optional<uint32_t>& out) {
      if (p.size() < 4) ok = false;
      else out = LoadUnaligned<uint32_t>(p.data());
    };
    auto u8 = [&](std::optional<uint8_t>& out) {
      if (p.empty()) ok = false;
      else out = static_cast<uint8_t>(p[0]);
    };
    switch (rta.rta_type & NLA_TYPE_MASK) {
      case IFLA_IFNAME: link.name = std::string(CString(p)); break;
      case IFLA_ADDRESS: link.address = std::string(p); break;
      case IFLA_BROADCAST: link.broadcast = std::string(p); break;
      case IFLA_IFALIAS: link.ifalias = std::string(CString(p)); break;
      case IFLA_LINK: u32(link.link); break;
      case IFLA_MTU: u32(link.mtu); break;
      case IFLA_TXQLEN: u32(link.tx_queue_len); break;
      case IFLA_GROUP: u32(link.group); break;
      case IFLA_CARRIER_CHANGES: u32(link.carrier_changes); break;
      case IFLA_CARRIER_UP_COUNT: u32(link.carrier_up_count); break;
      case IFLA_CARRIER_DOWN_COUNT: u32(link.carrier_down_count); break;
      case IFLA_OPERSTATE: u8(link.operstate); break;
      case IFLA_LINKMODE: u8(link.link_mode); break;
      case IFLA_CARRIER: u8(link.carrier); break;
      default: break;
    }
  }
  return ok && !link.name.empty();
}

}  // namespace

bool ParseRtnlLinkDump(std::string_view bytes, std::vector<RtnlLinkAttrs>& links) {
  return ForEachLinkMessage(bytes, [&](std::string_view msg) {
    RtnlLinkAttrs& link = links.emplace_back();
    link.valid = ParseLinkMessage(msg, link);
    return true;
  });
}

uint32_t ApplyRtnlLinkAttrs(const RtnlLinkAttrs& l, NetClassIface& iface) {
  // dev_get_iflink() is an int that sysfs prints with "%d".
  auto as_int = [](uint32_t v) { return static_cast<int64_t>(static_cast<int32_t>(v)); };
  constexpr uint32_t kIffUp = 0x1, kIffDormant = 0x20000;  // <linux/if.h>
  uint32_t taken = kNcAddress | kNcBroadcast | kNcIfalias | kNcIflink | kNcType;
  // IFLA_ADDRESS and IFLA_BROADCAST are sent when dev->addr_len is not 0;
  // sysfs then prints an empty line.
  iface.address = l.address ? FormatHwAddr(*l.address) : std::string();
  iface.broadcast = l.broadcast ? FormatHwAddr(*l.broadcast) : std::string();
  iface.ifalias = std::string(Trim(l.ifalias));  // sysfs: "%s\n" of the alias, or empty
  iface.iflink = l.link ? as_int(*l.link) : l.ifindex;
  iface.type = l.type;
  // carrier, dormant, speed and duplex answer EINVAL unless netif_running(),
  // which is IFF_UP in dev->flags (both set and cleared together under RTNL by
  // __dev_open/__dev_close_many); ifi_flags keeps dev->flags' IFF_UP.
  if (!(l.flags & kIffUp)) {
    iface.carrier.reset();
    iface.dormant.reset();
    iface.speed.reset();
    iface.duplex.clear();
    taken |= kNcCarrier | kNcDormant | kNcSpeed | kNcDuplex;
  } else {
    // dev_get_flags() sets IFF_DORMANT exactly when running and netif_dormant().
    iface.dormant = (l.flags & kIffDormant) ? 1 : 0;
    taken |= kNcDormant;
    if (l.carrier) {
      iface.carrier = *l.carrier ? 1 : 0;
      taken |= kNcCarrier;
    }
  }
  // The u32 attributes are int or unsigned int in struct net_device, which
  // sysfs prints with "%d" (tx_queue_len with "%lu" of an unsigned long
  // before 4.x): up to INT_MAX every format reads the same; a larger value,
  // or an attribute an older kernel does not send, is read from the file.
  auto take_int = [&](const std::optional<uint32_t>& v, std::optional<int64_t>& out, uint32_t bit) {
    if (!v || *v > static_cast<uint32_t>(INT32_MAX)) return;
    out = static_cast<int64_t>(*v);
    taken |= bit;
  };
  take_int(l.mtu, iface.mtu, kNcMtu);
  take_int(l.tx_queue_len, iface.tx_queue_len, kNcTxQueueLen);
  take_int(l.group, iface.netdev_group, kNcNetdevGroup);
  take_int(l.carrier_changes, iface.carrier_changes, kNcCarrierChanges);
  take_int(l.carrier_up_count, iface.carrier_up_count, kNcCarrierUpCount);    // 4.16+
  take_int(l.carrier_down_count, iface.carrier_down_count, kNcCarrierDownCount);
  if (l.link_mode) {
    iface.link_mode = *l.link_mode;
    taken |= kNcLinkMode;
  }
  if (l.operstate) {
    // IFLA_OPERSTATE is already IF_OPER_DOWN unless running, as operstate_show
    // makes it; a state past "up" is EINVAL there.
    static constexpr std::string_view kNames[] = {"unknown", "notpresent", "down", "lowerlayerdown",
                                                  "testing", "dormant",    "up"};
    iface.operstate = *l.operstate < std::size(kNames) ? std::string(kNames[*l.operstate]) : "";
    taken |= kNcOperstate;
  }
  return taken;
}

// ---------------------------------------------------------------------------
// --collector.netclass.netlink mode

bool ParseRtnlModeDump(std::string_view bytes, std::vector<RtnlModeLink>& links,
                       std::vector<std::string>& skipped) {
  links.clear();
  NlMessages msgs(bytes);
  NlAttrs tb(IFLA_MAX);
  return msgs.ForEach([&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != RTM_NEWLINK) return;
    if (!tb.ParseMessage(hdr, sizeof(ifinfomsg))) {
      skipped.push_back("short link message");
      return;
    }
    ifinfomsg ifi;
    std::memcpy(&ifi, NLMSG_DATA(hdr), sizeof(ifi));
    RtnlModeLink l;
    l.index = static_cast<uint32_t>(ifi.ifi_index);
    l.type = ifi.ifi_type;
    l.flags = ifi.ifi_flags;
    l.name = NlString(tb[IFLA_IFNAME]);
    bool ok = true;
    auto u32 = [&](int type, std::optional<uint32_t>& out) {
      uint32_t v;
      if (!tb[type]) return;
      if (NlGet(tb[type], v)) out = v;
      else ok = false;
    };
    auto u8 = [&](int type, std::optional<uint8_t>& out) {
      uint8_t v;
      if (!tb[type]) return;
      if (NlGet(tb[type], v)) out = v;
      else ok = false;
    };
    auto hwaddr = [&](int type, std::string& out) {
      if (!tb[type]) return;
      std::string_view p = NlPayload(tb[type]);
      if (p.size() < 4 || p.size() > 32) ok = false;  // rtnetlink rejects the message
      out.assign(p);
    };
    std::optional<uint32_t> link, mtu;
    std::optional<uint8_t> operstate;
    u32(IFLA_LINK, link);
    u32(IFLA_MTU, mtu);
    u8(IFLA_OPERSTATE, operstate);
    l.link = link.value_or(0);
    l.mtu = mtu.value_or(0);
    l.operstate = operstate.value_or(0);
    u32(IFLA_TXQLEN, l.tx_queue_len);
    u32(IFLA_GROUP, l.group);
    u32(IFLA_CARRIER_CHANGES, l.carrier_changes);
    u32(IFLA_CARRIER_UP_COUNT, l.carrier_up_count);
    u32(IFLA_CARRIER_DOWN_COUNT, l.carrier_down_count);
    u8(IFLA_CARRIER, l.carrier);
    u8(IFLA_LINKMODE, l.link_mode);
    hwaddr(IFLA_ADDRESS, l.address);
    hwaddr(IFLA_BROADCAST, l.broadcast);
    if (tb[IFLA_IFALIAS]) l.alias = NlString(tb[IFLA_IFALIAS]);
    ForEachNested(tb[IFLA_PROP_LIST], [&](const nlattr* a) {
      if (NlType(a) == IFLA_ALT_IFNAME) l.altnames.push_back(NlString(a));
    });
    if (const nlattr* st = tb[IFLA_STATS64]) {
      std::string_view p = NlPayload(st);
      if (p.size() < 24 * 8) {
        ok = false;
      } else {
        l.stats64.emplace(24);
        std::memcpy(l.stats64->data(), p.data(), 24 * 8);
      }
    }
    if (!ok) {
      skipped.push_back(fmt::format("link {:?}: invalid attribute", l.name));
      return;
    }
    links.push_back(std::move(l));
  });
}

bool ParseEthtoolLinkModes(std::string_view bytes, std::vector<EthtoolLinkMode>& out,
                           std::vector<std::string>& skipped) {
  out.clear();
  NlMessages msgs(bytes);
  NlAttrs tb(ETHTOOL_A_LINKMODES_MAX);
  NlAttrs header(ETHTOOL_A_HEADER_MAX);
  return msgs.ForEach([&](const nlmsghdr* hdr) {
    if (!tb.ParseMessage(hdr, GENL_HDRLEN)) {
      skipped.push_back("short ethtool message");
      return;
    }
    EthtoolLinkMode lm;
    if (header.ParseNested(tb[ETHTOOL_A_LINKMODES_HEADER])) lm.name = NlString(header[ETHTOOL_A_HEADER_DEV_NAME]);
    bool ok = (!tb[ETHTOOL_A_LINKMODES_SPEED] || NlGet(tb[ETHTOOL_A_LINKMODES_SPEED], lm.speed)) &&
              (!tb[ETHTOOL_A_LINKMODES_DUPLEX] || NlGet(tb[ETHTOOL_A_LINKMODES_DUPLEX], lm.duplex));
    if (!ok) {
      skipped.push_back(fmt::format("ethtool link mode of {:?}: attribute too short", lm.name));
      return;
    }
    out.push_back(std::move(lm));
  });
}

std::string EthtoolDuplexString(uint8_t duplex) {
  switch (duplex) {
    case 0: return "Half";
    case 1: return "Full";
    case 255: return "Unknown";
  }
  return fmt::format("Duplex({})", duplex);
}

void AddEthtoolSpeedMetric(const EthtoolLinkMode& lm, MetricSet& out) {
  // Go: SpeedMegabits is int(uint32), never negative on 64-bit, so
  // SPEED_UNKNOWN is exported as a speed too.
  auto bytes = static_cast<uint64_t>(static_cast<int64_t>(lm.speed) * 1000 * 1000 / 8);
  out.Gauge("node_network_speed_bytes", "Network device property: speed_bytes", {{"device", lm.name}},
            static_cast<double>(bytes));
}

namespace {

// Go's strings.ToValidUTF8(s, "\uFFFD"): each run of invalid bytes becomes one
// replacement character.
std::string ToValidUtf8(std::string_view s) {
  std::string out;
  bool in_bad = false;
  while (!s.empty()) {
    auto c = static_cast<unsigned char>(s[0]);
    size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    bool valid = n > 0 && s.size() >= n;
    for (size_t i = 1; valid && i < n; ++i) {
      auto b = static_cast<unsigned char>(s[i]);
      unsigned char lo = 0x80, hi = 0xBF;
      if (i == 1 && c == 0xE0) lo = 0xA0;
      if (i == 1 && c == 0xED) hi = 0x9F;
      if (i == 1 && c == 0xF0) lo = 0x90;
      if (i == 1 && c == 0xF4) hi = 0x8F;
      valid = b >= lo && b <= hi;
    }
    if (!valid) {
      if (!in_bad) out += "\xEF\xBF\xBD";
      in_bad = true;
      s.remove_prefix(1);
      continue;
    }
    in_bad = false;
    out.append(s.substr(0, n));
    s.remove_prefix(n);
  }
  return out;
}

constexpr std::string_view kRtnlStatNames[24] = {
    "receive_packets_total",         "transmit_packets_total",        "receive_bytes_total",
    "transmit_bytes_total",          "receive_errors_total",          "transmit_errors_total",
    "receive_dropped_total",         "transmit_dropped_total",        "multicast_total",
    "collisions_total",              "receive_length_errors_total",   "receive_over_errors_total",
    "receive_crc_errors_total",      "receive_frame_errors_total",    "receive_fifo_errors_total",
    "receive_missed_errors_total",   "transmit_aborted_errors_total", "transmit_carrier_errors_total",
    "transmit_fifo_errors_total",    "transmit_heartbeat_errors_total", "transmit_window_errors_total",
    "receive_compressed_total",      "transmit_compressed_total",     "receive_nohandler_total",
};

}  // namespace

void AddNetClassRtnlMetrics(const RtnlModeLink& l, const EthtoolLinkMode* lm, const NetclassSysfsExtra& sysfs,
                            bool with_stats, MetricSet& out) {
  const std::string& dev = l.name;
  static constexpr std::string_view kOperstate[] = {"unknown", "notpresent", "down", "lowerlayerdown",
                                                    "testing", "dormant",    "up"};
  out.Gauge("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", {{"device", dev}},
            l.operstate == 6 ? 1 : 0);
  out.Gauge("node_network_info", "Non-numeric data of <iface>, value is always 1.",
            {{"address", FormatHwAddr(l.address)},
             {"broadcast", FormatHwAddr(l.broadcast)},
             {"device", dev},
             {"duplex", lm ? EthtoolDuplexString(lm->duplex) : std::string()},
             {"ifalias", l.alias.value_or("")},
             {"operstate", l.operstate < std::size(kOperstate) ? std::string(kOperstate[l.operstate]) : ""}},
            1);
  for (const std::string& alt : l.altnames) {
    if (alt.empty()) continue;
    out.Gauge("node_network_altnames_info", "Non-numeric data of <iface> altname, value is always 1.",
              {{"altname", ToValidUtf8(alt)}, {"device", dev}}, 1);
  }
  auto val = [&](MetricType type, std::string_view name, double value) {
    out.Add(type, fmt::format("node_network_{}", name), fmt::format("Network device property: {}", name),
            {{"device", dev}}, value);
  };
  auto push = [&](MetricType type, std::string_view name, const auto& value) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      val(type, name, static_cast<double>(value));
    } else if (value) {
      val(type, name, static_cast<double>(*value));
    }
  };
  using T = MetricType;
  push(T::Gauge, "address_assign_type", sysfs.addr_assign_type);
  push(T::Gauge, "carrier", l.carrier);
  push(T::Counter, "carrier_changes_total", l.carrier_changes);
  push(T::Counter, "carrier_up_changes_total", l.carrier_up_count);
  push(T::Counter, "carrier_down_changes_total", l.carrier_down_count);
  push(T::Gauge, "device_id", sysfs.dev_id);
  push(T::Gauge, "flags", l.flags);
  push(T::Gauge, "iface_id", l.index);
  push(T::Gauge, "iface_link_mode", l.link_mode);
  push(T::Gauge, "dormant", l.link_mode);  // node_exporter exports the link mode here too
  // The kernel leaves IFLA_LINK out when it equals the index.
  push(T::Gauge, "iface_link", l.link > 0 ? l.link : l.index);
  push(T::Gauge, "mtu_bytes", l.mtu);
  push(T::Gauge, "name_assign_type", sysfs.name_assign_type);
  push(T::Gauge, "net_dev_group", l.group);
  push(T::Gauge, "transmit_queue_length", l.tx_queue_len);
  push(T::Gauge, "protocol_type", l.type);
  if (!with_stats || !l.stats64) return;
  for (size_t i = 0; i < std::size(kRtnlStatNames); ++i) {
    push(T::Gauge, kRtnlStatNames[i], (*l.stats64)[i]);  // gauges, as node_exporter has them
  }
}

namespace {

// Reads an attribute relative to an open directory (open, read, close).
int ReadAt(int dirfd, std::string_view name, std::string& out) {
  out.clear();
  std::string path(name);
  int fd = ::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  int err = PreadAll(fd, out, ShortRead::kIsEnd);
  ::close(fd);
  return err;
}


// The attribute descriptors a collector may keep open when not told: a
// quarter of the soft RLIMIT_NOFILE, at most 4096, so that hosts with
// hundreds of veths stay far from EMFILE (the rest is read open-read-close).
size_t DefaultFdBudget() {
  struct rlimit lim;
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 256;
  if (lim.rlim_cur == RLIM_INFINITY) return 4096;
  return std::min<size_t>(4096, static_cast<size_t>(lim.rlim_cur / 4));
}

// Where the attributes come from. node_exporter reads every attribute file
// of every device per scrape (its default, sysfs mode); its
// --collector.netclass.netlink mode exports different families (help texts,
// node_network_altnames_info, carrier and dormant of down links). node-agent
// exports the sysfs mode's samples either way, but on a live host it takes
// the attributes that an RTM_GETLINK dump carries with the same value from
// one dump per scrape (ApplyRtnlLinkAttrs) and reads only the rest from sysfs
// (flags, addr_assign_type, and speed and duplex of links that are up): a
// dump of all links costs less kernel time than a dozen preads per device.
// The dump is used only when it shows the same devices as class/net (names,
// ifindex and count; a sysfs of another network namespace does not), and a
// device whose message is malformed is read from sysfs.
class NetclassCollector : public Collector {
 public:
  NetclassCollector(const Paths& paths, const NetclassOptions& options)
      : class_net_(paths.Sys("class/net")),
        ignored_(Regex::ForFlag("collector.netclass.ignored-devices", options.ignored_devices)),
        ignore_invalid_speed_(options.ignore_invalid_speed),
        fd_budget_(options.max_cached_fds >= 0 ? static_cast<size_t>(options.max_cached_fds)
                                               : DefaultFdBudget()),
        dump_for_test_(options.dump_for_test) {
    using S = NetclassOptions::Source;
    use_netlink_ = options.source == S::kNetlink || (options.source == S::kAuto && class_net_dir_.keep_open());
  }

  ~NetclassCollector() override {
    for (auto& [name, dev] : devices_) Release(dev);
  }

  void Collect(MetricSet& out) override {
    int err = class_net_dir_.List(entries_);
    if (err == ENOENT || err == EACCES || err == EPERM) {
      return out.SetNoData(fmt::format("could not read {}: {}", class_net_, std::strerror(err)));
    }
    if (err != 0) {
      ThrowPathError("could not get net class info: cannot access dir ", class_net_, err);
    }
    ++generation_;
    listed_.clear();
    size_t devices = 0;  // listed devices, ignored ones included
    for (const auto& entry : entries_) {
      auto it = devices_.find(entry.name);
      if (it != devices_.end() && it->second.ino != entry.ino) {  // re-created
        Release(it->second);
        devices_.erase(it);
        it = devices_.end();
      }
      if (it == devices_.end()) {
        Device dev;
        dev.ino = entry.ino;
        // The name decides; it is fixed for the entry, so the regex runs
        // once per device, not once per scrape.
        dev.ignored = ignored_.Matches(entry.name);
        if (!dev.ignored && !Open(entry, dev)) continue;  // not a device: looked at again next time
        it = devices_.emplace(entry.name, std::move(dev)).first;
      }
      Device& dev = it->second;
      dev.generation = generation_;
      ++devices;
      if (!dev.ignored) listed_.push_back(&*it);
    }
    bool netlink = use_netlink_ && DumpLinks(devices);
    size_t next_link = 0;  // links_ and listed_ are both sorted by name
    for (auto* named : listed_) {
      Device& dev = named->second;
      NetClassIface iface = dev.statics;
      uint32_t from_netlink = 0;
      if (netlink) {
        while (links_[next_link].name < named->first) ++next_link;  // DumpLinks: it is there
        const RtnlLinkAttrs& link = links_[next_link];
        if (link.valid) {
          from_netlink = ApplyRtnlLinkAttrs(link, iface);
        } else {
          log::WarnOnce("netclass-bad-link:" + named->first,
                        "skipping a malformed netlink link message; reading the device from sysfs",
                        {{"collector", "netclass"}, {"device", named->first}});
        }
      }
      for (size_t i = 0; i < kNumDynamic; ++i) {
        if (from_netlink & kDynamicAttrs[i].bit) continue;
        if (ReadDynamic(dev, i, value_) == 0) SetAttr(iface, kDynamicAttrs[i], value_);
      }
      AddNetClassMetrics(iface, ignore_invalid_speed_, out);
    }
    for (auto it = devices_.begin(); it != devices_.end();) {  // gone
      if (it->second.generation == generation_) {
        ++it;
      } else {
        Release(it->second);
        it = devices_.erase(it);
      }
    }
  }

 private:
  // One link dump into links_, sorted by name. False (read everything from
  // sysfs) when it fails or does not show exactly the `devices` listed in
  // class/net with the ifindex sysfs gave (a device that came or went between
  // the two, or a sysfs mounted from another network namespace).
  bool DumpLinks(size_t devices) {
    // The scrape's dump, shared with netdev: its link stats are not needed here.
    int err = dump_for_test_ ? dump_for_test_(dump_) : ScrapeLinkDump(dump_);
    if (err != 0) {
      log::WarnOnce("netclass-netlink", "netlink link dump failed, reading sysfs instead",
                    {{"collector", "netclass"}, {"err", std::strerror(err)}});
      return false;
    }
    links_.clear();
    if (!ParseRtnlLinkDump(dump_, links_)) {
      log::WarnOnce("netclass-netlink-parse", "netlink link dump malformed, reading sysfs instead",
                    {{"collector", "netclass"}});
      return false;
    }
    std::sort(links_.begin(), links_.end(),
              [](const RtnlLinkAttrs& a, const RtnlLinkAttrs& b) { return a.name < b.name; });
    bool same = links_.size() == devices;
    size_t next = 0;
    for (size_t i = 0; same && i < listed_.size(); ++i) {
      const auto& [name, dev] = *listed_[i];
      while (next < links_.size() && links_[next].name < name) ++next;
      same = next < links_.size() && links_[next].name == name && dev.statics.ifindex &&
             *dev.statics.ifindex == links_[next].ifindex;
    }
    if (!same) {
      log::WarnOnce("netclass-netlink-mismatch",
                    "netlink link dump and sysfs class/net disagree (devices changing, or another "
                    "network namespace); reading sysfs for this scrape",
                    {{"collector", "netclass"}, {"path", class_net_}});
    }
    return same;
  }

  // Per dynamic attribute: an open descriptor, or one of these.
  static constexpr int kClosed = -1;  // opened on the next read
  static constexpr int kAbsent = -2;  // no such file: skipped until the device is re-created

  struct Device {
    ino_t ino = 0;
    bool ignored = false;
    bool keep_open = false;  // attribute descriptors stay open (within the fd budget)
    int dirfd = -1;          // O_PATH handle on the device's directory
    uint64_t generation = 0;
    std::array<int, kNumDynamic> fds;
    NetClassIface statics;
    Device() { fds.fill(kClosed); }
    Device(Device&& o) noexcept
        : ino(o.ino), ignored(o.ignored), keep_open(o.keep_open), dirfd(o.dirfd),
          generation(o.generation), fds(o.fds), statics(std::move(o.statics)) {
      o.dirfd = -1;
      o.keep_open = false;
      o.fds.fill(kClosed);
    }
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    Device& operator=(Device&&) = delete;
    ~Device() {
      // Release() closes and returns the budget; this is only a safety net.
      for (int fd : fds) {
        if (fd >= 0) ::close(fd);
      }
      if (dirfd >= 0) ::close(dirfd);
    }
  };

  // Opens a new (or re-created) device and reads its static attributes.
  bool Open(const DirEntry& entry, Device& dev) {
    std::string path = class_net_ + "/" + entry.name;
    if (entry.type == DT_REG) {
      // Real sysfs lists only bonding_masters as a file here and it is
      // skipped, as procfs does. A fixture tree unpacked without symlinks
      // holds a link as a file naming its target; ResolveDirLink follows that
      // and rejects any other file.
      auto dir = ResolveDirLink(path);
      if (!dir) return false;
      path = std::move(*dir);
    }
    int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;  // removed since the listing, or not a directory
    dev.dirfd = fd;
    dev.statics = NetClassIface{};
    dev.statics.name = entry.name;
    for (const AttrDef& def : kStaticAttrs) {
      if (ReadAt(fd, def.file, value_) == 0) SetAttr(dev.statics, def, value_);
    }
    if (fds_reserved_ + kNumDynamic <= fd_budget_) {
      dev.keep_open = true;
      fds_reserved_ += kNumDynamic;
    }
    return true;
  }

  void Release(Device& dev) {
    for (int& fd : dev.fds) {
      if (fd >= 0) ::close(fd);
      fd = kClosed;
    }
    if (dev.dirfd >= 0) ::close(dev.dirfd);
    dev.dirfd = -1;
    if (dev.keep_open) fds_reserved_ -= kNumDynamic;
    dev.keep_open = false;
  }

  // One dynamic attribute: a pread on the kept descriptor. A read that fails
  // with EINVAL (speed, duplex or carrier of a down link, speed of lo) keeps
  // the descriptor, so the retry next scrape is one pread and the value is
  // back as soon as the link is up. Any other failure (ENODEV once the
  // device is unregistered) closes it, and the next scrape opens the file
  // again through the device directory. 0 or an errno.
  int ReadDynamic(Device& dev, size_t i, std::string& out) {
    int& fd = dev.fds[i];
    if (fd == kAbsent) return ENOENT;
    if (fd < 0) {
      std::string name(kDynamicAttrs[i].file);
      fd = ::openat(dev.dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) {
        int err = errno;
        fd = err == ENOENT ? kAbsent : kClosed;
        out.clear();
        return err;
      }
    }
    int err = PreadAll(fd, out, ShortRead::kIsEnd);
    if (!dev.keep_open || (err != 0 && err != EINVAL)) {
      ::close(fd);
      fd = kClosed;
    }
    return err;
  }

  std::string class_net_;
  // Kept open on a mounted sysfs, whose class/net is never replaced.
  DirLister class_net_dir_{class_net_, IsSysfsMount(class_net_)};
  Regex ignored_;
  bool ignore_invalid_speed_;
  size_t fd_budget_;
  size_t fds_reserved_ = 0;
  uint64_t generation_ = 0;
  std::map<std::string, Device, std::less<>> devices_;
  std::vector<DirEntry> entries_;
  std::string value_;
  bool use_netlink_ = false;
  std::function<int(std::string&)> dump_for_test_;
  std::string dump_;
  std::vector<RtnlLinkAttrs> links_;
  std::vector<std::pair<const std::string, Device>*> listed_;  // this scrape's devices, by name
};

// node_exporter's netClassRTNLUpdate.
class NetclassRtnlCollector : public Collector {
 public:
  NetclassRtnlCollector(const Paths& paths, const NetclassOptions& options)
      : class_net_(paths.Sys("class/net")),
        ignored_(Regex::ForFlag("collector.netclass.ignored-devices", options.ignored_devices)),
        with_stats_(options.rtnl_with_stats),
        dump_for_test_(options.dump_for_test),
        ethtool_dump_for_test_(options.ethtool_dump_for_test) {}

  void Collect(MetricSet& out) override {
    skipped_.clear();
    bool have_modes = LinkModes();
    for (const EthtoolLinkMode& lm : modes_) {
      if (!ignored_.Matches(lm.name)) AddEthtoolSpeedMetric(lm, out);
    }
    int err = dump_for_test_ ? dump_for_test_(dump_)
                             : dumper_.Dump(with_stats_ ? 0 : RTEXT_FILTER_SKIP_STATS, dump_);
    if (err != 0) throw std::runtime_error(fmt::format("could not get net class info: {}", std::strerror(err)));
    if (!ParseRtnlModeDump(dump_, links_, skipped_)) {
      throw std::runtime_error("could not get net class info: malformed link dump");
    }
    ReportSkipped("netclass", "netlink RTM_GETLINK / ethtool", skipped_);
    std::vector<std::pair<const RtnlModeLink*, NetclassSysfsExtra>> relevant;
    for (const RtnlModeLink& l : links_) {
      if (!ignored_.Matches(l.name)) relevant.emplace_back(&l, ReadSysfsExtra(l.name));
    }
    for (const auto& [l, extra] : relevant) {
      const EthtoolLinkMode* lm = nullptr;
      for (const EthtoolLinkMode& m : modes_) {
        if (have_modes && m.name == l->name) lm = &m;
      }
      AddNetClassRtnlMetrics(*l, lm, extra, with_stats_, out);
    }
  }

 private:
  // The ethtool link modes into modes_; false (and a log line) when the
  // kernel has no ethtool netlink family, as node_exporter then goes on
  // without speed and duplex.
  bool LinkModes() {
    modes_.clear();
    int err = 0;
    if (ethtool_dump_for_test_) {
      err = ethtool_dump_for_test_(ethtool_dump_);
    } else {
      int family = ethtool_.GenlFamily(ETHTOOL_GENL_NAME);
      if (family < 0) {
        err = -family;
      } else {
        std::string attrs, header;
        AppendNlAttrU32(header, ETHTOOL_A_HEADER_FLAGS, ETHTOOL_FLAG_COMPACT_BITSETS);
        AppendNlAttr(attrs, ETHTOOL_A_LINKMODES_HEADER | NLA_F_NESTED, header.data(), header.size());
        err = ethtool_.GenlRequest(family, ETHTOOL_MSG_LINKMODES_GET, ETHTOOL_GENL_VERSION, NLM_F_DUMP, attrs,
                                   ethtool_dump_);
      }
    }
    if (err == ENOENT) {
      log::WarnOnce("netclass-ethtool-netlink",
                    "ETHTOOL netlink interface unavailable, duplex and linkspeed are not scraped.",
                    {{"collector", "netclass"}});
      return false;
    }
    if (err != 0) throw std::runtime_error(fmt::format("could not get link modes: {}", std::strerror(err)));
    if (!ParseEthtoolLinkModes(ethtool_dump_, modes_, skipped_)) {
      throw std::runtime_error("could not get link modes: malformed reply");
    }
    return true;
  }

  // addr_assign_type, dev_id and name_assign_type: not in the link message.
  // A file that is missing, not permitted or EINVAL/EOPNOTSUPP is left out,
  // as procfs does; another read error fails the scrape.
  NetclassSysfsExtra ReadSysfsExtra(const std::string& name) {
    NetclassSysfsExtra extra;
    auto read = [&](const char* attr, std::optional<int64_t>& v) {
      std::string path = class_net_ + "/" + name + "/" + attr, content;
      int err = 0;
      if (ReadFile(path, content, &err)) {
        v = ParseSysfsInt(Trim(content));
        return;
      }
      if (err == ENOENT || err == EACCES || err == EPERM || err == EINVAL || err == EOPNOTSUPP) return;
      throw std::runtime_error(fmt::format("could not get sysfs device info: failed to read file {:?}: {}", path,
                                           std::strerror(err)));
    };
    read("addr_assign_type", extra.addr_assign_type);
    read("dev_id", extra.dev_id);
    read("name_assign_type", extra.name_assign_type);
    return extra;
  }

  std::string class_net_;
  Regex ignored_;
  bool with_stats_;
  std::function<int(std::string&)> dump_for_test_, ethtool_dump_for_test_;
  RtnlLinkDumper dumper_;
  NetlinkSocket ethtool_{NETLINK_GENERIC};
  std::string dump_, ethtool_dump_;
  std::vector<RtnlModeLink> links_;
  std::vector<EthtoolLinkMode> modes_;
  std::vector<std::string> skipped_;
};

NetclassOptions& FlagOptions() {
  static NetclassOptions options;
  return options;
}

void AddNetclassFlags(CLI::App& app) {
  auto& o = FlagOptions();
  const char* group = "netclass collector";
  app.add_option("--collector.netclass.ignored-devices", o.ignored_devices,
                 "Regexp of net devices to ignore for netclass collector.")
      ->capture_default_str()
      ->group(group);
  app.add_flag(
         "--collector.netclass.ignore-invalid-speed,!--no-collector.netclass.ignore-invalid-speed",
         o.ignore_invalid_speed,
         "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.")
      ->group(group);
  app.add_flag("--collector.netclass.netlink,!--no-collector.netclass.netlink", o.netlink,
               "Use netlink to gather stats instead of /proc/net/dev.")
      ->group(group);
  app.add_flag("--collector.netclass_rtnl.with-stats,!--no-collector.netclass_rtnl.with-stats",
               o.rtnl_with_stats,
               "Expose the statistics for each network device, replacing netdev collector.")
      ->group(group);
}

std::unique_ptr<Collector> CreateNetclass(const Paths& paths) {
  return CreateNetclassCollector(paths, FlagOptions());
}

NODE_AGENT_REGISTER_COLLECTOR("netclass", kEnabledByDefault, &AddNetclassFlags, &CreateNetclass);

}  // namespace

std::unique_ptr<Collector> CreateNetclassCollector(const Paths& paths,
                                                   const NetclassOptions& options) {
  if (options.netlink) return std::make_unique<NetclassRtnlCollector>(paths, options);
  return std::make_unique<NetclassCollector>(paths, options);
}

}  // namespace node_agent
