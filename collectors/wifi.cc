#include "collectors/wifi.h"

#include <fmt/format.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/go_json.h"
#include "lib/log.h"
#include "lib/netlink.h"

namespace node_agent {

std::string FormatMac(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i) out.push_back(':');
    auto b = static_cast<unsigned char>(raw[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

namespace {

// Length of the valid UTF-8 sequence at the start of `s` (Go's
// utf8.DecodeRune rules: no overlong forms, no surrogates, at most
// U+10FFFF), 0 when invalid.
size_t ValidRuneLen(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || s.size() < n) return 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c == 0xE0) lo = 0xA0;
  if (c == 0xED) hi = 0x9F;
  if (c == 0xF0) lo = 0x90;
  if (c == 0xF4) hi = 0x8F;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string DecodeSsid(std::string_view raw) {
  std::string out;
  while (!raw.empty()) {
    size_t n = ValidRuneLen(raw);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(raw.substr(0, n));
    }
    raw.remove_prefix(n);
  }
  return out;
}

// ---------------------------------------------------------------------------
// nl80211 messages

namespace {

template <typename T>
bool GetU(const nlattr* a, int64_t& out) {
  T v;
  if (!NlGet(a, v)) return false;
  out = static_cast<int64_t>(v);
  return true;
}

// Bitrate of a nested NL80211_STA_INFO_{RX,TX}_BITRATE, in bits per second:
// the 32-bit value where present, else the 16-bit one (units of 100 kbit/s).
int64_t RateInfoBitrate(const nlattr* a) {
  NlAttrs tb(NL80211_RATE_INFO_MAX);
  if (!tb.ParseNested(a)) return 0;
  int64_t rate = 0;
  if (!GetU<uint32_t>(tb[NL80211_RATE_INFO_BITRATE32], rate)) {
    GetU<uint16_t>(tb[NL80211_RATE_INFO_BITRATE], rate);
  }
  return rate * 100 * 1000;
}

// Go's decode of a field it finds: a payload too short for its type panics
// there; here the item is malformed.
bool StationInfoFields(const nlattr* sta_info, WifiStation& st) {
  NlAttrs tb(NL80211_STA_INFO_MAX);
  if (!tb.ParseNested(sta_info)) return false;
  bool ok = true;
  auto u32 = [&](int type, int64_t& out) {
    if (tb[type]) ok = GetU<uint32_t>(tb[type], out) && ok;
  };
  int64_t secs = 0, ms = 0;
  u32(NL80211_STA_INFO_CONNECTED_TIME, secs);
  u32(NL80211_STA_INFO_INACTIVE_TIME, ms);
  st.connected_ns = secs * 1000000000;
  st.inactive_ns = ms * 1000000;
  // The 64-bit byte counters where present, else the 32-bit ones.
  if (tb[NL80211_STA_INFO_RX_BYTES64]) {
    ok = GetU<uint64_t>(tb[NL80211_STA_INFO_RX_BYTES64], st.rx_bytes) && ok;
  } else {
    u32(NL80211_STA_INFO_RX_BYTES, st.rx_bytes);
  }
  if (tb[NL80211_STA_INFO_TX_BYTES64]) {
    ok = GetU<uint64_t>(tb[NL80211_STA_INFO_TX_BYTES64], st.tx_bytes) && ok;
  } else {
    u32(NL80211_STA_INFO_TX_BYTES, st.tx_bytes);
  }
  if (const nlattr* s = tb[NL80211_STA_INFO_SIGNAL]) {
    int8_t v;
    ok = NlGet(s, v) && ok;
    if (ok) st.signal = v;
  }
  u32(NL80211_STA_INFO_RX_PACKETS, st.rx_packets);
  u32(NL80211_STA_INFO_TX_PACKETS, st.tx_packets);
  u32(NL80211_STA_INFO_TX_RETRIES, st.tx_retries);
  u32(NL80211_STA_INFO_TX_FAILED, st.tx_failed);
  u32(NL80211_STA_INFO_BEACON_LOSS, st.beacon_loss);
  if (tb[NL80211_STA_INFO_RX_BITRATE]) st.rx_bitrate = RateInfoBitrate(tb[NL80211_STA_INFO_RX_BITRATE]);
  if (tb[NL80211_STA_INFO_TX_BITRATE]) st.tx_bitrate = RateInfoBitrate(tb[NL80211_STA_INFO_TX_BITRATE]);
  return ok;
}

// The SSID information element of a BSS's IEs; false when they are malformed.
bool SsidFromIes(std::string_view ies, std::string& ssid) {
  constexpr unsigned char kIeSsid = 0;
  while (!ies.empty()) {
    if (ies.size() < 2) return false;
    auto id = static_cast<unsigned char>(ies[0]);
    size_t len = static_cast<unsigned char>(ies[1]);
    ies.remove_prefix(2);
    if (ies.size() < len) return false;
    if (id == kIeSsid) ssid = DecodeSsid(ies.substr(0, len));
    ies.remove_prefix(len);
  }
  return true;
}

}  // namespace

bool ParseWifiInterfaces(std::string_view bytes, std::vector<WifiInterface>& out,
                         std::vector<std::string>& skipped) {
  out.clear();
  NlMessages msgs(bytes);
  NlAttrs tb(NL80211_ATTR_MAX);
  return msgs.ForEach([&](const nlmsghdr* hdr) {
    if (!tb.ParseMessage(hdr, GENL_HDRLEN)) {
      skipped.push_back("malformed nl80211 interface message");
      return;
    }
    WifiInterface ifi;
    bool ok = true;
    auto u32 = [&](int type, int64_t& v) {
      if (tb[type]) ok = GetU<uint32_t>(tb[type], v) && ok;
    };
    u32(NL80211_ATTR_IFINDEX, ifi.index);
    u32(NL80211_ATTR_IFTYPE, ifi.type);
    u32(NL80211_ATTR_WIPHY_FREQ, ifi.frequency);
    if (tb[NL80211_ATTR_IFNAME]) ifi.name = NlString(tb[NL80211_ATTR_IFNAME]);
    if (tb[NL80211_ATTR_MAC]) ifi.hwaddr = std::string(NlPayload(tb[NL80211_ATTR_MAC]));
    if (!ok) {
      skipped.push_back(fmt::format("nl80211 interface {:?}: attribute too short", ifi.name));
      return;
    }
    out.push_back(std::move(ifi));
  });
}

bool ParseWifiBss(std::string_view bytes, std::optional<WifiBss>& out) {
  out.reset();
  NlMessages msgs(bytes);
  NlAttrs tb(NL80211_ATTR_MAX);
  NlAttrs bss_tb(NL80211_BSS_MAX);
  bool ok = true;
  bool walked = msgs.ForEach([&](const nlmsghdr* hdr) {
    if (out || !ok || !tb.ParseMessage(hdr, GENL_HDRLEN)) return;
    if (!tb[NL80211_ATTR_BSS] || !bss_tb.ParseNested(tb[NL80211_ATTR_BSS])) return;
    if (!bss_tb[NL80211_BSS_STATUS]) return;
    WifiBss bss;
    bss.bssid = std::string(NlPayload(bss_tb[NL80211_BSS_BSSID]));
    uint32_t status = 0;
    if (!NlGet(bss_tb[NL80211_BSS_STATUS], status) ||
        (bss_tb[NL80211_BSS_INFORMATION_ELEMENTS] &&
         !SsidFromIes(NlPayload(bss_tb[NL80211_BSS_INFORMATION_ELEMENTS]), bss.ssid))) {
      ok = false;
      return;
    }
    bss.status = status;
    out = std::move(bss);
  });
  return walked && ok;
}

WifiStationsResult ParseWifiStations(std::string_view bytes, std::vector<WifiStation>& out) {
  out.clear();
  NlMessages msgs(bytes);
  NlAttrs tb(NL80211_ATTR_MAX);
  WifiStationsResult result = WifiStationsResult::kOk;
  bool walked = msgs.ForEach([&](const nlmsghdr* hdr) {
    if (result != WifiStationsResult::kOk) return;
    if (!tb.ParseMessage(hdr, GENL_HDRLEN)) {
      result = WifiStationsResult::kMalformed;
      return;
    }
    if (!tb[NL80211_ATTR_STA_INFO]) {
      result = WifiStationsResult::kNotExist;
      return;
    }
    WifiStation st;
    st.hwaddr = std::string(NlPayload(tb[NL80211_ATTR_MAC]));
    if (!StationInfoFields(tb[NL80211_ATTR_STA_INFO], st)) {
      result = WifiStationsResult::kMalformed;
      return;
    }
    out.push_back(std::move(st));
  });
  if (!walked) return WifiStationsResult::kMalformed;
  if (result != WifiStationsResult::kOk) out.clear();
  return result;
}

// ---------------------------------------------------------------------------
// JSON fixtures

namespace {

namespace gj = gojson;

constexpr int64_t kI64Min = INT64_MIN, kI64Max = INT64_MAX;

bool ParseJsonDoc(std::string_view json, gj::Json& doc, std::string& error) {
  doc = gj::Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    error = "invalid JSON";
    return false;
  }
  return true;
}

bool Ints(const gj::Json& obj, std::initializer_list<std::pair<const char*, int64_t*>> fields) {
  for (auto& [name, out] : fields) {
    if (!gj::Int(gj::Field(obj, name), kI64Min, kI64Max, *out)) return false;
  }
  return true;
}

}  // namespace

bool ParseWifiInterfacesJson(std::string_view json, std::vector<WifiInterface>& out, std::string& error) {
  out.clear();
  gj::Json doc;
  if (!ParseJsonDoc(json, doc, error)) return false;
  if (doc.is_null()) return true;
  if (!doc.is_array()) {
    error = "cannot unmarshal into []*wifi.Interface";
    return false;
  }
  for (const gj::Json& item : doc) {
    if (item.is_null()) continue;  // a nil *Interface: node_exporter would crash on it
    WifiInterface ifi;
    if (!item.is_object() || !gj::String(gj::Field(item, "Name"), ifi.name) ||
        !gj::Bytes(gj::Field(item, "HardwareAddr"), ifi.hwaddr) ||
        !Ints(item, {{"Index", &ifi.index}, {"Type", &ifi.type}, {"Frequency", &ifi.frequency}})) {
      error = "cannot unmarshal into wifi.Interface";
      return false;
    }
    out.push_back(std::move(ifi));
  }
  return true;
}

bool ParseWifiBssJson(std::string_view json, WifiBss& out, std::string& error) {
  out = WifiBss{};
  gj::Json doc;
  if (!ParseJsonDoc(json, doc, error)) return false;
  if (doc.is_null()) return true;
  if (!doc.is_object() || !gj::String(gj::Field(doc, "SSID"), out.ssid) ||
      !gj::Bytes(gj::Field(doc, "BSSID"), out.bssid) || !Ints(doc, {{"Status", &out.status}})) {
    error = "cannot unmarshal into wifi.BSS";
    return false;
  }
  return true;
}

bool ParseWifiStationsJson(std::string_view json, std::vector<WifiStation>& out, std::string& error) {
  out.clear();
  gj::Json doc;
  if (!ParseJsonDoc(json, doc, error)) return false;
  if (doc.is_null()) return true;
  if (!doc.is_array()) {
    error = "cannot unmarshal into []*wifi.StationInfo";
    return false;
  }
  for (const gj::Json& item : doc) {
    if (item.is_null()) continue;
    WifiStation st;
    if (!item.is_object() || !gj::Bytes(gj::Field(item, "HardwareAddr"), st.hwaddr) ||
        !Ints(item, {{"Connected", &st.connected_ns},
                     {"Inactive", &st.inactive_ns},
                     {"ReceivedBytes", &st.rx_bytes},
                     {"TransmittedBytes", &st.tx_bytes},
                     {"ReceivedPackets", &st.rx_packets},
                     {"TransmittedPackets", &st.tx_packets},
                     {"ReceiveBitrate", &st.rx_bitrate},
                     {"TransmitBitrate", &st.tx_bitrate},
                     {"Signal", &st.signal},
                     {"TransmitRetries", &st.tx_retries},
                     {"TransmitFailed", &st.tx_failed},
                     {"BeaconLoss", &st.beacon_loss}})) {
      error = "cannot unmarshal into wifi.StationInfo";
      return false;
    }
    out.push_back(std::move(st));
  }
  return true;
}

// ---------------------------------------------------------------------------
// Metrics

void AddWifiInterfaceMetrics(const WifiInterface& ifi, MetricSet& out) {
  out.Gauge("node_wifi_interface_frequency_hertz",
            "The current frequency a WiFi interface is operating at, in hertz.", {{"device", ifi.name}},
            static_cast<double>(ifi.frequency) * 1000 * 1000);
}

void AddWifiBssMetrics(const std::string& device, const WifiBss& bss, MetricSet& out) {
  // mdlayher/wifi's BSSStatus: authenticated, associated, not associated,
  // IBSS joined.
  const char* mode = bss.status == 0 || bss.status == 1 ? "client" : bss.status == 3 ? "ad-hoc" : "unknown";
  out.Gauge("node_wifi_station_info",
            "Labeled WiFi interface station information as provided by the operating system.",
            {{"bssid", FormatMac(bss.bssid)}, {"device", device}, {"mode", mode}, {"ssid", bss.ssid}}, 1);
}

void AddWifiStationMetrics(const std::string& device, const WifiStation& st, MetricSet& out) {
  std::string mac = FormatMac(st.hwaddr);
  auto labels = [&] { return Labels{{"device", device}, {"mac_address", mac}}; };
  auto d = [](int64_t v) { return static_cast<double>(v); };
  out.Counter("node_wifi_station_connected_seconds_total",
              "The total number of seconds a station has been connected to an access point.", labels(),
              d(st.connected_ns) / 1e9);
  out.Gauge("node_wifi_station_inactive_seconds",
            "The number of seconds since any wireless activity has occurred on a station.", labels(),
            d(st.inactive_ns) / 1e9);
  out.Gauge("node_wifi_station_receive_bits_per_second",
            "The current WiFi receive bitrate of a station, in bits per second.", labels(), d(st.rx_bitrate));
  out.Gauge("node_wifi_station_transmit_bits_per_second",
            "The current WiFi transmit bitrate of a station, in bits per second.", labels(), d(st.tx_bitrate));
  out.Counter("node_wifi_station_receive_bytes_total", "The total number of bytes received by a WiFi station.",
              labels(), d(st.rx_bytes));
  out.Counter("node_wifi_station_transmit_bytes_total",
              "The total number of bytes transmitted by a WiFi station.", labels(), d(st.tx_bytes));
  out.Gauge("node_wifi_station_signal_dbm", "The current WiFi signal strength, in decibel-milliwatts (dBm).",
            labels(), d(st.signal));
  out.Counter("node_wifi_station_transmit_retries_total",
              "The total number of times a station has had to retry while sending a packet.", labels(),
              d(st.tx_retries));
  out.Counter("node_wifi_station_transmit_failed_total",
              "The total number of times a station has failed to send a packet.", labels(), d(st.tx_failed));
  out.Counter("node_wifi_station_beacon_loss_total",
              "The total number of times a station has detected a beacon loss.", labels(), d(st.beacon_loss));
  out.Counter("node_wifi_station_transmitted_packets_total",
              "The total number of packets transmitted by a station.", labels(), d(st.tx_packets));
  out.Counter("node_wifi_station_received_packets_total", "The total number of packets received by a station.",
              labels(), d(st.rx_packets));
}

// ---------------------------------------------------------------------------
// Collector

namespace {

// Where the data comes from: nl80211, or node_exporter's mock fixtures. Each
// call returns 0, ENOENT (node_exporter's os.ErrNotExist: that part is
// skipped) or another errno, with `error` describing a failure.
class WifiSource {
 public:
  virtual ~WifiSource() = default;
  virtual int Interfaces(std::vector<WifiInterface>& out, std::string& error) = 0;
  virtual int Bss(const WifiInterface& ifi, std::optional<WifiBss>& out, std::string& error) = 0;
  virtual int Stations(const WifiInterface& ifi, std::vector<WifiStation>& out, std::string& error) = 0;
};

class FixtureSource : public WifiSource {
 public:
  explicit FixtureSource(std::string dir) : dir_(std::move(dir)) {}
  int Interfaces(std::vector<WifiInterface>& out, std::string& error) override {
    return Read("interfaces.json", error, [&](const std::string& s) { return ParseWifiInterfacesJson(s, out, error); });
  }
  int Bss(const WifiInterface& ifi, std::optional<WifiBss>& out, std::string& error) override {
    WifiBss bss;
    int err = Read(ifi.name + "/bss.json", error, [&](const std::string& s) { return ParseWifiBssJson(s, bss, error); });
    if (err == 0) out = bss;
    return err;
  }
  int Stations(const WifiInterface& ifi, std::vector<WifiStation>& out, std::string& error) override {
    return Read(ifi.name + "/stationinfo.json", error,
                [&](const std::string& s) { return ParseWifiStationsJson(s, out, error); });
  }

