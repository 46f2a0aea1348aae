#include "collectors/ethtool.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "lib/device_filter.h"
#include "lib/log.h"

namespace node_agent {

// --- Decoding -----------------------------------------------------------------

namespace {

template <size_t N>
std::string FixedString(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

}  // namespace

EthtoolDriverInfo DecodeDriverInfo(const ethtool_drvinfo& raw) {
  EthtoolDriverInfo out;
  out.driver = FixedString(raw.driver);
  out.version = FixedString(raw.version);
  out.firmware_version = FixedString(raw.fw_version);
  out.expansion_rom_version = FixedString(raw.erom_version);
  out.bus_info = FixedString(raw.bus_info);
  return out;
}

std::vector<std::string> DecodeStatNames(std::string_view raw, uint32_t count) {
  std::vector<std::string> names;
  size_t n = std::min<size_t>(count, raw.size() / kEthGstringLen);
  names.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string_view entry = raw.substr(i * kEthGstringLen, kEthGstringLen);
    names.emplace_back(entry.substr(0, std::min(entry.find('\0'), entry.size())));
  }
  return names;
}

std::optional<std::vector<uint64_t>> DecodeStatValues(const std::vector<uint64_t>& buffer, uint32_t capacity) {
  static_assert(sizeof(ethtool_stats) == sizeof(uint64_t), "ethtool_stats header is one u64");
  if (buffer.empty()) return std::nullopt;
  ethtool_stats header;
  std::memcpy(&header, buffer.data(), sizeof header);
  if (header.n_stats > capacity || header.n_stats > buffer.size() - 1) return std::nullopt;
  return std::vector<uint64_t>(buffer.begin() + 1, buffer.begin() + 1 + header.n_stats);
}

EthtoolLinkInfo DecodeLegacySettings(const ethtool_cmd& raw) {
  return {raw.supported, raw.advertising, raw.autoneg};
}

EthtoolLinkInfo DecodeLinkSettings(uint8_t autoneg, const uint32_t* masks, int nwords) {
  EthtoolLinkInfo out;
  out.autoneg = autoneg;
  // node_exporter reads the legacy 32-bit masks: modes from bit 32 up are not exported.
  if (nwords >= 1 && masks) {
    out.supported = masks[0];
    out.advertising = masks[nwords];
  }
  return out;
}

// --- Naming ---------------------------------------------------------------------

namespace {

bool MetricNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// Replaces every non-overlapping (^|_)WORD(_|$) with ${1}REPLACEMENT${2}, scanning
// left to right as Go's regexp.ReplaceAllString does.
std::string ReplaceWord(const std::string& s, std::string_view word, std::string_view replacement) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    size_t start = std::string::npos;
    if (i == 0 && s.compare(0, word.size(), word) == 0) start = 0;  // ^ alternative
    else if (s[i] == '_' && s.compare(i + 1, word.size(), word) == 0) start = i + 1;
    if (start != std::string::npos) {
      size_t end = start + word.size();
      if (end == s.size() || s[end] == '_') {
        out.append(s, i, start - i).append(replacement);
        if (end < s.size()) {
          out.push_back('_');  // the trailing '_' is part of the match
          ++end;
        }
        i = end;
        continue;
      }
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

}  // namespace

std::string SanitizeEthtoolName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  size_t i = 0;
  while (i < name.size()) {
    // Try `_*[^0-9A-Za-z_]+_*` at i.
    size_t j = i;
    while (j < name.size() && name[j] == '_') ++j;
    size_t k = j;
    while (k < name.size() && !MetricNameChar(name[k])) ++k;
    if (k == j) {
      // No invalid run after these underscores: they stay as they are.
      out.append(name.substr(i, std::max<size_t>(j - i, 1)));
      i = std::max(j, i + 1);
      continue;
    }
    while (k < name.size() && name[k] == '_') ++k;
    out.push_back('_');
    i = k;
  }
  return out;
}

std::string EthtoolMetricName(std::string_view sanitized) {
  std::string name = SanitizeEthtoolName(sanitized);
  for (auto& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  name.erase(0, name.find_first_not_of('_') == std::string::npos ? name.size() : name.find_first_not_of('_'));
  name = ReplaceWord(name, "rx", "received");
  name = ReplaceWord(name, "tx", "transmitted");
  return "node_ethtool_" + name;
}

namespace {

struct WellKnownStat {
  const char* stat;
  const char* metric;
  const char* help;
};
// node_exporter pre-registers these with their own names and help.
constexpr WellKnownStat kWellKnownStats[] = {
    {"rx_bytes", "node_ethtool_received_bytes_total", "Network interface bytes received"},
    {"rx_dropped", "node_ethtool_received_dropped_total", "Number of received frames dropped"},
    {"rx_errors", "node_ethtool_received_errors_total", "Number of received frames with errors"},
    {"rx_packets", "node_ethtool_received_packets_total", "Network interface packets received"},
    {"tx_bytes", "node_ethtool_transmitted_bytes_total", "Network interface bytes sent"},
    {"tx_errors", "node_ethtool_transmitted_errors_total", "Number of sent frames with errors"},
    {"tx_packets", "node_ethtool_transmitted_packets_total", "Network interface packets sent"},
};

}  // namespace

std::vector<EthtoolStatSeries> PlanEthtoolStats(const std::vector<std::string>& names, const Regex& include,
                                                const std::string& device) {
  // Raw name -> last index (node_exporter's stats map keeps the last value).
  std::unordered_map<std::string_view, size_t> last_index;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!names[i].empty()) last_index[names[i]] = i;
  }
  struct Candidate {
    std::string sanitized;
    size_t index;
    bool duplicate = false;
  };
  std::map<std::string, Candidate> by_metric;  // computed name -> candidate
  for (const auto& [raw, index] : last_index) {
    std::string sanitized = SanitizeEthtoolName(raw);
    if (!include.Matches(sanitized)) continue;
    std::string metric = EthtoolMetricName(sanitized);
    auto [it, inserted] = by_metric.try_emplace(metric, Candidate{sanitized, index});
    if (!inserted) {
      log::Debug("dropping duplicate metric name",
                 {{"device", device}, {"metricFQName", metric}, {"metric1", it->second.sanitized},
                  {"metric2", sanitized}});
      it->second.duplicate = true;
    }
  }
  std::vector<EthtoolStatSeries> plan;
  for (auto& [metric, c] : by_metric) {
    if (c.duplicate) continue;
    EthtoolStatSeries s{c.index, metric, "Network interface " + c.sanitized};
    for (const auto& known : kWellKnownStats) {
      if (c.sanitized == known.stat) {
        s.metric = known.metric;
        s.help = known.help;
      }
    }
    plan.push_back(std::move(s));
  }
  std::sort(plan.begin(), plan.end(),
            [](const EthtoolStatSeries& a, const EthtoolStatSeries& b) { return a.metric < b.metric; });
  return plan;
}

