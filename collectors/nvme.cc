#include "collectors/nvme.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

#include "lib/log.h"

namespace node_agent {

namespace {

size_t Digits(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
  return j - i;
}

}  // namespace

std::optional<std::string> NvmeNamespaceId(std::string_view entry) {
  // Leftmost match of nvme\d+(c\d+)?n(\d+).
  for (size_t pos = entry.find("nvme"); pos != std::string_view::npos;
       pos = entry.find("nvme", pos + 1)) {
    size_t i = pos + 4;
    size_t n = Digits(entry, i);
    if (n == 0) continue;
    i += n;
    if (i < entry.size() && entry[i] == 'c') {
      size_t c = Digits(entry, i + 1);
      if (c == 0) continue;
      i += 1 + c;
    }
    if (i >= entry.size() || entry[i] != 'n') continue;
    size_t id = Digits(entry, i + 1);
    if (id == 0) continue;
    return std::string(entry.substr(i + 1, id));
  }
  return std::nullopt;
}

namespace {

// A read failure fails the whole scrape, as procfs's NVMeClass() does; a
// missing file is node_exporter's ErrNoData.
[[noreturn]] void ThrowReadError(const std::string& path, int err) {
  if (err == ENOENT) {
    throw NoDataError(fmt::format("nvme statistics not found: failed to read file \"{}\"", path));
  }
  throw std::runtime_error(fmt::format(
      "error obtaining NVMe class info: failed to read file \"{}\": {}", path, std::strerror(err)));
}

std::string ReadAttrOrThrow(const std::string& path) {
  std::string content;
  int err = 0;
  if (!ReadFile(path, content, &err)) ThrowReadError(path, err);
  return std::string(Trim(content));
}

std::string ReadCachedOrThrow(CachedFile& file, std::string& buf) {
  if (int err = file.Read(buf); err != 0) ThrowReadError(file.path(), err);
  return std::string(Trim(buf));
}

uint64_t UintOrZero(std::string_view s) { return ParseUint(s).value_or(0); }

struct NamespaceFiles {
  std::string nsid;
  CachedFile nuse;
  CachedFile size;
  CachedFile ana_state;
  uint64_t logical_block_size = 0;
};

struct Controller {
  std::string name;
  std::string firmware_rev;
  std::string model;
  std::string serial;
  std::string cntlid;
  CachedFile state;
  // By directory name; entries live as long as the directory is listed.
  std::map<std::string, NamespaceFiles> namespaces;
};

struct NamespaceSample {
  std::string nsid;
  std::string ana_state;
  uint64_t used_bytes;
  uint64_t size_bytes;
  uint64_t logical_block_size;
};

class NvmeCollector : public Collector {
 public:
  explicit NvmeCollector(const Paths& paths) : class_dir_(paths.Sys("class/nvme")) {}

