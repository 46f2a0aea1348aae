#include "lib/sysfs_cpu.h"

namespace node_agent {

std::optional<std::vector<uint32_t>> ParseCpuList(std::string_view content) {
  std::vector<uint32_t> out;
  content = Trim(content);
  size_t start = 0;
  while (start <= content.size() && !content.empty()) {
    size_t comma = content.find(',', start);
    if (comma == std::string_view::npos) comma = content.size();
    std::string_view item = content.substr(start, comma - start);
    start = comma + 1;
    if (!item.empty()) {
      auto dash = item.find('-');
      if (dash == std::string_view::npos) {
        auto n = ParseUint(item);
        if (!n || *n > 0xffff) return std::nullopt;
        out.push_back(static_cast<uint32_t>(*n));
      } else {
        auto lo = ParseUint(item.substr(0, dash));
        auto hi = ParseUint(item.substr(dash + 1));
        if (!lo || !hi || *hi > 0xffff || *lo > *hi) return std::nullopt;
        for (uint64_t i = *lo; i <= *hi; ++i) out.push_back(static_cast<uint32_t>(i));
      }
    }
    if (comma == content.size()) break;
  }
  return out;
}

namespace {

bool IsCpuDir(std::string_view name) {
  return name.size() > 3 && name.starts_with("cpu") && name[3] >= '0' && name[3] <= '9';
}

}  // namespace

std::vector<std::string> ListCpuDirs(const Paths& paths) {
  std::vector<std::string> out;
  for (auto& name : ListDir(paths.Sys("devices/system/cpu"))) {
    if (IsCpuDir(name)) out.push_back(std::move(name));
  }
  return out;  // ListDir sorts bytewise, as Glob does
}

CpuDirLister::CpuDirLister(const Paths& paths)
    : dir_(paths.Sys("devices/system/cpu"), IsSysfsMount(paths.Sys("devices/system/cpu"))) {}

std::vector<std::string> CpuDirLister::List() {
  std::vector<std::string> out;
  if (dir_.List(entries_) != 0) return out;  // as ListDir: no directory, no CPUs
  for (auto& e : entries_) {
    if (IsCpuDir(e.name)) out.push_back(std::move(e.name));
  }
  return out;  // DirLister sorts bytewise, as Glob does
}

}  // namespace node_agent