// --- Link modes -----------------------------------------------------------------

namespace {

struct LinkSpeed {
  int bit;
  int mbps;
  const char* duplex;
  const char* phy;
};
// node_exporter's table, restricted to the bits a 32-bit legacy mask holds.
constexpr LinkSpeed kLinkSpeeds[] = {
    {ETHTOOL_LINK_MODE_10baseT_Half_BIT, 10, "half", "T"},
    {ETHTOOL_LINK_MODE_10baseT_Full_BIT, 10, "full", "T"},
    {ETHTOOL_LINK_MODE_100baseT_Half_BIT, 100, "half", "T"},
    {ETHTOOL_LINK_MODE_100baseT_Full_BIT, 100, "full", "T"},
    {ETHTOOL_LINK_MODE_1000baseT_Half_BIT, 1000, "half", "T"},
    {ETHTOOL_LINK_MODE_1000baseT_Full_BIT, 1000, "full", "T"},
    {ETHTOOL_LINK_MODE_10000baseT_Full_BIT, 10000, "full", "T"},
    {ETHTOOL_LINK_MODE_1000baseKX_Full_BIT, 1000, "full", "KX"},
    {ETHTOOL_LINK_MODE_10000baseKX4_Full_BIT, 10000, "full", "KX4"},
    {ETHTOOL_LINK_MODE_10000baseKR_Full_BIT, 10000, "full", "KR"},
    {ETHTOOL_LINK_MODE_10000baseR_FEC_BIT, 10000, "full", "R_FEC"},
    {ETHTOOL_LINK_MODE_20000baseMLD2_Full_BIT, 20000, "full", "MLD2"},
    {ETHTOOL_LINK_MODE_20000baseKR2_Full_BIT, 20000, "full", "KR2"},
    {ETHTOOL_LINK_MODE_40000baseKR4_Full_BIT, 40000, "full", "KR4"},
    {ETHTOOL_LINK_MODE_40000baseCR4_Full_BIT, 40000, "full", "CR4"},
    {ETHTOOL_LINK_MODE_40000baseSR4_Full_BIT, 40000, "full", "SR4"},
    {ETHTOOL_LINK_MODE_40000baseLR4_Full_BIT, 40000, "full", "LR4"},
    {ETHTOOL_LINK_MODE_56000baseKR4_Full_BIT, 56000, "full", "KR4"},
    {ETHTOOL_LINK_MODE_56000baseCR4_Full_BIT, 56000, "full", "CR4"},
    {ETHTOOL_LINK_MODE_56000baseSR4_Full_BIT, 56000, "full", "SR4"},
    {ETHTOOL_LINK_MODE_56000baseLR4_Full_BIT, 56000, "full", "LR4"},
    {ETHTOOL_LINK_MODE_25000baseCR_Full_BIT, 25000, "full", "CR"},
};

struct PortType {
  int bit;
  const char* name;
};
constexpr PortType kPortTypes[] = {
    {ETHTOOL_LINK_MODE_TP_BIT, "TP"},       {ETHTOOL_LINK_MODE_AUI_BIT, "AUI"},
    {ETHTOOL_LINK_MODE_MII_BIT, "MII"},     {ETHTOOL_LINK_MODE_FIBRE_BIT, "FIBRE"},
    {ETHTOOL_LINK_MODE_BNC_BIT, "BNC"},     {ETHTOOL_LINK_MODE_Backplane_BIT, "Backplane"},
};

bool Bit(uint32_t mask, int bit) { return (mask >> bit) & 1u; }

void AddSpeeds(MetricSet& out, const std::string& device, uint32_t mask, bool supported) {
  const char* name = supported ? "node_network_supported_speed_bytes" : "node_network_advertised_speed_bytes";
  const char* help = supported ? "Combination of speeds and features supported by network device"
                               : "Combination of speeds and features offered by network device";
  for (const auto& s : kLinkSpeeds) {
    if (!Bit(mask, s.bit)) continue;
    // Bytes per second, to match netclass's node_network_speed_bytes.
    out.Gauge(name, help, {{"device", device}, {"duplex", s.duplex}, {"mode", fmt::format("{}base{}", s.mbps, s.phy)}},
              s.mbps * 1000000.0 / 8.0);
  }
}

void AddCapabilities(MetricSet& out, const std::string& device, uint32_t mask, bool supported) {
  if (supported) {
    out.Gauge("node_network_autonegotiate_supported", "If this port device supports autonegotiate",
              {{"device", device}}, Bit(mask, ETHTOOL_LINK_MODE_Autoneg_BIT));
    out.Gauge("node_network_pause_supported", "If this port device supports pause frames", {{"device", device}},
              Bit(mask, ETHTOOL_LINK_MODE_Pause_BIT));
    out.Gauge("node_network_asymmetricpause_supported", "If this port device supports asymmetric pause frames",
              {{"device", device}}, Bit(mask, ETHTOOL_LINK_MODE_Asym_Pause_BIT));
  } else {
    out.Gauge("node_network_autonegotiate_advertised", "If this port device offers autonegotiate",
              {{"device", device}}, Bit(mask, ETHTOOL_LINK_MODE_Autoneg_BIT));
    out.Gauge("node_network_pause_advertised", "If this port device offers pause capability", {{"device", device}},
              Bit(mask, ETHTOOL_LINK_MODE_Pause_BIT));
    out.Gauge("node_network_asymmetricpause_advertised", "If this port device offers asymmetric pause capability",
              {{"device", device}}, Bit(mask, ETHTOOL_LINK_MODE_Asym_Pause_BIT));
  }
}

}  // namespace

