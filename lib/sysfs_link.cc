#include "lib/sysfs_link.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include "lib/fs.h"

namespace node_agent {

namespace {

// The relative path a flattened symlink file at `path` (known to be a regular
// file of st_size bytes) holds; nullopt when it is no such file.
std::optional<std::string> FlattenedLinkTarget(const std::string& path, off_t size) {
  if (size == 0 || size > PATH_MAX) return std::nullopt;
  auto target = ReadAttr(path);
  if (!target || target->empty() || target->front() == '/' || target->find('\n') != std::string::npos ||
      target->substr(0, 2) != "..") {
    return std::nullopt;
  }
  return target;
}

}  // namespace

std::optional<std::string> ReadSysfsLink(const std::string& path) {
  if (auto target = ReadLink(path)) return target;
  if (errno != EINVAL) return std::nullopt;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  if (S_ISREG(st.st_mode)) {
    if (auto target = FlattenedLinkTarget(path, st.st_size)) return target;
  }
  errno = EINVAL;
  return std::nullopt;
}

std::optional<std::string> ResolveDirLink(const std::string& path) {
  std::string current = path;
  // Bounded like the kernel's symlink depth limit, so a stub loop terminates.
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st;
    if (::stat(current.c_str(), &st) != 0) return std::nullopt;
    if (S_ISDIR(st.st_mode)) {
      char buf[PATH_MAX];
      if (!::realpath(current.c_str(), buf)) return std::nullopt;
      return std::string(buf);
    }
    // Only a tiny regular file can be a flattened symlink.
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    auto target = FlattenedLinkTarget(current, st.st_size);
    if (!target) return std::nullopt;
    current = (std::filesystem::path(current).parent_path() / *target).lexically_normal().string();
  }
  return std::nullopt;
}

std::string EntryDir(const std::string& path, unsigned char d_type) {
  if (d_type != DT_REG) return path;
  auto dir = ResolveDirLink(path);
  return dir ? *dir : path;
}

}  // namespace node_agent