  void Collect(MetricSet& out) override {
    if (!IsDir(class_dir_)) {
      log::Debug("nvme statistics not found, skipping");
      return out.SetNoData("nvme statistics not found");
    }
    std::vector<std::string> names = ListDir(class_dir_);
    if (names != names_) {
      // Model, serial, firmware and cntlid are read once per controller set.
      std::vector<Controller> controllers;
      controllers.reserve(names.size());
      for (const std::string& name : names) controllers.push_back(ReadController(name));
      controllers_ = std::move(controllers);
      names_ = std::move(names);
    }

    // Everything is read before anything is added: a failed read leaves the
    // scrape without nvme samples, as in node_exporter.
    std::vector<std::string> states(controllers_.size());
    std::vector<std::vector<NamespaceSample>> samples(controllers_.size());
    for (size_t i = 0; i < controllers_.size(); ++i) {
      Controller& c = controllers_[i];
      states[i] = ReadCachedOrThrow(c.state, buf_);
      samples[i] = ReadNamespaces(c);
    }

    for (size_t i = 0; i < controllers_.size(); ++i) {
      const Controller& c = controllers_[i];
      out.Gauge("node_nvme_info", "Non-numeric data from /sys/class/nvme/<device>, value is always 1.",
                {{"cntlid", c.cntlid},
                 {"device", c.name},
                 {"firmware_revision", c.firmware_rev},
                 {"model", c.model},
                 {"serial", c.serial},
                 {"state", states[i]}},
                1);
      for (const NamespaceSample& ns : samples[i]) {
        out.Gauge("node_nvme_namespace_info", "Information about NVMe namespaces. Value is always 1",
                  {{"ana_state", ns.ana_state}, {"device", c.name}, {"nsid", ns.nsid}}, 1);
        Labels labels{{"device", c.name}, {"nsid", ns.nsid}};
        out.Gauge("node_nvme_namespace_capacity_bytes",
                  "Capacity of the NVMe namespace in bytes. Computed as namespace_size * "
                  "namespace_logical_block_size",
                  labels, static_cast<double>(ns.size_bytes));
        out.Gauge("node_nvme_namespace_size_bytes",
                  "Size of the NVMe namespace in bytes. Available in "
                  "/sys/class/nvme/<device>/<namespace>/size",
                  labels, static_cast<double>(ns.size_bytes));
        out.Gauge("node_nvme_namespace_used_bytes",
                  "Used space of the NVMe namespace in bytes. Available in "
                  "/sys/class/nvme/<device>/<namespace>/nuse",
                  labels, static_cast<double>(ns.used_bytes));
        out.Gauge("node_nvme_namespace_logical_block_size_bytes",
                  "Logical block size of the NVMe namespace in bytes. Usually 4Kb. Available in "
                  "/sys/class/nvme/<device>/<namespace>/queue/logical_block_size",
                  std::move(labels), static_cast<double>(ns.logical_block_size));
      }
    }
  }

 private:
  Controller ReadController(const std::string& name) const {
    const std::string dir = class_dir_ + "/" + name + "/";
    Controller c;
    c.name = name;
    c.firmware_rev = ReadAttrOrThrow(dir + "firmware_rev");
    c.model = ReadAttrOrThrow(dir + "model");
    c.serial = ReadAttrOrThrow(dir + "serial");
    c.cntlid = ReadAttrOrThrow(dir + "cntlid");
    c.state = CachedFile(dir + "state");
    return c;
  }

  // Namespaces are listed on every scrape (they can be attached and detached
  // under a live controller); each one's files stay open between scrapes.
  std::vector<NamespaceSample> ReadNamespaces(Controller& c) {
    const std::string dir = class_dir_ + "/" + c.name + "/";
    std::map<std::string, NamespaceFiles> current;
    std::vector<NamespaceSample> samples;
    for (const std::string& entry : ListDir(dir)) {
      std::optional<std::string> nsid = NvmeNamespaceId(entry);
      if (!nsid) continue;
      auto node = c.namespaces.extract(entry);
      NamespaceFiles files;
      if (node) {
        files = std::move(node.mapped());
      } else {
        const std::string ns_dir = dir + entry + "/";
        files.nsid = *nsid;
        files.nuse = CachedFile(ns_dir + "nuse");
        files.size = CachedFile(ns_dir + "size");
        files.ana_state = CachedFile(ns_dir + "ana_state");
        files.logical_block_size =
            UintOrZero(ReadAttrOrThrow(ns_dir + "queue/logical_block_size"));
      }
      NamespaceSample s;
      s.nsid = files.nsid;
      s.logical_block_size = files.logical_block_size;
      s.used_bytes = UintOrZero(ReadCachedOrThrow(files.nuse, buf_)) * s.logical_block_size;
      s.size_bytes = UintOrZero(ReadCachedOrThrow(files.size, buf_)) * s.logical_block_size;
      // ana_state exists only on multipath-capable kernels.
      s.ana_state = files.ana_state.Read(buf_) == 0 ? std::string(Trim(buf_)) : "unknown";
      samples.push_back(std::move(s));
      current.emplace(entry, std::move(files));
    }
    c.namespaces = std::move(current);
    return samples;
  }

  std::string class_dir_;
  std::vector<std::string> names_;
  std::vector<Controller> controllers_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateNvme(const Paths& paths) { return NewNvmeCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("nvme", kEnabledByDefault, nullptr, &CreateNvme);

}  // namespace

std::unique_ptr<Collector> NewNvmeCollector(const Paths& paths) {
  return std::make_unique<NvmeCollector>(paths);
}

}  // namespace node_agent