void AddEthtoolLinkMetrics(MetricSet& out, const std::string& device, const EthtoolLinkInfo& link) {
  AddSpeeds(out, device, link.supported, true);
  for (const auto& p : kPortTypes) {
    if (Bit(link.supported, p.bit)) {
      out.Gauge("node_network_supported_port_info", "Type of ports or PHYs supported by network device",
                {{"device", device}, {"type", p.name}}, 1);
    }
  }
  AddCapabilities(out, device, link.supported, true);
  AddSpeeds(out, device, link.advertising, false);
  AddCapabilities(out, device, link.advertising, false);
  out.Gauge("node_network_autonegotiate", "If this port is using autonegotiate", {{"device", device}}, link.autoneg);
}

// --- SIOCETHTOOL ------------------------------------------------------------------

namespace {

class IoctlEthtoolSource : public EthtoolSource {
 public:
  explicit IoctlEthtoolSource(int fd) : fd_(fd) {}
  ~IoctlEthtoolSource() override {
    Unmap();
    close(fd_);
  }

  int DriverInfo(const std::string& device, EthtoolDriverInfo& out) override {
    ethtool_drvinfo info{};
    info.cmd = ETHTOOL_GDRVINFO;
    if (int err = Ioctl(device, &info)) return err;
    out = DecodeDriverInfo(info);
    return 0;
  }

