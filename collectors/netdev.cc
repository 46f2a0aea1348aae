#include "collectors/netdev.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

#include "lib/device_filter.h"
#include "lib/log.h"
#include "lib/rtnl.h"

namespace node_agent {

// ---------------------------------------------------------------------------
// /proc/net/dev

NetDevParseResult ParseNetDev(std::string_view content) {
  NetDevParseResult result;
  std::map<std::string, size_t, std::less<>> index;  // name -> position, for duplicates
  auto lines = Lines(content);
  for (size_t n = 2; n < lines.size(); ++n) {  // two header lines
    std::string_view raw = lines[n];
    if (Trim(raw).empty()) continue;
    auto colon = raw.find(':');
    std::string_view name = colon == std::string_view::npos ? "" : Trim(raw.substr(0, colon));
    auto fields = colon == std::string_view::npos ? std::vector<std::string_view>{}
                                                  : Fields(raw.substr(colon + 1));
    std::array<uint64_t, 16> v{};
    bool ok = !name.empty() && fields.size() >= v.size();
    for (size_t i = 0; ok && i < v.size(); ++i) {
      auto parsed = ParseUint(fields[i]);
      if (!parsed) ok = false;
      else v[i] = *parsed;
    }
    if (!ok) {
      result.bad_lines.emplace_back(raw);
      continue;
    }
    NetDevLine line;
    line.name = std::string(name);
    line.rx_bytes = v[0], line.rx_packets = v[1], line.rx_errors = v[2], line.rx_dropped = v[3];
    line.rx_fifo = v[4], line.rx_frame = v[5], line.rx_compressed = v[6], line.rx_multicast = v[7];
    line.tx_bytes = v[8], line.tx_packets = v[9], line.tx_errors = v[10], line.tx_dropped = v[11];
    line.tx_fifo = v[12], line.tx_colls = v[13], line.tx_carrier = v[14],
    line.tx_compressed = v[15];
    if (auto it = index.find(line.name); it != index.end()) {
      result.devices[it->second] = std::move(line);  // procfs keys a map by name
    } else {
      index.emplace(line.name, result.devices.size());
      result.devices.push_back(std::move(line));
    }
  }
  return result;
}

std::vector<NetDevCounter> ProcNetDevCounters(const NetDevLine& l, bool detailed) {
  // node_exporter maps the file's columns to these keys, then (unless
  // detailed) renames receive/transmit_{errors,dropped} to errs/drop.
  std::vector<NetDevCounter> c = {
      {"receive_bytes", l.rx_bytes},
      {"receive_compressed", l.rx_compressed},
      {detailed ? "receive_dropped" : "receive_drop", l.rx_dropped},
      {detailed ? "receive_errors" : "receive_errs", l.rx_errors},
      {"receive_fifo", l.rx_fifo},
      {"receive_frame", l.rx_frame},
      {"receive_multicast", l.rx_multicast},
      {"receive_packets", l.rx_packets},
      {"transmit_bytes", l.tx_bytes},
      {"transmit_carrier", l.tx_carrier},
      {"transmit_colls", l.tx_colls},
      {"transmit_compressed", l.tx_compressed},
      {detailed ? "transmit_dropped" : "transmit_drop", l.tx_dropped},
      {detailed ? "transmit_errors" : "transmit_errs", l.tx_errors},
      {"transmit_fifo", l.tx_fifo},
      {"transmit_packets", l.tx_packets},
  };
  std::sort(c.begin(), c.end());
  return c;
}

std::vector<NetDevCounter> NetlinkCounters(const LinkStats& s, bool detailed) {
  using F = LinkStats;
  std::vector<NetDevCounter> c;
  if (detailed) {
    c = {
        {"collisions", s[F::kCollisions]},
        {"multicast", s[F::kMulticast]},
        {"receive_bytes", s[F::kRxBytes]},
        {"receive_compressed", s[F::kRxCompressed]},
        {"receive_crc_errors", s[F::kRxCrcErrors]},
        {"receive_dropped", s[F::kRxDropped]},
        {"receive_errors", s[F::kRxErrors]},
        {"receive_fifo_errors", s[F::kRxFifoErrors]},
        {"receive_frame_errors", s[F::kRxFrameErrors]},
        {"receive_length_errors", s[F::kRxLengthErrors]},
        {"receive_missed_errors", s[F::kRxMissedErrors]},
        {"receive_nohandler", s[F::kRxNohandler]},
        {"receive_over_errors", s[F::kRxOverErrors]},
        {"receive_packets", s[F::kRxPackets]},
        {"transmit_aborted_errors", s[F::kTxAbortedErrors]},
        {"transmit_bytes", s[F::kTxBytes]},
        {"transmit_carrier_errors", s[F::kTxCarrierErrors]},
        {"transmit_compressed", s[F::kTxCompressed]},
        {"transmit_dropped", s[F::kTxDropped]},
        {"transmit_errors", s[F::kTxErrors]},
        {"transmit_fifo_errors", s[F::kTxFifoErrors]},
        {"transmit_heartbeat_errors", s[F::kTxHeartbeatErrors]},
        {"transmit_packets", s[F::kTxPackets]},
        {"transmit_window_errors", s[F::kTxWindowErrors]},
    };
    return c;  // already sorted
  }
  // The legacy fold matches the kernel's /proc/net/dev columns
  // (net/core/net-procfs.c), so both sources agree except for nohandler.
  c = {
      {"receive_bytes", s[F::kRxBytes]},
      {"receive_compressed", s[F::kRxCompressed]},
      {"receive_drop", s[F::kRxDropped] + s[F::kRxMissedErrors]},
      {"receive_errs", s[F::kRxErrors]},
      {"receive_fifo", s[F::kRxFifoErrors]},
      {"receive_frame", s[F::kRxFrameErrors] + s[F::kRxLengthErrors] + s[F::kRxOverErrors] +
                            s[F::kRxCrcErrors]},
      {"receive_multicast", s[F::kMulticast]},
      {"receive_nohandler", s[F::kRxNohandler]},
      {"receive_packets", s[F::kRxPackets]},
      {"transmit_bytes", s[F::kTxBytes]},
      {"transmit_carrier", s[F::kTxCarrierErrors] + s[F::kTxAbortedErrors] +
                               s[F::kTxHeartbeatErrors] + s[F::kTxWindowErrors]},
      {"transmit_colls", s[F::kCollisions]},
      {"transmit_compressed", s[F::kTxCompressed]},
      {"transmit_drop", s[F::kTxDropped]},
      {"transmit_errs", s[F::kTxErrors]},
      {"transmit_fifo", s[F::kTxFifoErrors]},
      {"transmit_packets", s[F::kTxPackets]},
  };
  return c;
}

// ---------------------------------------------------------------------------
// rtnetlink

namespace {

// Widens a kernel stats struct of `width`-byte fields into `out`. Older
// kernels send fewer fields (rx_nohandler came in 4.6): the rest stay 0.
void CopyStats(std::string_view payload, size_t width, LinkStats& out) {
  size_t n = std::min<size_t>(payload.size() / width, LinkStats::kNumFields);
  for (size_t i = 0; i < n; ++i) {
    const char* p = payload.data() + i * width;
    out.v[i] = width == 8 ? LoadUnaligned<uint64_t>(p) : LoadUnaligned<uint32_t>(p);
  }
}

}  // namespace

bool ParseLinkDump(std::string_view bytes, std::vector<LinkStats>& links) {
  return ForEachLinkMessage(bytes, [&](std::string_view msg) {
    size_t attr_off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(ifinfomsg)));
    if (msg.size() < attr_off) return false;
    LinkStats link;
    bool has_name = false, has64 = false, has32 = false;
    std::string_view stats32;
    for (std::string_view attrs = msg.substr(attr_off); attrs.size() >= sizeof(rtattr);) {
      auto rta = LoadUnaligned<rtattr>(attrs.data());
      if (rta.rta_len < sizeof(rtattr) || rta.rta_len > attrs.size()) break;
      std::string_view payload = attrs.substr(RTA_LENGTH(0), rta.rta_len - RTA_LENGTH(0));
      switch (rta.rta_type) {
        case IFLA_IFNAME:
          link.name = std::string(payload.substr(0, payload.find('\0')));
          has_name = !link.name.empty();  // an empty name is no name (device="" means nothing)
          break;
        case IFLA_STATS64:
          CopyStats(payload, 8, link);
          has64 = true;
          break;
        case IFLA_STATS:
          stats32 = payload;
          has32 = true;
          break;
        default:
          break;
      }
      attrs.remove_prefix(std::min<size_t>(RTA_ALIGN(rta.rta_len), attrs.size()));
    }
    if (!has64 && has32) CopyStats(stats32, 4, link);
    if (has_name && (has64 || has32)) links.push_back(std::move(link));
    return true;
  });
}

