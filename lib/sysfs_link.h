// Resolution of sysfs class entries (class/hwmon/hwmonN, hwmonN/device,
// class/thermal/thermal_zoneN), which are symlinks into /sys/devices.
#pragma once

#include <optional>
#include <string>

namespace node_agent {

// Returns the canonical path of the directory `path` leads to (as Go's
// filepath.EvalSymlinks), or nullopt when it does not lead to a directory.
//
// A small regular file whose whole content is a relative path ("../../devices/
// platform/coretemp.0") is followed as if it were that symlink: some fixture
// unpackers (including the shared conformance tree) store symlinks that way.
// Real sysfs never has such files where a class entry or a `device` link is
// expected, so on a live system this only ever sees real symlinks.
std::optional<std::string> ResolveDirLink(const std::string& path);

// The target of the symlink `path` as readlink(2) gives it (Go's os.Readlink),
// or, for a flattened symlink as above, the relative path the file holds.
// nullopt (errno set: ENOENT, EINVAL, ...) when it is neither.
std::optional<std::string> ReadSysfsLink(const std::string& path);

// The path to read a class or device entry's attributes under: `path` itself
// for a directory or a real symlink (the kernel follows it), where the link
// leads for a flattened symlink (a regular file, `d_type` DT_REG, naming its
// target), else `path` (reads under it then fail as they would in Go).
std::string EntryDir(const std::string& path, unsigned char d_type);

}  // namespace node_agent
