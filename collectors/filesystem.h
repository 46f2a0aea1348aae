// filesystem collector: node_filesystem_* from statfs(2) on every mount of
// --path.procfs's 1/mountinfo (self/mountinfo when 1/ is hidden), as
// node_exporter's collector/filesystem_{common,linux}.go.
//
// The parsed mount table is kept: on a real procfs the open mountinfo file
// raises POLLPRI|POLLERR when the table changes (proc(5)), so a scrape polls
// it instead of reading it; a fixture file (no such event) is read every
// scrape. statfs's ST_RDONLY cross-checks the one change that raises no
// event (a superblock going read-only on its own).
//
// statfs runs on a worker thread, never on the scrape thread: one hand-off
// per scrape, the mounts statted in order. A mount whose statfs does not
// return within --collector.filesystem.mount-timeout is reported with
// node_filesystem_device_error{device_error="mountpoint timeout"} 1 and is
// not statted again until the blocked call returns; the rest of the list
// goes on on a fresh worker.
#pragma once

#include <sys/statfs.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"
#include "lib/mountinfo.h"

namespace node_agent {

inline constexpr std::string_view kDefMountPointsExcluded =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
inline constexpr std::string_view kDefFSTypesExcluded =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|"
    "mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|"
    "tracefs)$";


// True when "ro" is one of the comma-separated options.
bool HasReadOnlyOption(std::string_view options);

// The error text Go's syscall.Errno gives (node_exporter's device_error label).
std::string GoErrnoString(int err);

// Fills `out` for `path`; returns 0 or an errno. Injectable for tests.
using StatfsFunction = std::function<int(const std::string& path, struct statfs* out)>;

struct FilesystemOptions {
  std::string mount_points_exclude = std::string(kDefMountPointsExcluded);
  std::string mount_points_include;
  std::string fs_types_exclude = std::string(kDefFSTypesExcluded);
  std::string fs_types_include;
  std::chrono::nanoseconds mount_timeout = std::chrono::seconds(5);
  // node_exporter's --collector.filesystem.stat-workers: at most this many
  // statfs calls at once. A scrape's calls start on one worker (a thread
  // hand-off per mount cost more than local calls); another joins while
  // every worker is in a call slower than 10 ms (network file systems).
  int stat_workers = 4;
  StatfsFunction statfs;  // null: statfs(2)
  // Called after each read of mountinfo (tests count them).
  std::function<void()> on_mountinfo_read;
};

std::unique_ptr<Collector> NewFilesystemCollector(const Paths& paths, FilesystemOptions options);

}  // namespace node_agent
