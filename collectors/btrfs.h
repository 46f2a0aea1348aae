// btrfs collector: btrfs file systems from /sys/fs/btrfs/<uuid> and, for
// mounted ones, per-device sizes and error counters from the btrfs ioctls,
// as node_exporter's collector/btrfs_linux.go with prometheus/procfs
// btrfs/get.go and dennwc/btrfs.
//
// The ioctls (and the open/stat of each btrfs mount point) run on a worker
// thread: a scrape waits for them at most BtrfsOptions::ioctl_timeout and
// otherwise reports the sysfs device sizes, as node_exporter does when the
// ioctls fail. While a scan is still blocked no new one starts.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"
#include "lib/mountinfo.h"

namespace node_agent {

// A single-number sysfs attribute as procfs reads it: trimmed decimal, and
// 0 for anything else (procfs ignores the parse error).
uint64_t ParseBtrfsValue(std::string_view content);

struct BtrfsCommitStats {
  uint64_t commits = 0, last_commit_ms = 0, max_commit_ms = 0, total_commit_ms = 0;
};
// commit_stats (kernel 6.0+): "key value" lines; unknown keys are ignored, a
// line that is not two fields or whose value is not a number is appended to
// `skipped` (procfs would fail the file system).
BtrfsCommitStats ParseBtrfsCommitStats(std::string_view content, std::vector<std::string>& skipped);

// The data copies a block group profile keeps (node_btrfs_allocation_ratio);
// raid5/raid6 depend on the number of devices; 0 for an unknown profile.
double BtrfsAllocationRatio(std::string_view profile, size_t devices);

// A btrfs mount to query: the path to open (under --path.rootfs) and the
// mounted device (a file system mounted twice is queried once per device).
struct BtrfsMount {
  std::string path;
  std::string device;
};
// The btrfs mounts of a mount table, as node_exporter finds them.
std::vector<BtrfsMount> BtrfsMounts(const std::vector<MountInfo>& mounts, const std::string& rootfs);

// One device as BTRFS_IOC_DEV_INFO and BTRFS_IOC_GET_DEV_STATS report it.
struct BtrfsIoctlDevice {
  std::string path;  // as the kernel has it ("/dev/sda")
  std::string uuid;  // the device's uuid, dashed ("<zero>" when unset)
  uint64_t total_bytes = 0, bytes_used = 0;
  std::array<uint64_t, 5> errors{};  // write, read, flush, corruption, generation
};
// Devices by file system id (hex, no dashes: sysfs's uuid without them).
using BtrfsIoctlStats = std::map<std::string, std::vector<BtrfsIoctlDevice>>;

// The ioctl scan of the mounts: what node_exporter's getIoctlStats returns.
// Mount points that are not btrfs subvolume roots or fail are skipped.
BtrfsIoctlStats ScanBtrfsIoctl(const std::vector<BtrfsMount>& mounts);

// The 16 bytes of a device uuid as dennwc/btrfs prints them.
std::string FormatBtrfsUuid(const uint8_t (&uuid)[16]);

struct BtrfsOptions {
  // How long a scrape waits for the ioctl scan before it reports the sysfs
  // device sizes instead. Not a flag.
  std::chrono::milliseconds ioctl_timeout{1000};
  // Test hook: replaces ScanBtrfsIoctl (it runs on the worker thread).
  std::function<BtrfsIoctlStats(const std::vector<BtrfsMount>&)> scan_for_test;
};

std::unique_ptr<Collector> NewBtrfsCollector(const Paths& paths, BtrfsOptions options = {});

}  // namespace node_agent