  int StatCount(const std::string& device, uint32_t& count) override {
    // struct ethtool_sset_info with room for one u32 of data.
    alignas(8) unsigned char buf[sizeof(ethtool_sset_info) + sizeof(uint32_t)] = {};
    ethtool_sset_info header{};
    header.cmd = ETHTOOL_GSSET_INFO;
    header.sset_mask = 1ULL << ETH_SS_STATS;
    std::memcpy(buf, &header, sizeof header);
    if (int err = Ioctl(device, buf)) return err;
    std::memcpy(&header, buf, sizeof header);
    // The kernel clears the bit of a set the driver does not have.
    if (!(header.sset_mask & (1ULL << ETH_SS_STATS))) return EOPNOTSUPP;
    std::memcpy(&count, buf + sizeof header, sizeof count);
    return 0;
  }

  int StatNames(const std::string& device, uint32_t& count, std::string& raw) override {
    // The kernel writes as many strings as the driver has now, whatever the
    // request says: leave room in case the count grew since StatCount.
    uint32_t capacity = Headroom(count);
    std::vector<uint32_t> buf((sizeof(ethtool_gstrings) + size_t{capacity} * kEthGstringLen) / sizeof(uint32_t) + 1);
    ethtool_gstrings header{};
    header.cmd = ETHTOOL_GSTRINGS;
    header.string_set = ETH_SS_STATS;
    header.len = count;
    std::memcpy(buf.data(), &header, sizeof header);
    if (int err = Ioctl(device, buf.data())) return err;
    std::memcpy(&header, buf.data(), sizeof header);
    if (header.len > capacity) return EOVERFLOW;
    count = header.len;
    raw.assign(reinterpret_cast<const char*>(buf.data()) + sizeof header, size_t{count} * kEthGstringLen);
    return 0;
  }

  // The kernel writes as many values as the driver has now, whatever
  // n_stats says, and the collector asks with the count it cached at the
  // last scrape (no ETHTOOL_GSSET_INFO each scrape). So the buffer ends at an
  // inaccessible page: a count that outgrew it makes the ioctl fail with
  // EFAULT instead of writing past it, after the header with the new count;
  // then the call is repeated with room for that count.
  int StatValues(const std::string& device, uint32_t expected, std::vector<uint64_t>& values) override {
    uint32_t capacity = Headroom(expected);
    for (int attempt = 0; attempt < 3; ++attempt) {
      uint64_t* buf = GuardedBuffer(size_t{capacity} + 1);
      if (!buf) return ENOMEM;
      ethtool_stats header{};
      header.cmd = ETHTOOL_GSTATS;
      header.n_stats = expected;
      std::memcpy(buf, &header, sizeof header);
      int err = Ioctl(device, buf);
      std::memcpy(&header, buf, sizeof header);
      if (err == EFAULT && header.cmd == ETHTOOL_GSTATS && header.n_stats > capacity) {
        capacity = Headroom(header.n_stats);
        continue;
      }
      if (err != 0) return err;
      if (header.n_stats > capacity) return EOVERFLOW;
      values.assign(buf + 1, buf + 1 + header.n_stats);
      return 0;
    }
    return EOVERFLOW;
  }

