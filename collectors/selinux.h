// selinux collector: whether SELinux is enabled and its configured and
// current modes, as node_exporter's collector/selinux_linux.go with the pure
// Go github.com/opencontainers/selinux (go-selinux) it calls: the same facts
// read from selinuxfs, /etc/selinux/config and /proc, without libselinux.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// go-selinux's readConfig: the value of the first "KEY=VALUE" line whose key
// is exactly `key` (lines trimmed; blank, '#' and ';' lines skipped; '"'
// trimmed from the value); "" when there is none.
std::string SelinuxConfigValue(std::string_view config, std::string_view key);

// DefaultEnforceMode from /etc/selinux/config's content: 1 for
// SELINUX=enforcing, 0 for permissive, -1 for anything else.
int SelinuxConfigMode(std::string_view config);

// EnforceMode from selinuxfs' enforce file content: the whole content as a Go
// Atoi (the kernel writes no newline), -1 when it is not a number.
int64_t SelinuxEnforceMode(std::string_view enforce);

// Mount points of the selinuxfs mounts in a mountinfo file, in order (the
// fifth space-separated field of each line with " - selinuxfs ").
std::vector<std::string> SelinuxfsMountPoints(std::string_view mountinfo);

// Whether /proc/filesystems lists selinuxfs.
bool KernelHasSelinuxfs(std::string_view filesystems);

// Whether a task's SELinux label (/proc/thread-self/attr/current, read = ""
// when unreadable) means SELinux is enabled: anything but "kernel", with one
// trailing NUL ignored.
bool SelinuxLabelEnabled(std::string_view current);

struct SelinuxOptions {
  // Whether a directory is a writable selinuxfs mount (statfs magic and
  // flags); tests replace it to use a fixture tree.
  std::function<bool(const std::string&)> verify_mount;
};

std::unique_ptr<Collector> NewSelinuxCollector(const Paths& paths, const SelinuxOptions& options = {});

}  // namespace node_agent
