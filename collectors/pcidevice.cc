#include "collectors/pcidevice.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/go_compat.h"
#include "lib/log.h"
#include "lib/sysfs_link.h"

namespace node_agent {

namespace {

// Go's fmt %0<width>x of an int: the sign takes one of the padded places.
std::string GoHex(int64_t v, int width) {
  uint64_t mag = v < 0 ? static_cast<uint64_t>(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string digits = fmt::format("{:x}", mag);
  int pad = width - static_cast<int>(digits.size()) - (v < 0 ? 1 : 0);
  std::string out = v < 0 ? "-" : "";
  if (pad > 0) out.append(static_cast<size_t>(pad), '0');
  return out + digits;
}

}  // namespace

std::optional<PciLocation> ParsePciLocation(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ':') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 3) return std::nullopt;
  std::string_view last = parts[2];
  auto dot = last.find('.');
  if (dot == std::string_view::npos || last.find('.', dot + 1) != std::string_view::npos) return std::nullopt;
  parts[2] = last.substr(0, dot);
  parts.push_back(last.substr(dot + 1));
  std::array<int64_t, 4> v{};
  for (size_t i = 0; i < 4; ++i) {
    auto n = ParseGoInt(parts[i], 16, 32);
    if (!n) return std::nullopt;
    v[i] = *n;
  }
  return PciLocation{v[0], v[1], v[2], v[3]};
}

std::array<std::string, 4> PciLocationLabels(const PciLocation& loc) {
  return {GoHex(loc.segment, 4), GoHex(loc.bus, 2), GoHex(loc.device, 2), GoHex(loc.function, 0)};
}

namespace {

// "8.0 GT/s PCIe" -> 8.0 (procfs: split after the first space, the rest must
// be exactly the unit).
std::optional<double> ParseLinkSpeed(std::string_view v) {
  auto sp = v.find(' ');
  if (sp == std::string_view::npos || v.substr(sp + 1) != "GT/s PCIe") return std::nullopt;
  return ParseGoFloat(GoTrimSpace(v.substr(0, sp + 1)));
}

bool SetIdentity(PciDevice& dev, std::string_view file, std::string_view value) {
  auto v = ParseGoInt(value, 0, 32);
  if (!v) return false;
  auto u = static_cast<uint32_t>(*v);
  if (file == "class") dev.class_id = u;
  else if (file == "vendor") dev.vendor = u;
  else if (file == "device") dev.device = u;
  else if (file == "subsystem_vendor") dev.subsystem_vendor = u;
  else if (file == "subsystem_device") dev.subsystem_device = u;
  else if (file == "revision") dev.revision = u;
  return true;
}

bool SetLink(PciDevice& dev, std::string_view file, std::string_view value) {
  // Devices may leave these empty or "Unknown" (pci_speed_string).
  if (value.empty() || value.substr(0, 7) == "Unknown") return true;
  if (file == "max_link_speed" || file == "current_link_speed") {
    auto v = ParseLinkSpeed(value);
    if (!v) return false;
    (file == "max_link_speed" ? dev.max_link_speed : dev.current_link_speed) = v;
    return true;
  }
  if (file == "numa_node") {
    dev.numa_node = ParseGoInt(value, 10, 32);
    return dev.numa_node.has_value();
  }
  auto v = ParseGoInt(value, 10, 64);
  if (!v) return false;
  (file == "max_link_width" ? dev.max_link_width : dev.current_link_width) = static_cast<double>(*v);
  return true;
}

bool SetSriovOrPower(PciDevice& dev, std::string_view file, std::string_view value) {
  value = GoTrimSpace(value);
  if (value.empty()) return true;
  if (file == "sriov_drivers_autoprobe" || file == "d3cold_allowed") {
    auto v = ParseGoInt(value, 10, 32);
    if (!v) return false;
    (file == "d3cold_allowed" ? dev.d3cold_allowed : dev.sriov_drivers_autoprobe) = *v != 0;
    return true;
  }
  if (file == "power_state") {
    dev.power_state = std::string(value);
    return true;
  }
  if (file == "sriov_vf_device") return ParseGoUint(value, 16, 32).has_value();
  auto v = ParseGoUint(value, 10, file == "sriov_vf_total_msix" ? 64 : 32);
  if (!v) return false;
  if (file == "sriov_numvfs") dev.sriov_numvfs = v;
  else if (file == "sriov_totalvfs") dev.sriov_totalvfs = v;
  else if (file == "sriov_vf_total_msix") dev.sriov_vf_total_msix = v;
  return true;  // sriov_offset, sriov_stride: parsed, not exported
}

}  // namespace

