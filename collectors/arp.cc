#include "collectors/arp.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/go_compat.h"
#include "lib/device_filter.h"
#include "lib/rtnl.h"

namespace node_agent {

namespace {

bool HexDigits(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// `s` is groups of `width` hex digits joined by `sep`, with a count of octets
// Go accepts.
bool HexGroups(std::string_view s, size_t width, char sep) {
  size_t groups = (s.size() + 1) / (width + 1);
  if ((s.size() + 1) % (width + 1) != 0) return false;
  size_t octets = groups * width / 2;
  if (octets != 6 && octets != 8 && octets != 20) return false;
  for (size_t g = 0; g < groups; ++g) {
    size_t at = g * (width + 1);
    if (!HexDigits(s.substr(at, width))) return false;
    if (g + 1 < groups && s[at + width] != sep) return false;
  }
  return true;
}

}  // namespace

bool IsGoMac(std::string_view s) {
  if (s.size() < 14) return false;
  if (s[2] == ':' || s[2] == '-') return HexGroups(s, 2, s[2]);
  if (s[4] == '.') return HexGroups(s, 4, '.');
  return false;
}

std::map<std::string, uint32_t> ParseProcNetArp(std::string_view content, std::vector<std::string>& skipped) {
  std::map<std::string, uint32_t> entries;
  std::vector<std::string_view> f;
  for (auto line : Lines(content)) {
    Fields(line, f);
    if (f.empty() || f.size() == 9) continue;
    std::optional<uint64_t> flags;
    if (f.size() == 6 && IsGoMac(f[3])) flags = ParseGoUint(f[2]);
    if (!flags || *flags > 0xff) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    ++entries[std::string(f[5])];
  }
  return entries;
}

std::optional<std::map<int32_t, uint32_t>> ParseNeighDump(std::string_view bytes) {
  std::map<int32_t, uint32_t> entries;
  bool ok = ForEachRtnlMessage(bytes, RTM_NEWNEIGH, [&](std::string_view msg) {
    if (msg.size() < NLMSG_LENGTH(sizeof(ndmsg))) return false;
    auto ndm = LoadUnaligned<ndmsg>(msg.data() + NLMSG_HDRLEN);
    // /proc/net/arp leaves NUD_NOARP entries out; so does node_exporter.
    if (ndm.ndm_family == AF_INET && (ndm.ndm_state & NUD_NOARP) == 0) ++entries[ndm.ndm_ifindex];
    return true;
  });
  if (!ok) return std::nullopt;
  return entries;
}

namespace {

ArpOptions& FlagOptions() {
  static ArpOptions options;
  return options;
}

void AddArpFlags(CLI::App& app) {
  auto& o = FlagOptions();
  const char* group = "arp collector";
  app.add_option("--collector.arp.device-include", o.device_include,
                 "Regexp of arp devices to include (mutually exclusive to device-exclude).")
      ->group(group);
  app.add_option("--collector.arp.device-exclude", o.device_exclude,
                 "Regexp of arp devices to exclude (mutually exclusive to device-include).")
      ->group(group);
  app.add_flag("--collector.arp.netlink,!--no-collector.arp.netlink", o.netlink,
               "Use netlink to gather stats instead of /proc/net/arp.")
      ->group(group);
}

class ArpCollector : public Collector {
 public:
  ArpCollector(const Paths& paths, const ArpOptions& options)
      : file_(paths.Proc("net/arp")),
        netlink_(options.netlink),
        filter_("collector.arp.device-exclude", options.device_exclude, "collector.arp.device-include",
                options.device_include) {}
  ArpCollector(const ArpCollector&) = delete;
  ArpCollector& operator=(const ArpCollector&) = delete;
  ~ArpCollector() override {
    if (name_socket_ >= 0) ::close(name_socket_);
  }

  void Collect(MetricSet& out) override {
    auto entries = netlink_ ? FromNetlink() : FromProc();
    for (const auto& [device, count] : entries) {
      if (filter_.Ignored(device)) continue;
      out.Gauge("node_arp_entries", "ARP entries by device", {{"device", device}}, count);
    }
  }

 private:
  std::map<std::string, uint32_t> FromProc() {
    if (int err = file_.Read(buf_); err != 0) {
      throw std::runtime_error(fmt::format("could not get ARP entries: {}: {}", file_.path(), std::strerror(err)));
    }
    std::vector<std::string> skipped;
    auto entries = ParseProcNetArp(buf_, skipped);
    ReportSkipped("arp", file_.path(), skipped);
    return entries;
  }

  // Like node_exporter, the live ARP table whatever --path.procfs says.
  std::map<std::string, uint32_t> FromNetlink() {
    if (int err = dumper_.Dump(AF_INET, buf_); err != 0) {
      throw std::runtime_error(fmt::format("could not get ARP entries: RTM_GETNEIGH dump: {}", std::strerror(err)));
    }
    auto by_index = ParseNeighDump(buf_);
    if (!by_index) throw std::runtime_error("could not get ARP entries: malformed RTM_GETNEIGH dump");
    std::map<std::string, uint32_t> entries;
    for (const auto& [index, count] : *by_index) {
      char name[IF_NAMESIZE];
      // A link removed since the dump has no entries any more.
      if (index <= 0 || !IndexToName(index, name)) continue;
      entries[name] += count;
    }
    return entries;
  }

  // if_indextoname(3) opens and closes a socket on every call; this keeps
  // one open for every scrape's SIOCGIFNAME.
  bool IndexToName(int index, char (&name)[IF_NAMESIZE]) {
    if (name_socket_ < 0) name_socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (name_socket_ < 0) return ::if_indextoname(static_cast<unsigned>(index), name) != nullptr;
    ifreq request{};
    request.ifr_ifindex = index;
    if (::ioctl(name_socket_, SIOCGIFNAME, &request) != 0) return false;
    std::memcpy(name, request.ifr_name, IF_NAMESIZE);
    name[IF_NAMESIZE - 1] = '\0';
    return true;
  }

  CachedFile file_;
  int name_socket_ = -1;
  bool netlink_;
  DeviceFilter filter_;
  RtnlNeighDumper dumper_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateArp(const Paths& paths) { return NewArpCollector(paths, FlagOptions()); }

NODE_AGENT_REGISTER_COLLECTOR("arp", kEnabledByDefault, &AddArpFlags, &CreateArp);

}  // namespace

std::unique_ptr<Collector> NewArpCollector(const Paths& paths, const ArpOptions& options) {
  return std::make_unique<ArpCollector>(paths, options);
}

}  // namespace node_agent
