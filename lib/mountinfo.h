// /proc/<pid>/mountinfo, read by the filesystem collector and by btrfs (to
// find mounted btrfs file systems for its ioctls).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace node_agent {

// One line of /proc/<pid>/mountinfo (proc(5)), as prometheus/procfs reads it.
struct MountInfo {
  std::string major_minor;  // "259:2"
  std::string mount_point;  // as the kernel escapes it (\040 for space)
  std::string options;      // per-mount options, comma separated
  std::string fs_type;
  std::string source;
  std::string super_options;
};

// Parses mountinfo; malformed lines are skipped and logged once.
std::vector<MountInfo> ParseMountInfo(std::string_view content);

// Undoes the two fstab(5) escapes node_exporter undoes in a mount point
// (\040 space, \011 tab), and only those.
std::string UnescapeMountPoint(std::string s);

// node_exporter's rootfsStripPrefix: a mount point as seen from the host root
// when running with --path.rootfs=/host ("/" when nothing is left).
std::string StripRootfsPrefix(const std::string& rootfs, const std::string& mount_point);

}  // namespace node_agent