bool SetPciDeviceAttribute(PciDevice& dev, std::string_view file, std::string_view value) {
  for (std::string_view f : kPciRequiredFiles) {
    if (f == file) return SetIdentity(dev, file, value);
  }
  if (file == "max_link_speed" || file == "max_link_width" || file == "current_link_speed" ||
      file == "current_link_width" || file == "numa_node") {
    return SetLink(dev, file, value);
  }
  for (std::string_view f : kPciOptionalFiles) {
    if (f == file) return SetSriovOrPower(dev, file, value);
  }
  return false;
}

// ---------------------------------------------------------------------------
// pci.ids

namespace {

std::string_view TrimHexPrefix(std::string_view s) { return s.substr(0, 2) == "0x" ? s.substr(2) : s; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// strings.SplitN(line, "  ", 2): false when there is no double space.
bool SplitName(std::string_view line, std::string_view& id, std::string_view& name) {
  auto pos = line.find("  ");
  if (pos == std::string_view::npos) return false;
  id = line.substr(0, pos);
  name = line.substr(pos + 2);
  return true;
}

struct PciIdsParser {
  PciIds ids;
  std::string vendor, device, base_class, subclass;
  bool in_class = false;

  void Line(std::string_view line);
};

void PciIdsParser::Line(std::string_view line) {
  std::string_view id, name;
  if (StartsWith(line, "C ")) {
    if (SplitName(line, id, name)) {
      base_class = std::string(GoTrimSpace(id.substr(1)));
      ids.classes[base_class] = ToValidUtf8(GoTrimSpace(name));
      in_class = true;
    }
    return;
  }
  bool tab1 = StartsWith(line, "\t"), tab2 = StartsWith(line, "\t\t"), tab3 = StartsWith(line, "\t\t\t");
  if (tab1 && !tab2 && in_class) {
    if (SplitName(line.substr(1), id, name) && !base_class.empty()) {
      subclass = base_class + std::string(GoTrimSpace(id));
      ids.subclasses[subclass] = ToValidUtf8(GoTrimSpace(name));
    }
    return;
  }
  if (tab2 && !tab3 && in_class) {
    if (SplitName(line.substr(2), id, name) && !subclass.empty()) {
      ids.prog_ifs[subclass + std::string(GoTrimSpace(id))] = ToValidUtf8(GoTrimSpace(name));
    }
    return;
  }
  if (!tab1) {
    if (SplitName(line, id, name)) {
      vendor = std::string(GoTrimSpace(id));
      ids.vendors[vendor] = ToValidUtf8(GoTrimSpace(name));
      device.clear();
      in_class = false;
    }
    return;
  }
  if (!tab2) {
    if (SplitName(line.substr(1), id, name) && !vendor.empty()) {
      device = std::string(GoTrimSpace(id));
      ids.devices[vendor][device] = ToValidUtf8(GoTrimSpace(name));
    }
    return;
  }
  if (SplitName(line.substr(2), id, name) && !vendor.empty() && !device.empty()) {
    auto& subs = ids.subsystems[vendor + ":" + device];
    auto f = Fields(GoTrimSpace(id));
    if (f.size() == 2) subs[std::string(f[0]) + ":" + std::string(f[1])] = ToValidUtf8(GoTrimSpace(name));
  }
}

}  // namespace

PciIds ParsePciIds(std::string_view content) {
  constexpr size_t kMaxLine = 64 * 1024;  // bufio.MaxScanTokenSize
  PciIdsParser p;
  while (!content.empty()) {
    size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    if (line.size() >= kMaxLine) break;
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    p.Line(line);
  }
  return std::move(p.ids);
}

std::string PciIds::VendorName(std::string_view vendor_id) const {
  std::string id = Lower(TrimHexPrefix(vendor_id));
  auto it = vendors.find(id);
  return it != vendors.end() ? it->second : id;
}

std::string PciIds::DeviceName(std::string_view vendor_id, std::string_view device_id) const {
  std::string v = Lower(TrimHexPrefix(vendor_id)), d = Lower(TrimHexPrefix(device_id));
  if (auto it = devices.find(v); it != devices.end()) {
    if (auto jt = it->second.find(d); jt != it->second.end()) return jt->second;
  }
  return d;
}

std::string PciIds::SubsystemName(std::string_view vendor_id, std::string_view device_id,
                                  std::string_view subsystem_vendor_id, std::string_view subsystem_device_id) const {
  std::string key = fmt::format("{}:{}", TrimHexPrefix(vendor_id), TrimHexPrefix(device_id));
  std::string sub = fmt::format("{}:{}", TrimHexPrefix(subsystem_vendor_id), TrimHexPrefix(subsystem_device_id));
  if (auto it = subsystems.find(key); it != subsystems.end()) {
    if (auto jt = it->second.find(sub); jt != it->second.end()) return jt->second;
  }
  return std::string(TrimHexPrefix(subsystem_device_id));
}

std::string PciIds::ClassName(std::string_view class_id) const {
  std::string id = Lower(TrimHexPrefix(class_id));
  const std::pair<size_t, const std::unordered_map<std::string, std::string>*> levels[] = {
      {6, &prog_ifs}, {4, &subclasses}, {2, &classes}};
  for (const auto& [len, map] : levels) {
    if (id.size() < len) continue;
    if (auto it = map->find(id.substr(0, len)); it != map->end()) return it->second;
  }
  return "Unknown class (" + id + ")";
}

// ---------------------------------------------------------------------------
// metrics

void AddPciDeviceMetrics(const PciDevice& dev, const PciIds* names, MetricSet& out) {
  auto loc = PciLocationLabels(dev.location);
  std::array<std::string, 4> parent = {"*", "*", "*", "*"};
  if (dev.parent) parent = PciLocationLabels(*dev.parent);
  std::string class_id = fmt::format("0x{:06x}", dev.class_id);
  std::string vendor_id = fmt::format("0x{:04x}", dev.vendor);
  std::string device_id = fmt::format("0x{:04x}", dev.device);
  std::string sub_vendor_id = fmt::format("0x{:04x}", dev.subsystem_vendor);
  std::string sub_device_id = fmt::format("0x{:04x}", dev.subsystem_device);
  // Label pairs in name order, as client_golang writes them.
  Labels info;
  info.push_back({"bus", loc[1]});
  info.push_back({"class_id", class_id});
  if (names) info.push_back({"class_name", names->ClassName(class_id)});
  info.push_back({"device", loc[2]});
  info.push_back({"device_id", device_id});
  if (names) info.push_back({"device_name", names->DeviceName(vendor_id, device_id)});
  info.push_back({"function", loc[3]});
  info.push_back({"parent_bus", parent[1]});
  info.push_back({"parent_device", parent[2]});
  info.push_back({"parent_function", parent[3]});
  info.push_back({"parent_segment", parent[0]});
  info.push_back({"revision", fmt::format("0x{:02x}", dev.revision)});
  info.push_back({"segment", loc[0]});
  info.push_back({"subsystem_device_id", sub_device_id});
  if (names) {
    info.push_back(
        {"subsystem_device_name", names->SubsystemName(vendor_id, device_id, sub_vendor_id, sub_device_id)});
  }
  info.push_back({"subsystem_vendor_id", sub_vendor_id});
  if (names) info.push_back({"subsystem_vendor_name", names->VendorName(sub_vendor_id)});
  info.push_back({"vendor_id", vendor_id});
  if (names) info.push_back({"vendor_name", names->VendorName(vendor_id)});
  out.Gauge("node_pcidevice_info", "Non-numeric data from /sys/bus/pci/devices/<location>, value is always 1.",
            std::move(info), 1);

  const Labels labels = {{"bus", loc[1]}, {"device", loc[2]}, {"function", loc[3]}, {"segment", loc[0]}};
  auto gauge = [&](std::string_view name, std::string_view help, double v) { out.Gauge(name, help, labels, v); };
  auto or_value = [](const auto& opt, double dflt) { return opt ? static_cast<double>(*opt) : dflt; };
  gauge("node_pcidevice_max_link_transfers_per_second", "Value of maximum link's transfers per second (T/s)",
        dev.max_link_speed ? *dev.max_link_speed * 1e9 : -1);
  gauge("node_pcidevice_max_link_width", "Value of maximum link's width (number of lanes)",
        or_value(dev.max_link_width, -1));
  gauge("node_pcidevice_current_link_transfers_per_second", "Value of current link's transfers per second (T/s)",
        dev.current_link_speed ? *dev.current_link_speed * 1e9 : -1);
  gauge("node_pcidevice_current_link_width", "Value of current link's width (number of lanes)",
        or_value(dev.current_link_width, -1));
  gauge("node_pcidevice_d3cold_allowed", "Whether the PCIe device supports D3cold power state (0/1).",
        or_value(dev.d3cold_allowed, 0));
  gauge("node_pcidevice_sriov_drivers_autoprobe", "Whether SR-IOV drivers autoprobe is enabled for the device (0/1).",
        or_value(dev.sriov_drivers_autoprobe, 0));
  gauge("node_pcidevice_sriov_numvfs", "Number of Virtual Functions (VFs) currently enabled for SR-IOV.",
        or_value(dev.sriov_numvfs, 0));
  gauge("node_pcidevice_sriov_totalvfs", "Total number of Virtual Functions (VFs) supported by the device.",
        or_value(dev.sriov_totalvfs, 0));
  gauge("node_pcidevice_sriov_vf_total_msix", "Total number of MSI-X vectors for Virtual Functions.",
        or_value(dev.sriov_vf_total_msix, 0));
  if (dev.power_state) {
    for (std::string_view state : {"D0", "D1", "D2", "D3hot", "D3cold", "unknown", "error"}) {
      Labels l = labels;
      l.push_back({"state", std::string(state)});
      out.Gauge("node_pcidevice_power_state",
                "PCIe device power state, one of: D0, D1, D2, D3hot, D3cold, unknown or error.", std::move(l),
                *dev.power_state == state ? 1 : 0);
    }
  }
  if (dev.numa_node && *dev.numa_node != -1) {
    gauge("node_pcidevice_numa_node", "NUMA node number for the PCI device. -1 indicates unknown or not available.",
          static_cast<double>(*dev.numa_node));
  }
}

// ---------------------------------------------------------------------------
// collector

namespace {

PcideviceOptions g_options;

void AddPcideviceFlags(CLI::App& app) {
  app.add_option("--collector.pcidevice.idsfile", g_options.idsfile,
                 "Path to pci.ids file to use for PCI device identification.")
      ->group("pcidevice collector");
  app.add_flag("--collector.pcidevice.names,!--no-collector.pcidevice.names", g_options.names,
               "Enable PCI device name resolution (requires pci.ids file).")
      ->group("pcidevice collector");
}

// node_exporter's default locations (not under --path.rootfs, as there).
constexpr std::string_view kPciIdsPaths[] = {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"};

// node_exporter reports "no data" for any error wrapping ENOENT (a device
// removed while it is read included) and fails the scrape for the others.
[[noreturn]] void Fail(int err, const std::string& msg) {
  if (err == ENOENT) throw NoDataError(msg);
  throw std::runtime_error(msg);
}

class PcideviceCollector : public Collector {
 public:
  PcideviceCollector(const Paths& paths, const PcideviceOptions& options) : dir_(paths.Sys("bus/pci/devices")) {
    if (options.names) names_ = std::make_unique<PciIds>(LoadPciIds(options.idsfile));
  }

  void Collect(MetricSet& out) override {
    std::vector<DirEntry> entries;
    DirLister lister(dir_, false);
    if (int err = lister.List(entries); err != 0) {
      Fail(err, fmt::format("error obtaining PCI device info: {}: {}", dir_, std::strerror(err)));
    }
    // procfs reads every device before node_exporter reports any.
    std::vector<PciDevice> devices;
    devices.reserve(entries.size());
    for (const DirEntry& e : entries) devices.push_back(Read(e.name));
    for (const PciDevice& d : devices) AddPciDeviceMetrics(d, names_.get(), out);
  }

 private:
  static PciIds LoadPciIds(const std::string& flag) {
    std::string content;
    int err = 0;
    if (!flag.empty()) {
      if (ReadFile(flag, content, &err)) return ParsePciIds(content);
      log::Debug("Failed to open PCI IDs file", {{"file", flag}, {"error", std::strerror(err)}});
      return {};
    }
    for (std::string_view path : kPciIdsPaths) {
      if (ReadFile(std::string(path), content, &err)) return ParsePciIds(content);
    }
    log::Debug("Failed to open any default PCI IDs file", {{"error", std::strerror(err)}});
    return {};
  }

  PciDevice Read(const std::string& name) {
    std::string path = dir_ + "/" + name;
    auto target = ReadSysfsLink(path);
    if (!target) Fail(errno, fmt::format("failed to readlink {}: {}", path, std::strerror(errno)));
    // The attributes are read through the link (its resolved directory, which
    // also follows a fixture tree's flattened links).
    std::string attr_dir = ResolveDirLink(path).value_or(path);
    std::string base = GoBase(*target);
    std::string parent_base = GoBase(GoCleanPath(std::string_view(*target).substr(0, target->rfind('/') + 1)));
    PciDevice dev;
    auto loc = ParsePciLocation(base);
    if (!loc) throw std::runtime_error(fmt::format("failed to parse device location {}", base));
    dev.location = *loc;
    if (std::string_view(parent_base).substr(0, 3) != "pci") {
      dev.parent = ParsePciLocation(parent_base);
      if (!dev.parent) throw std::runtime_error(fmt::format("failed to parse parent device location {}", parent_base));
    }
    std::string value;
    auto read = [&](std::string_view file, bool required) {
      std::string p = fmt::format("{}/{}", attr_dir, file);
      if (int err = SysReadFile(p, value); err != 0) {
        if (!required && err == ENOENT) return;
        Fail(err, fmt::format("failed to read file {}: {}", p, std::strerror(err)));
      }
      if (!SetPciDeviceAttribute(dev, file, value)) {
        throw std::runtime_error(fmt::format("failed to parse {}: \"{}\"", p, value));
      }
    };
    for (std::string_view f : kPciRequiredFiles) read(f, true);
    for (std::string_view f : kPciOptionalFiles) read(f, false);
    return dev;
  }

  // Go's filepath.Base.
  static std::string GoBase(std::string_view s) {
    if (s.empty()) return ".";
    while (!s.empty() && s.back() == '/') s.remove_suffix(1);
    if (s.empty()) return "/";
    return std::string(s.substr(s.rfind('/') == std::string_view::npos ? 0 : s.rfind('/') + 1));
  }

  std::string dir_;
  std::unique_ptr<PciIds> names_;
};

std::unique_ptr<Collector> CreatePcidevice(const Paths& paths) { return NewPcideviceCollector(paths, g_options); }

NODE_AGENT_REGISTER_COLLECTOR("pcidevice", kDisabledByDefault, &AddPcideviceFlags, &CreatePcidevice);

}  // namespace

std::unique_ptr<Collector> NewPcideviceCollector(const Paths& paths, const PcideviceOptions& options) {
  return std::make_unique<PcideviceCollector>(paths, options);
}

}  // namespace node_agent