  int LinkInfo(const std::string& device, EthtoolLinkInfo& out) override {
    int err = LinkSettings(device, out);
    if (err != EOPNOTSUPP) return err;
    // Kernels before 4.9, or drivers there without get_link_ksettings.
    ethtool_cmd cmd{};
    cmd.cmd = ETHTOOL_GSET;
    if (int err = Ioctl(device, &cmd)) return err;
    out = DecodeLegacySettings(cmd);
    return 0;
  }

 private:
  static uint32_t Headroom(uint32_t n) { return n + n / 2 + 64; }

  int Ioctl(const std::string& device, void* data) {
    if (device.empty() || device.size() >= IFNAMSIZ) return ENODEV;
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, device.data(), device.size());
    ifr.ifr_data = static_cast<char*>(data);
    if (ioctl(fd_, SIOCETHTOOL, &ifr) < 0) return errno;
    return 0;
  }

  // ETHTOOL_GLINKSETTINGS. The mask length is a kernel constant learned from
  // the first call's handshake (negative nwords in the reply) and kept.
  int LinkSettings(const std::string& device, EthtoolLinkInfo& out) {
    constexpr int kMaxWords = 127;  // link_mode_masks_nwords is an s8
    alignas(8) unsigned char buf[sizeof(ethtool_link_settings) + 3 * kMaxWords * sizeof(uint32_t)];
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::memset(buf, 0, sizeof buf);
      ethtool_link_settings header{};
      header.cmd = ETHTOOL_GLINKSETTINGS;
      header.link_mode_masks_nwords = static_cast<int8_t>(nwords_);
      std::memcpy(buf, &header, sizeof header);
      if (int err = Ioctl(device, buf)) return err;
      std::memcpy(&header, buf, sizeof header);
      int n = header.link_mode_masks_nwords;
      if (n < 0 && header.cmd == ETHTOOL_GLINKSETTINGS) {
        nwords_ = std::min(-n, kMaxWords);
        continue;
      }
      if (n <= 0 || n != nwords_) return EPROTO;
      uint32_t masks[3 * kMaxWords];
      std::memcpy(masks, buf + sizeof header, sizeof(uint32_t) * 3 * n);
      out = DecodeLinkSettings(header.autoneg, masks, n);
      return 0;
    }
    return EPROTO;
  }

  // `words` u64s that end where a PROT_NONE page begins; kept between calls.
  uint64_t* GuardedBuffer(size_t words) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = (words * sizeof(uint64_t) + page - 1) / page * page;
    if (bytes > map_bytes_) {
      Unmap();
      void* p = mmap(nullptr, bytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return nullptr;
      map_ = static_cast<char*>(p);
      map_bytes_ = bytes;
      if (mprotect(map_ + bytes, page, PROT_NONE) != 0) {
        Unmap();
        return nullptr;
      }
    }
    return reinterpret_cast<uint64_t*>(map_ + map_bytes_ - words * sizeof(uint64_t));
  }

  void Unmap() {
    if (map_) munmap(map_, map_bytes_ + static_cast<size_t>(sysconf(_SC_PAGESIZE)));
    map_ = nullptr;
    map_bytes_ = 0;
  }

  int fd_;
  int nwords_ = 0;
  char* map_ = nullptr;
  size_t map_bytes_ = 0;  // accessible bytes; a guard page follows
};

}  // namespace

std::unique_ptr<EthtoolSource> NewIoctlEthtoolSource() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  return std::make_unique<IoctlEthtoolSource>(fd);
}

// --- Collector --------------------------------------------------------------------