namespace {

// The scrape's link dump, with the stats (shared with netclass), parsed; its
// buffer kept between scrapes.
class LinkDumpReader {
 public:
  int DumpLinks(std::vector<LinkStats>& links) {
    links.clear();
    int err = ScrapeLinkDump(bytes_);
    if (err != 0) return err;
    if (!ParseLinkDump(bytes_, links)) {
      links.clear();
      return EPROTO;
    }
    return 0;
  }

 private:
  std::string bytes_;
};

}  // namespace

int NetlinkDumpLinks(std::vector<LinkStats>& links) {
  LinkDumpReader reader;
  return reader.DumpLinks(links);
}

// ---------------------------------------------------------------------------
// address info

namespace {

// `ip` is 16 bytes (IPv4 as v4-mapped), like Go's net.IP.
std::string ScopeOf(const unsigned char* ip) {
  static const unsigned char kV4Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  bool v4 = std::memcmp(ip, kV4Prefix, 12) == 0;
  const unsigned char* a = ip + 12;
  bool loopback, link_local_unicast, link_local_multicast, multicast, unspecified;
  bool interface_local_multicast = false, broadcast = false;
  if (v4) {
    loopback = a[0] == 127;
    link_local_unicast = a[0] == 169 && a[1] == 254;
    link_local_multicast = a[0] == 224 && a[1] == 0 && a[2] == 0;
    multicast = (a[0] & 0xf0) == 0xe0;
    unspecified = a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0;
    broadcast = a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
  } else {
    static const unsigned char kZero[16] = {};
    static const unsigned char kOne[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    loopback = std::memcmp(ip, kOne, 16) == 0;
    unspecified = std::memcmp(ip, kZero, 16) == 0;
    link_local_unicast = ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
    multicast = ip[0] == 0xff;
    link_local_multicast = ip[0] == 0xff && (ip[1] & 0x0f) == 0x02;
    interface_local_multicast = ip[0] == 0xff && (ip[1] & 0x0f) == 0x01;
  }
  if (loopback || link_local_unicast || link_local_multicast) return "link-local";
  if (interface_local_multicast) return "interface-local";
  if (!broadcast && !unspecified && !loopback && !multicast && !link_local_unicast) {
    return "global";
  }
  return "";
}

int PrefixLength(const sockaddr* mask) {
  const unsigned char* b;
  size_t len;
  if (!mask) return 0;
  if (mask->sa_family == AF_INET) {
    b = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
    len = 4;
  } else if (mask->sa_family == AF_INET6) {
    b = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
    len = 16;
  } else {
    return 0;
  }
  int ones = 0;
  size_t i = 0;
  for (; i < len && b[i] == 0xff; ++i) ones += 8;
  if (i < len) {
    unsigned char x = b[i];
    while (x & 0x80) {
      ++ones;
      x = static_cast<unsigned char>(x << 1);
    }
    if (x != 0) return 0;  // not a canonical mask: Go's Mask.Size() gives 0
    for (++i; i < len; ++i) {
      if (b[i] != 0) return 0;
    }
  }
  return ones;
}

std::vector<AddressInfo> ReadAddressInfo() {
  std::vector<AddressInfo> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) throw std::runtime_error("could not get network interfaces");
  for (ifaddrs* ifa = list; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr) continue;
    unsigned char ip[16] = {};
    char text[INET6_ADDRSTRLEN] = {};
    if (ifa->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr);
      ip[10] = ip[11] = 0xff;
      std::memcpy(ip + 12, &sin->sin_addr, 4);
      ::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr);
      std::memcpy(ip, &sin6->sin6_addr, 16);
      ::inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    } else {
      continue;  // AF_PACKET link entries
    }
    out.push_back({ifa->ifa_name, text, std::to_string(PrefixLength(ifa->ifa_netmask)),
                   ScopeOf(ip)});
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace

