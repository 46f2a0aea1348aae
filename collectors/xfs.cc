#include "collectors/xfs.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace node_agent {

namespace {

struct GroupSpec {
  std::string_view label;
  size_t min_fields, max_fields;
};

// procfs accepts exactly these counts (vnodes: 8 since "free" was added).
constexpr std::array<GroupSpec, kXfsGroups> kGroups = {{
    {"extent_alloc", 4, 4},
    {"abt", 4, 4},
    {"blk_map", 7, 7},
    {"bmbt", 4, 4},
    {"dir", 4, 4},
    {"ig", 7, 7},
    {"rw", 2, 2},
    {"vnodes", 7, 8},
}};

struct XfsMetric {
  std::string_view name;
  std::string_view help;
  XfsGroup group;
  size_t index;
};

constexpr XfsMetric kMetrics[] = {
    {"node_xfs_extent_allocation_extents_allocated_total", "Number of extents allocated for a filesystem.", kXfsExtentAlloc, 0},
    {"node_xfs_extent_allocation_blocks_allocated_total", "Number of blocks allocated for a filesystem.", kXfsExtentAlloc, 1},
    {"node_xfs_extent_allocation_extents_freed_total", "Number of extents freed for a filesystem.", kXfsExtentAlloc, 2},
    {"node_xfs_extent_allocation_blocks_freed_total", "Number of blocks freed for a filesystem.", kXfsExtentAlloc, 3},
    {"node_xfs_allocation_btree_lookups_total", "Number of allocation B-tree lookups for a filesystem.", kXfsAbt, 0},
    {"node_xfs_allocation_btree_compares_total", "Number of allocation B-tree compares for a filesystem.", kXfsAbt, 1},
    {"node_xfs_allocation_btree_records_inserted_total", "Number of allocation B-tree records inserted for a filesystem.", kXfsAbt, 2},
    {"node_xfs_allocation_btree_records_deleted_total", "Number of allocation B-tree records deleted for a filesystem.", kXfsAbt, 3},
    {"node_xfs_block_mapping_reads_total", "Number of block map for read operations for a filesystem.", kXfsBlkMap, 0},
    {"node_xfs_block_mapping_writes_total", "Number of block map for write operations for a filesystem.", kXfsBlkMap, 1},
    {"node_xfs_block_mapping_unmaps_total", "Number of block unmaps (deletes) for a filesystem.", kXfsBlkMap, 2},
    {"node_xfs_block_mapping_extent_list_insertions_total", "Number of extent list insertions for a filesystem.", kXfsBlkMap, 3},
    {"node_xfs_block_mapping_extent_list_deletions_total", "Number of extent list deletions for a filesystem.", kXfsBlkMap, 4},
    {"node_xfs_block_mapping_extent_list_lookups_total", "Number of extent list lookups for a filesystem.", kXfsBlkMap, 5},
    {"node_xfs_block_mapping_extent_list_compares_total", "Number of extent list compares for a filesystem.", kXfsBlkMap, 6},
    {"node_xfs_block_map_btree_lookups_total", "Number of block map B-tree lookups for a filesystem.", kXfsBmbt, 0},
    {"node_xfs_block_map_btree_compares_total", "Number of block map B-tree compares for a filesystem.", kXfsBmbt, 1},
    {"node_xfs_block_map_btree_records_inserted_total", "Number of block map B-tree records inserted for a filesystem.", kXfsBmbt, 2},
    {"node_xfs_block_map_btree_records_deleted_total", "Number of block map B-tree records deleted for a filesystem.", kXfsBmbt, 3},
    {"node_xfs_directory_operation_lookup_total", "Number of file name directory lookups which miss the operating systems directory name lookup cache.", kXfsDir, 0},
    {"node_xfs_directory_operation_create_total", "Number of times a new directory entry was created for a filesystem.", kXfsDir, 1},
    {"node_xfs_directory_operation_remove_total", "Number of times an existing directory entry was created for a filesystem.", kXfsDir, 2},
    {"node_xfs_directory_operation_getdents_total", "Number of times the directory getdents operation was performed for a filesystem.", kXfsDir, 3},
    {"node_xfs_inode_operation_attempts_total", "Number of times the OS looked for an XFS inode in the inode cache.", kXfsIg, 0},
    {"node_xfs_inode_operation_found_total", "Number of times the OS looked for and found an XFS inode in the inode cache.", kXfsIg, 1},
    {"node_xfs_inode_operation_recycled_total", "Number of times the OS found an XFS inode in the cache, but could not use it as it was being recycled.", kXfsIg, 2},
    {"node_xfs_inode_operation_missed_total", "Number of times the OS looked for an XFS inode in the cache, but did not find it.", kXfsIg, 3},
    {"node_xfs_inode_operation_duplicates_total", "Number of times the OS tried to add a missing XFS inode to the inode cache, but found it had already been added by another process.", kXfsIg, 4},
    {"node_xfs_inode_operation_reclaims_total", "Number of times the OS reclaimed an XFS inode from the inode cache to free memory for another purpose.", kXfsIg, 5},
    {"node_xfs_inode_operation_attribute_changes_total", "Number of times the OS explicitly changed the attributes of an XFS inode.", kXfsIg, 6},
    // The kernel's rw line is "write_calls read_calls".
    {"node_xfs_read_calls_total", "Number of read(2) system calls made to files in a filesystem.", kXfsRw, 1},
    {"node_xfs_write_calls_total", "Number of write(2) system calls made to files in a filesystem.", kXfsRw, 0},
    {"node_xfs_vnode_active_total", "Number of vnodes not on free lists for a filesystem.", kXfsVnodes, 0},
    {"node_xfs_vnode_allocate_total", "Number of times vn_alloc called for a filesystem.", kXfsVnodes, 1},
    {"node_xfs_vnode_get_total", "Number of times vn_get called for a filesystem.", kXfsVnodes, 2},
    {"node_xfs_vnode_hold_total", "Number of times vn_hold called for a filesystem.", kXfsVnodes, 3},
    {"node_xfs_vnode_release_total", "Number of times vn_rele called for a filesystem.", kXfsVnodes, 4},
    {"node_xfs_vnode_reclaim_total", "Number of times vn_reclaim called for a filesystem.", kXfsVnodes, 5},
    {"node_xfs_vnode_remove_total", "Number of times vn_remove called for a filesystem.", kXfsVnodes, 6},
};

}  // namespace