namespace {

EthtoolOptions& FlagOptions() {
  static EthtoolOptions options;
  return options;
}

void AddEthtoolFlags(CLI::App& app) {
  auto& o = FlagOptions();
  app.add_option("--collector.ethtool.device-include", o.device_include,
                 "Regexp of ethtool devices to include (mutually exclusive to device-exclude).")
      ->group("ethtool collector");
  app.add_option("--collector.ethtool.device-exclude", o.device_exclude,
                 "Regexp of ethtool devices to exclude (mutually exclusive to device-include).")
      ->group("ethtool collector");
  app.add_option("--collector.ethtool.metrics-include", o.metrics_include,
                 "Regexp of ethtool stats to include, matched against the stat name with characters other than "
                 "[0-9A-Za-z_] replaced by '_' (e.g. bw_in_allowance_exceeded). Unlike node_exporter (default "
                 "'.*', every per-queue counter), the default keeps the EC2 ENA allowance counters "
                 "(bw_in/bw_out/pps/conntrack/linklocal_allowance_exceeded, conntrack_allowance_available) and "
                 "the generic error/drop counters; '.*' exports everything.")
      ->group("ethtool collector")
      ->capture_default_str();
}

std::string ErrnoName(int err) { return std::strerror(err); }

class EthtoolCollector : public Collector {
 public:
  EthtoolCollector(const Paths& paths, const EthtoolOptions& options, std::unique_ptr<EthtoolSource> source)
      : net_class_(paths.Sys("class/net")),
        filter_("collector.ethtool.device-exclude", options.device_exclude, "collector.ethtool.device-include",
                options.device_include),
        include_(Regex::ForFlag("collector.ethtool.metrics-include", options.metrics_include)),
        source_(std::move(source)) {
    if (!source_) {
      source_ = NewIoctlEthtoolSource();
      if (!source_) throw std::runtime_error("ethtool: cannot open a socket for SIOCETHTOOL: " + ErrnoName(errno));
    }
  }

  void Collect(MetricSet& out) override {
    std::vector<std::string> names;
    std::vector<ino_t> inodes;  // of names[i]
    if (int err = ListDevices(names, inodes); err != 0) {
      if (err == ENOENT || err == EACCES || err == EPERM) {
        return out.SetNoData("could not read " + net_class_ + ": " + ErrnoName(err));
      }
      throw std::runtime_error("could not get net class info: " + ErrnoName(err));
    }
    if (names.empty()) throw std::runtime_error("no network devices found");
    if (names != known_devices_) {
      // Rescan: forget devices that went away; new ones are learnt below.
      for (auto it = devices_.begin(); it != devices_.end();) {
        it = std::binary_search(names.begin(), names.end(), it->first) ? std::next(it) : devices_.erase(it);
      }
      known_devices_ = names;
    }
    for (size_t i = 0; i < names.size(); ++i) {
      const auto& device = names[i];
      if (filter_.Ignored(device)) continue;
      Device& d = devices_[device];
      if (ino_t ino = inodes[i]; d.sysfs_ino != ino) {
        // A new interface of that name (or the first scrape): its
        // sysfs entry is created anew, with a new inode number, each time
        // an interface is registered (a new ifindex); nothing cached for
        // the old one holds.
        d = Device{};
        d.sysfs_ino = ino;
      }
      Collect(out, device, d);
    }
  }

 private:
  // What a device's driver offers; kept until the device goes away. Driver
  // operations do not come and go while a driver is bound.
  struct Device {
    ino_t sysfs_ino = 0;  // of class/net/<device> when this was learnt
    bool link_unsupported = false;
    bool driver_info_unsupported = false;
    std::optional<EthtoolDriverInfo> driver_info;
    bool stats_unsupported = false;
    bool names_loaded = false;
    uint32_t stat_count = 0;
    std::vector<EthtoolStatSeries> plan;
  };

  // Sorted device names, and the inode numbers of their entries.
  int ListDevices(std::vector<std::string>& names, std::vector<ino_t>& inodes) {
    if (int err = net_class_dir_.List(entries_); err != 0) return err;
    names.reserve(entries_.size());
    inodes.reserve(entries_.size());
    for (auto& e : entries_) {
      if (e.type == DT_REG) continue;  // plain files such as bonding_masters are not devices
      names.push_back(std::move(e.name));
      inodes.push_back(e.ino);
    }
    return 0;
  }

  // node_exporter logs EOPNOTSUPP at debug level and other errors as errors.
  static void LogError(const char* what, const std::string& device, int err) {
    if (err == EOPNOTSUPP) {
      log::Debug(what, {{"device", device}, {"err", ErrnoName(err)}});
    } else {
      log::WarnOnce(fmt::format("ethtool:{}:{}:{}", what, device, err), what,
                    {{"device", device}, {"err", ErrnoName(err)}, {"errno", std::to_string(err)}});
    }
  }