std::string AddressScope(const std::string& address) {
  unsigned char ip[16] = {};
  in_addr v4;
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    ip[10] = ip[11] = 0xff;
    std::memcpy(ip + 12, &v4, 4);
  } else if (::inet_pton(AF_INET6, address.c_str(), ip) != 1) {
    return "";
  }
  return ScopeOf(ip);
}

// ---------------------------------------------------------------------------
// collector

namespace {

class NetdevCollector : public Collector {
 public:
  NetdevCollector(const Paths& paths, NetdevOptions options, DeviceFilter filter)
      : paths_(paths),
        options_(std::move(options)),
        filter_(std::move(filter)),
        net_dev_(paths.Proc("net/dev"), ShortRead::kShortRecords) {
    using S = NetdevOptions::Source;
    use_netlink_ = options_.source == S::kNetlink ||
                   (options_.source == S::kAuto && options_.netlink && IsProcfsMount(paths.procfs));
  }

  void Collect(MetricSet& out) override {
    auto aliases = ReadAliases();
    auto emit = [&](const std::string& name, const std::vector<NetDevCounter>& counters) {
      if (filter_.Ignored(name)) return;
      Labels labels{{"device", name}};
      if (auto it = aliases.find(name); it != aliases.end()) {
        labels.push_back({"ifalias", it->second});
      }
      for (const auto& [key, value] : counters) {
        const auto& names = Names(key);
        out.Counter(names.first, names.second, labels, static_cast<double>(value));
      }
    };

    auto from_netlink = [&]() {
      links_.clear();
      int err = link_dump_.DumpLinks(links_);
      if (err != 0) return err;
      std::sort(links_.begin(), links_.end(),
                [](const LinkStats& a, const LinkStats& b) { return a.name < b.name; });
      for (const auto& link : links_) emit(link.name, NetlinkCounters(link, options_.detailed_metrics));
      return 0;
    };
    bool from_file = true;
    if (use_netlink_) {
      int err = from_netlink();
      if (err == 0) {
        from_file = false;
      } else {
        // node_exporter would fail the scrape; the file has all but nohandler.
        log::WarnOnce("netdev-netlink", "netlink link dump failed, reading /proc/net/dev instead",
                      {{"collector", "netdev"}, {"err", std::strerror(err)}});
      }
    }
    if (from_file) {
      int err = net_dev_.Read(content_);
      // A tree without net/dev (node_exporter's fixtures): with netlink on,
      // node_exporter reads the host's links whatever --path.procfs says.
      if (err == ENOENT && !use_netlink_ && options_.netlink &&
          options_.source == NetdevOptions::Source::kAuto && from_netlink() == 0) {
        from_file = false;
      } else if (err != 0) {
        ThrowPathError("couldn't get netstats: failed to read ", net_dev_.path(), err);
      }
    }
    if (from_file) {
      auto parsed = ParseNetDev(content_);
      ReportSkipped("netdev", net_dev_.path(), parsed.bad_lines);
      std::sort(parsed.devices.begin(), parsed.devices.end(),
                [](const NetDevLine& a, const NetDevLine& b) { return a.name < b.name; });
      for (const auto& line : parsed.devices) {
        emit(line.name, ProcNetDevCounters(line, options_.detailed_metrics));
      }
    }

    if (options_.address_info) {
      for (const auto& a : ReadAddressInfo()) {
        out.Gauge("node_network_address_info", "node network address by device",
                  {{"address", a.address}, {"device", a.device}, {"netmask", a.netmask},
                   {"scope", a.scope}},
                  1);
      }
    }
  }

