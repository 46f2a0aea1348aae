#include "collectors/dmi.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "lib/go_compat.h"
#include "lib/log.h"

namespace node_agent {

namespace {

struct DmiFile {
  std::string_view file;
  std::string_view label;
};
// Sorted by label: the order client_golang writes label pairs in.
constexpr DmiFile kDmiFiles[] = {
    {"bios_date", "bios_date"},
    {"bios_release", "bios_release"},
    {"bios_vendor", "bios_vendor"},
    {"bios_version", "bios_version"},
    {"board_asset_tag", "board_asset_tag"},
    {"board_name", "board_name"},
    {"board_serial", "board_serial"},
    {"board_vendor", "board_vendor"},
    {"board_version", "board_version"},
    {"chassis_asset_tag", "chassis_asset_tag"},
    {"chassis_serial", "chassis_serial"},
    {"chassis_vendor", "chassis_vendor"},
    {"chassis_version", "chassis_version"},
    {"product_family", "product_family"},
    {"product_name", "product_name"},
    {"product_serial", "product_serial"},
    {"product_sku", "product_sku"},
    {"product_uuid", "product_uuid"},
    {"product_version", "product_version"},
    {"sys_vendor", "system_vendor"},
};

}  // namespace

std::optional<std::string_view> DmiLabelForFile(std::string_view file) {
  for (const DmiFile& f : kDmiFiles) {
    if (f.file == file) return f.label;
  }
  return std::nullopt;
}

Labels DmiLabels(const std::vector<std::pair<std::string, std::string>>& files) {
  Labels labels;
  for (const DmiFile& f : kDmiFiles) {
    // procfs keeps the last value read for a name; a directory lists it once.
    auto it = std::find_if(files.rbegin(), files.rend(), [&](const auto& p) { return p.first == f.file; });
    if (it != files.rend()) labels.push_back({std::string(f.label), ToValidUtf8(it->second)});
  }
  return labels;
}

namespace {

constexpr std::string_view kDmiHelp =
    "A metric with a constant '1' value labeled by bios_date, bios_release, bios_vendor, bios_version, "
    "board_asset_tag, board_name, board_serial, board_vendor, board_version, chassis_asset_tag, "
    "chassis_serial, chassis_vendor, chassis_version, product_family, product_name, product_serial, "
    "product_sku, product_uuid, product_version, system_vendor if provided by DMI.";

class DmiCollector : public Collector {
 public:
  explicit DmiCollector(const Paths& paths) { Load(paths.Sys("class/dmi/id")); }

  void Collect(MetricSet& out) override {
    if (!error_.empty()) throw std::runtime_error(error_);
    if (labels_.empty()) return out.SetNoData("no DMI information");
    out.Gauge("node_dmi_info", kDmiHelp, labels_, 1);
  }

 private:
  // node_exporter reads the files once, in its constructor. A file that
  // cannot be read (other than for permission: serials and product_uuid are
  // root's) made node_exporter refuse to start; here it fails each scrape.
  void Load(const std::string& dir) {
    DirLister lister(dir, false);
    std::vector<DirEntry> entries;
    if (int err = lister.List(entries); err != 0) {
      if (err != ENOENT) error_ = fmt::format("failed to read directory {}: {}", dir, std::strerror(err));
      // A platform without DMI: node_exporter reports no data.
      return;
    }
    std::vector<std::pair<std::string, std::string>> files;
    std::string value;
    for (const DirEntry& e : entries) {
      if (e.type != DT_REG || e.name == "modalias" || e.name == "uevent") continue;
      std::string path = dir + "/" + e.name;
      if (int err = SysReadFile(path, value); err != 0) {
        if (err == EACCES || err == EPERM) continue;
        error_ = fmt::format("failed to read file {}: {}", path, std::strerror(err));
        return;
      }
      if (DmiLabelForFile(e.name)) files.emplace_back(e.name, value);
    }
    labels_ = DmiLabels(files);
  }

  Labels labels_;
  std::string error_;
};

std::unique_ptr<Collector> CreateDmi(const Paths& paths) { return NewDmiCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("dmi", kEnabledByDefault, nullptr, &CreateDmi);

}  // namespace

std::unique_ptr<Collector> NewDmiCollector(const Paths& paths) { return std::make_unique<DmiCollector>(paths); }

}  // namespace node_agent