 private:
  template <typename Parse>
  int Read(const std::string& rel, std::string& error, Parse&& parse) {
    std::string path = dir_ + "/" + rel, content;
    int err = 0;
    if (!ReadFile(path, content, &err)) {
      error = fmt::format("open {}: {}", path, std::strerror(err));
      return err ? err : EIO;
    }
    if (!parse(content)) {
      error = path + ": " + error;
      return EINVAL;
    }
    return 0;
  }
  std::string dir_;
};

class Nl80211Source : public WifiSource {
 public:
  // 0, or the errno of the family lookup (ENOENT: no nl80211 here).
  int Open(std::string& error) {
    family_ = sock_.GenlFamily(NL80211_GENL_NAME);
    if (family_ < 0) {
      error = std::strerror(-family_);
      return -family_;
    }
    return 0;
  }
  int Interfaces(std::vector<WifiInterface>& out, std::string& error) override {
    int err = sock_.GenlRequest(family_, NL80211_CMD_GET_INTERFACE, 0, NLM_F_DUMP, {}, dump_);
    if (err == 0 && !ParseWifiInterfaces(dump_, out, skipped_)) err = EPROTO;
    ReportSkipped("wifi", "nl80211 interfaces", skipped_);
    skipped_.clear();
    if (err != 0) error = std::strerror(err);
    return err;
  }
  int Bss(const WifiInterface& ifi, std::optional<WifiBss>& out, std::string& error) override {
    int err = sock_.GenlRequest(family_, NL80211_CMD_GET_SCAN, 0, NLM_F_DUMP, IdAttrs(ifi), dump_);
    if (err == 0 && !ParseWifiBss(dump_, out)) err = EPROTO;
    if (err == 0 && !out) err = ENOENT;
    if (err != 0) error = std::strerror(err);
    return err;
  }
  int Stations(const WifiInterface& ifi, std::vector<WifiStation>& out, std::string& error) override {
    int err = sock_.GenlRequest(family_, NL80211_CMD_GET_STATION, 0, NLM_F_DUMP, IdAttrs(ifi), dump_);
    if (err == 0) {
      switch (ParseWifiStations(dump_, out)) {
        case WifiStationsResult::kOk: break;
        case WifiStationsResult::kNotExist: err = ENOENT; break;
        case WifiStationsResult::kMalformed: err = EPROTO; break;
      }
    }
    if (err != 0) error = std::strerror(err);
    return err;
  }