 private:
  // --collector.netdev.label-ifalias: every device sysfs lists gets its alias.
  std::map<std::string, std::string> ReadAliases() const {
    std::map<std::string, std::string> aliases;
    if (!options_.label_ifalias) return aliases;
    std::string dir = paths_.Sys("class/net");
    for (const auto& name : ListDir(dir)) {
      std::string path = dir + "/" + name;
      if (!IsDir(path)) continue;  // bonding_masters
      auto alias = ReadAttr(path + "/ifalias");
      aliases.emplace(name, alias ? std::string(Trim(*alias)) : std::string());
    }
    return aliases;
  }

  // Family name and help for a counter key, built once.
  const std::pair<std::string, std::string>& Names(std::string_view key) {
    auto it = names_.find(key);
    if (it == names_.end()) {
      it = names_
               .emplace(key, std::make_pair(fmt::format("node_network_{}_total", key),
                                            fmt::format("Network device statistic {}.", key)))
               .first;
    }
    return it->second;
  }

  Paths paths_;
  NetdevOptions options_;
  std::map<std::string_view, std::pair<std::string, std::string>> names_;
  DeviceFilter filter_;
  bool use_netlink_ = false;
  CachedFile net_dev_;
  std::string content_;
  LinkDumpReader link_dump_;
  std::vector<LinkStats> links_;
};

NetdevOptions& FlagOptions() {
  static NetdevOptions options;
  return options;
}

void AddNetdevFlags(CLI::App& app) {
  auto& o = FlagOptions();
  const char* group = "netdev collector";
  app.add_option("--collector.netdev.device-include", o.device_include,
                 "Regexp of net devices to include (mutually exclusive to device-exclude).")
      ->group(group);
  app.add_option("--collector.netdev.device-exclude", o.device_exclude,
                 "Regexp of net devices to exclude (mutually exclusive to device-include).")
      ->group(group);
  // Deprecated spellings node_exporter still accepts; hidden from --help.
  app.add_option("--collector.netdev.device-whitelist", o.device_whitelist,
                 "DEPRECATED: Use collector.netdev.device-include")
      ->group("");
  app.add_option("--collector.netdev.device-blacklist", o.device_blacklist,
                 "DEPRECATED: Use collector.netdev.device-exclude")
      ->group("");
  app.add_flag("--collector.netdev.address-info,!--no-collector.netdev.address-info",
               o.address_info, "Collect address-info for every device")
      ->group(group);
  app.add_flag(
         "--collector.netdev.enable-detailed-metrics,!--no-collector.netdev.enable-detailed-metrics",
         o.detailed_metrics,
         "Use (incompatible) metric names that provide more detailed stats on Linux")
      ->group(group);
  app.add_flag("--collector.netdev.netlink,!--no-collector.netdev.netlink", o.netlink,
               "Use netlink to gather stats instead of /proc/net/dev.")
      ->group(group);
  app.add_flag("--collector.netdev.label-ifalias,!--no-collector.netdev.label-ifalias",
               o.label_ifalias, "Add ifAlias label")
      ->group(group);
}

std::unique_ptr<Collector> CreateNetdev(const Paths& paths) {
  return CreateNetdevCollector(paths, FlagOptions());
}

NODE_AGENT_REGISTER_COLLECTOR("netdev", kEnabledByDefault, &AddNetdevFlags, &CreateNetdev);

}  // namespace

std::unique_ptr<Collector> CreateNetdevCollector(const Paths& paths, const NetdevOptions& options) {
  NetdevOptions o = options;
  DeviceFilter filter = ResolveFilterFlags({.exclude = "collector.netdev.device-exclude",
                                            .include = "collector.netdev.device-include",
                                            .old_exclude = "collector.netdev.device-blacklist",
                                            .old_include = "collector.netdev.device-whitelist"},
                                           {.exclude = o.device_exclude,
                                            .include = o.device_include,
                                            .old_exclude = o.device_blacklist,
                                            .old_include = o.device_whitelist});
  return std::make_unique<NetdevCollector>(paths, std::move(o), std::move(filter));
}

}  // namespace node_agent
