#include "lib/mountinfo.h"

#include <fmt/format.h>

#include <utility>

#include "lib/fs.h"
#include "lib/log.h"

namespace node_agent {

std::vector<MountInfo> ParseMountInfo(std::string_view content) {
  std::vector<MountInfo> mounts;
  for (auto line : Lines(content)) {
    if (Trim(line).empty()) continue;
    // Split on single spaces like procfs: an empty source stays a field.
    std::vector<std::string_view> f;
    size_t start = 0;
    for (;;) {
      auto sp = line.find(' ', start);
      f.push_back(line.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
      if (sp == std::string_view::npos) break;
      start = sp + 1;
    }
    // id parent major:minor root mount-point options [optional...] - type source super-options
    const size_t n = f.size();
    int major = 0, minor = 0;
    auto colon = n >= 3 ? f[2].find(':') : std::string_view::npos;
    bool ok = n >= 10 && f[n - 4] == "-" && colon != std::string_view::npos &&
              ParseInt(f[2].substr(0, colon)) && ParseInt(f[2].substr(colon + 1));
    if (!ok) {
      log::WarnOnce(fmt::format("mountinfo:{}", line), "malformed mountinfo line skipped",
                    {{"line", std::string(line)}});
      continue;
    }
    major = static_cast<int>(*ParseInt(f[2].substr(0, colon)));
    minor = static_cast<int>(*ParseInt(f[2].substr(colon + 1)));
    MountInfo m;
    m.major_minor = fmt::format("{}:{}", major, minor);
    m.mount_point = std::string(f[4]);
    m.options = std::string(f[5]);
    m.fs_type = std::string(f[n - 3]);
    m.source = std::string(f[n - 2]);
    m.super_options = std::string(f[n - 1]);
    mounts.push_back(std::move(m));
  }
  return mounts;
}

std::string UnescapeMountPoint(std::string s) {
  for (auto [from, to] : {std::pair{"\\040", " "}, std::pair{"\\011", "\t"}}) {
    size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
      s.replace(pos, 4, to);
      pos += 1;
    }
  }
  return s;
}

std::string StripRootfsPrefix(const std::string& rootfs, const std::string& mount_point) {
  if (rootfs == "/") return mount_point;
  std::string stripped = mount_point;
  if (stripped.compare(0, rootfs.size(), rootfs) == 0) stripped.erase(0, rootfs.size());
  return stripped.empty() ? "/" : stripped;
}

}  // namespace node_agent