  void Collect(MetricSet& out, const std::string& device, Device& d) {
    if (!d.link_unsupported) {
      EthtoolLinkInfo link;
      if (int err = source_->LinkInfo(device, link); err == 0) {
        AddEthtoolLinkMetrics(out, device, link);
      } else {
        LogError("ethtool link info error", device, err);
        d.link_unsupported = err == EOPNOTSUPP;
      }
    }

    if (!d.driver_info && !d.driver_info_unsupported) LoadDriverInfo(device, d);
    if (d.driver_info) {
      const auto& i = *d.driver_info;
      out.Gauge("node_ethtool_info",
                "A metric with a constant '1' value labeled by bus_info, device, driver, expansion_rom_version, "
                "firmware_version, version.",
                {{"bus_info", i.bus_info},
                 {"device", device},
                 {"driver", i.driver},
                 {"expansion_rom_version", i.expansion_rom_version},
                 {"firmware_version", i.firmware_version},
                 {"version", i.version}},
                1);
    }

    if (d.stats_unsupported) return;
    // Once the names are known, GSTATS alone says whether the count is
    // still theirs: the kernel answers with the driver's count of now.
    // (A driver whose count fell to zero since would draw the kernel's
    // WARN_ON_ONCE in ethtool_get_stats, which GSSET_INFO first avoids; no
    // driver with statistics known here loses all of them while bound.)
    uint32_t count = d.stat_count;
    if (!d.names_loaded || d.stat_count == 0) {
      if (int err = source_->StatCount(device, count); err != 0) {
        LogError("ethtool stats error", device, err);
        d.stats_unsupported = err == EOPNOTSUPP;
        return;
      }
    }
    // The count changes when the driver's queue count does (ethtool -L):
    // re-read the names then. A second try covers a change between calls.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (count == 0) return;  // no stats: nothing to export, as node_exporter
      if (!d.names_loaded || count != d.stat_count) {
        if (!LoadNames(device, d, count)) return;
      }
      if (int err = source_->StatValues(device, d.stat_count, values_); err != 0) {
        LogError("ethtool stats error", device, err);
        return;
      }
      if (values_.size() != d.stat_count) {
        count = static_cast<uint32_t>(values_.size());
        continue;
      }
      for (const auto& s : d.plan) {
        out.Untyped(s.metric, s.help, {{"device", device}}, static_cast<double>(values_[s.index]));
      }
      return;
    }
  }

  void LoadDriverInfo(const std::string& device, Device& d) {
    EthtoolDriverInfo info;
    if (int err = source_->DriverInfo(device, info); err == 0) {
      d.driver_info = std::move(info);
    } else {
      LogError("ethtool driver info error", device, err);
      d.driver_info_unsupported = err == EOPNOTSUPP;
    }
  }

  bool LoadNames(const std::string& device, Device& d, uint32_t count) {
    std::string raw;
    if (int err = source_->StatNames(device, count, raw); err != 0) {
      LogError("ethtool stats error", device, err);
      d.names_loaded = false;
      return false;
    }
    d.plan = PlanEthtoolStats(DecodeStatNames(raw, count), include_, device);
    if (d.names_loaded) {
      // A new stats layout means the driver was re-initialised: refresh its info too.
      d.driver_info.reset();
      d.driver_info_unsupported = false;
    }
    d.stat_count = count;
    d.names_loaded = true;
    return true;
  }

  std::string net_class_;
  // Kept open on a mounted sysfs, whose class/net is never replaced.
  DirLister net_class_dir_{net_class_, IsSysfsMount(net_class_)};
  std::vector<DirEntry> entries_;
  DeviceFilter filter_;
  Regex include_;
  std::unique_ptr<EthtoolSource> source_;
  std::vector<std::string> known_devices_;
  std::map<std::string, Device> devices_;
  std::vector<uint64_t> values_;
};

std::unique_ptr<Collector> CreateEthtool(const Paths& paths) {
  return NewEthtoolCollector(paths, FlagOptions());
}

// Enabled by default, unlike node_exporter: the ENA allowance counters are the
// only place EC2 network throttling shows.
NODE_AGENT_REGISTER_COLLECTOR("ethtool", kEnabledByDefault, &AddEthtoolFlags, &CreateEthtool);

}  // namespace

std::unique_ptr<Collector> NewEthtoolCollector(const Paths& paths, const EthtoolOptions& options,
                                               std::unique_ptr<EthtoolSource> source) {
  return std::make_unique<EthtoolCollector>(paths, options, std::move(source));
}

}  // namespace node_agent
