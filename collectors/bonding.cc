#include "collectors/bonding.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

std::vector<std::string> ParseBondingNames(std::string_view content) {
  std::vector<std::string> names;
  size_t i = 0;
  while (i < content.size()) {
    while (i < content.size() && std::isspace(static_cast<unsigned char>(content[i]))) ++i;
    size_t start = i;
    while (i < content.size() && !std::isspace(static_cast<unsigned char>(content[i]))) ++i;
    if (i > start) names.emplace_back(content.substr(start, i - start));
  }
  return names;
}

bool BondingSlaveUp(std::string_view mii_status) {
  auto names = ParseBondingNames(mii_status);
  return names.size() == 1 && names[0] == "up";
}

namespace {

// A file the scrape cannot do without: node_exporter turns a missing one
// (a master or slave that went away meanwhile, or no bonding module) into
// ErrNoData (false, `out` marked) and any other error into a failure,
// reporting no master then.
bool MustRead(const std::string& path, std::string& content, MetricSet& out) {
  int err = 0;
  if (ReadFile(path, content, &err)) return true;
  if (err == ENOENT) {
    out.SetNoData(fmt::format("not collecting bonding, {} does not exist", path));
    return false;
  }
  throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(err)));
}

class BondingCollector : public Collector {
 public:
  explicit BondingCollector(const Paths& paths) : root_(paths.Sys("class/net")) {}

  void Collect(MetricSet& out) override {
    std::vector<BondingMaster> masters;
    std::string list, slaves;
    if (!MustRead(root_ + "/bonding_masters", list, out)) return;
    for (auto& master : ParseBondingNames(list)) {
      BondingMaster m{master};
      if (!MustRead(fmt::format("{}/{}/bonding/slaves", root_, master), slaves, out)) return;
      for (const auto& slave : ParseBondingNames(slaves)) {
        std::string status = ReadSlaveStatus(master, slave);
        ++m.slaves;
        if (BondingSlaveUp(status)) ++m.active;
      }
      masters.push_back(std::move(m));
    }
    // A master listed twice is one series, as node_exporter's map makes it.
    std::sort(masters.begin(), masters.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    masters.erase(std::unique(masters.begin(), masters.end(), [](const auto& a, const auto& b) { return a.name == b.name; }),
                  masters.end());
    for (const auto& m : masters) {
      out.Gauge("node_bonding_slaves", "Number of configured slaves per bonding interface.", {{"master", m.name}},
                m.slaves);
      out.Gauge("node_bonding_active", "Number of active slaves per bonding interface.", {{"master", m.name}},
                m.active);
    }
  }

 private:
  std::string ReadSlaveStatus(const std::string& master, const std::string& slave) {
    std::string out;
    int err = 0;
    if (ReadFile(fmt::format("{}/{}/lower_{}/bonding_slave/mii_status", root_, master, slave), out, &err)) return out;
    if (err != ENOENT) {
      throw std::runtime_error(fmt::format("{}/{}/lower_{}: {}", root_, master, slave, std::strerror(err)));
    }
    // Older kernels link the slave as slave_NAME. Neither: the slave went
    // away since the list was read (rare, so thrown from here).
    std::string legacy = fmt::format("{}/{}/slave_{}/bonding_slave/mii_status", root_, master, slave);
    if (ReadFile(legacy, out, &err)) return out;
    if (err == ENOENT) throw NoDataError(fmt::format("not collecting bonding, {} does not exist", legacy));
    throw std::runtime_error(fmt::format("{}: {}", legacy, std::strerror(err)));
  }

  std::string root_;
};

std::unique_ptr<Collector> CreateBonding(const Paths& paths) { return NewBondingCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("bonding", kEnabledByDefault, nullptr, &CreateBonding);

}  // namespace

std::unique_ptr<Collector> NewBondingCollector(const Paths& paths) {
  return std::make_unique<BondingCollector>(paths);
}

}  // namespace node_agent