XfsStats ParseXfsStats(std::string_view content, std::vector<std::string>& skipped) {
  XfsStats stats;
  std::vector<std::string_view> fields;
  for (auto line : Lines(content)) {
    Fields(line, fields);
    if (fields.size() < 2) continue;
    size_t group = 0;
    while (group < kXfsGroups && kGroups[group].label != fields[0]) ++group;
    if (group == kXfsGroups) continue;
    const GroupSpec& spec = kGroups[group];
    size_t n = fields.size() - 1;
    bool ok = n >= spec.min_fields && n <= spec.max_fields;
    std::array<uint32_t, 8> values{};
    for (size_t i = 0; ok && i < n; ++i) {
      auto v = ParseUint(fields[i + 1]);
      ok = v && *v <= std::numeric_limits<uint32_t>::max();
      if (ok) values[i] = static_cast<uint32_t>(*v);
    }
    if (!ok) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    stats.values[group] = values;
  }
  return stats;
}

namespace {

class XfsCollector : public Collector {
 public:
  explicit XfsCollector(const Paths& paths) : dir_(paths.Sys("fs/xfs"), IsSysfsMount(paths.Sys("fs/xfs"))) {}

  void Collect(MetricSet& out) override {
    // No /sys/fs/xfs (no XFS module loaded): nothing to report, as procfs's
    // glob then matches nothing.
    if (dir_.List(entries_) != 0) return;
    for (const auto& entry : entries_) {
      std::string path = dir_.path() + "/" + entry.name + "/stats/stats";
      int err = 0;
      if (!ReadFile(path, buf_, &err)) {
        // Not a filesystem (the global "stats" directory), or unmounted since the listing.
        if (err == ENOENT || err == ENOTDIR) continue;
        ThrowPathError("failed to retrieve XFS stats: ", path, err);
      }
      std::vector<std::string> skipped;
      XfsStats stats = ParseXfsStats(buf_, skipped);
      ReportSkipped("xfs", path, skipped);
      for (const auto& m : kMetrics) {
        out.Counter(m.name, m.help, {{"device", entry.name}}, static_cast<double>(stats.values[m.group][m.index]));
      }
    }
  }

 private:
  DirLister dir_;
  std::vector<DirEntry> entries_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateXfs(const Paths& paths) { return NewXfsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("xfs", kEnabledByDefault, nullptr, &CreateXfs);

}  // namespace

std::unique_ptr<Collector> NewXfsCollector(const Paths& paths) { return std::make_unique<XfsCollector>(paths); }

}  // namespace node_agent