 private:
  // The interface's index and, where it has one, its MAC, as mdlayher/wifi sends.
  static std::string IdAttrs(const WifiInterface& ifi) {
    std::string attrs;
    AppendNlAttrU32(attrs, NL80211_ATTR_IFINDEX, static_cast<uint32_t>(ifi.index));
    if (!ifi.hwaddr.empty()) AppendNlAttr(attrs, NL80211_ATTR_MAC, ifi.hwaddr.data(), ifi.hwaddr.size());
    return attrs;
  }

  NetlinkSocket sock_{NETLINK_GENERIC};
  int family_ = -1;
  std::string dump_;
  std::vector<std::string> skipped_;
};

class WifiCollector : public Collector {
 public:
  explicit WifiCollector(std::string fixtures) : fixtures_(std::move(fixtures)) {}

  void Collect(MetricSet& out) override {
    std::string error;
    WifiSource* src = nullptr;
    FixtureSource fixture(fixtures_);
    if (!fixtures_.empty()) {
      src = &fixture;
    } else {
      if (int err = nl_.Open(error); err != 0) {
        if (err == ENOENT || err == EACCES || err == EPERM || err == EPROTONOSUPPORT) {
          return out.SetNoData("wifi collector metrics are not available for this system");
        }
        throw std::runtime_error("failed to access wifi data: " + error);
      }
      src = &nl_;
    }
    if (src->Interfaces(ifis_, error) != 0) {
      throw std::runtime_error("failed to retrieve wifi interfaces: " + error);
    }
    for (const WifiInterface& ifi : ifis_) {
      if (ifi.name.empty()) continue;  // some virtual devices have no name
      AddWifiInterfaceMetrics(ifi, out);
      std::optional<WifiBss> bss;
      int err = src->Bss(ifi, bss, error);
      if (err == 0 && bss) {
        AddWifiBssMetrics(ifi.name, *bss, out);
      } else if (err != ENOENT) {
        throw std::runtime_error(fmt::format("failed to retrieve BSS for device {}: {}", ifi.name, error));
      }
      err = src->Stations(ifi, stations_, error);
      if (err == 0) {
        for (const WifiStation& st : stations_) AddWifiStationMetrics(ifi.name, st, out);
      } else if (err != ENOENT) {
        throw std::runtime_error(
            fmt::format("failed to retrieve station info for device {:?}: {}", ifi.name, error));
      }
    }
  }

 private:
  std::string fixtures_;
  Nl80211Source nl_;
  std::vector<WifiInterface> ifis_;
  std::vector<WifiStation> stations_;
};

std::string& FixturesFlag() {
  static std::string fixtures;
  return fixtures;
}

void AddWifiFlags(CLI::App& app) {
  app.add_option("--collector.wifi.fixtures", FixturesFlag(), "test fixtures to use for wifi collector metrics")
      ->group("wifi collector");
}

std::unique_ptr<Collector> CreateWifi(const Paths&) { return NewWifiCollector(FixturesFlag()); }

NODE_AGENT_REGISTER_COLLECTOR("wifi", kDisabledByDefault, &AddWifiFlags, &CreateWifi);

}  // namespace

std::unique_ptr<Collector> NewWifiCollector(const std::string& fixtures) {
  return std::make_unique<WifiCollector>(fixtures);
}

}  // namespace node_agent
