// Shared procfs/sysfs reading helpers. Every collector reads through these,
// rooted at the --path.* flags, so any collector runs on a fixture tree.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace node_agent {

// The roots given by --path.procfs, --path.sysfs, --path.rootfs and
// --path.udev.data.
struct Paths {
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";
  std::string udev_data = "/run/udev/data";

  std::string Proc(std::string_view rel) const { return Join(procfs, rel); }
  std::string Sys(std::string_view rel) const { return Join(sysfs, rel); }
  std::string Root(std::string_view rel) const { return Join(rootfs, rel); }
  std::string Udev(std::string_view rel) const { return Join(udev_data, rel); }
  static std::string Join(std::string_view base, std::string_view rel);
};

// Kept directory descriptors under which paths are opened with openat(2), so
// that a scrape's opens walk only the part of a path below one: the walk
// through /proc/net (the self/net symlink, the PID directory) or /sys/class
// costs more than the lookup of the last name, and that lookup is all that
// a collector of a subsystem the node lacks does per scrape.
// KeepDirOpen keeps `dir` when it is a directory on a mounted procfs or sysfs
// (never removed while the agent runs; a fixture tree may be replaced, so it
// is not kept) and returns whether it did. ReadFile, CachedFile, DirLister,
// ListDir, CountDirEntries, Exists, IsDir and ReadLink then open any path
// below it from the deepest kept directory. Call before collectors run: the
// set is not locked against concurrent opens.
bool KeepDirOpen(const std::string& dir);
// The procfs and sysfs directories a scrape opens paths below: the roots,
// net, class, fs and devices/system.
void KeepPathDirsOpen(const Paths& paths);
// Closes the kept directories (tests).
void CloseKeptDirs();
// The descriptor and relative path openat(2) gets for `path`: a kept
// directory and the rest of the path, or AT_FDCWD and `path` itself. The
// pointer is into `path`.
struct AtPath {
  int dirfd;
  const char* rel;
};
AtPath ResolveKeptDir(const std::string& path);

// The one pread loop: reads `fd` from offset 0 to its end into `out` (whose
// capacity is kept). Returns 0 or an errno (EINTR retried), `out` empty then.
// How the loop knows the end, `rule`:
//  - kUntilEof: a read of 0 bytes, right for every file. That last read is
//    not free on procfs: a seq_file walks its records again up to the
//    position (/proc/net/udp the whole socket hash table).
//  - kIsEnd: also a read shorter than the buffer, for a file the kernel
//    makes whole in one call: a sysfs attribute (one show() of at most a
//    page), a /proc/sys sysctl, a single-record procfs file (single_open:
//    stat, meminfo, loadavg, pressure/*, PID/stat, net/netstat, net/snmp,
//    net/snmp6, net/sockstat, net/sockstat6) or a regular file.
//  - kShortRecords: also a read more than 1 KiB short of a 4 KiB page, for a
//    procfs seq_file of many records each under 1 KiB (vmstat, diskstats,
//    net/udp, net/softnet_stat): the kernel fills a read from a buffer of at
//    least a page and stops early only where the next record does not fit
//    or at the end.
// A read of a regular file (a fixture tree) is short only at its end, so
// every rule is right there too.
enum class ShortRead { kUntilEof, kIsEnd, kShortRecords };
int PreadAll(int fd, std::string& out, ShortRead rule = ShortRead::kUntilEof);

// Reads a whole file. On failure returns false and sets *error to the errno
// (ENOENT, EIO, ENODATA, ...), leaving `out` empty.
bool ReadFile(const std::string& path, std::string& out, int* error = nullptr);
std::optional<std::string> ReadFile(const std::string& path);
// A sysfs attribute: the file's content with trailing whitespace removed.
std::optional<std::string> ReadAttr(const std::string& path);
// Integer attributes. nullopt when the file is missing, unreadable or not a
// number.
std::optional<int64_t> ReadInt(const std::string& path);
std::optional<uint64_t> ReadUint(const std::string& path);

// Names of a directory's entries, sorted, without "." and "..". Empty when
// the directory is missing.
std::vector<std::string> ListDir(const std::string& path);
// The number of entries ListDir would return, without building the list.
size_t CountDirEntries(const std::string& path);
// A directory entry with what readdir gives for free: the inode number (a
// sysfs entry gets a new one each time its device is registered) and the
// type (DT_REG, DT_DIR, DT_LNK; looked up when the file system leaves it
// DT_UNKNOWN).
struct DirEntry {
  std::string name;
  ino_t ino;
  unsigned char type;
};

// A directory listed every scrape. With `keep_open` (a mounted sysfs or
// procfs) the stream stays open and is rewound for the next listing, saving
// opendir's open and fstat and closedir's close; otherwise (a fixture tree,
// which tests rebuild) it is opened and closed each time. A stream that fails
// or lists nothing is not kept: a removed directory lists nothing through an
// old descriptor, so an empty rewound listing is taken again from the path.
class DirLister {
 public:
  DirLister(std::string path, bool keep_open) : path_(std::move(path)), keep_open_(keep_open) {}
  DirLister(const DirLister&) = delete;
  DirLister& operator=(const DirLister&) = delete;
  ~DirLister();
  // The entries, sorted by name, without "." and ".."; 0 or opendir's errno.
  int List(std::vector<DirEntry>& entries);
  const std::string& path() const { return path_; }
  bool keep_open() const { return keep_open_; }

 private:
  int Open();
  void Close();
  int ReadEntries(std::vector<DirEntry>& entries);

  std::string path_;
  bool keep_open_;
  DIR* dir_ = nullptr;
};

// Whether `path` is on a mounted procfs / sysfs (statfs's f_type), which
// tells the live /proc and /sys from a fixture tree.
bool IsProcfsMount(const std::string& path);
bool IsSysfsMount(const std::string& path);
bool Exists(const std::string& path);
bool IsDir(const std::string& path);
// The target of a symlink; nullopt when `path` is not a symlink.
std::optional<std::string> ReadLink(const std::string& path);
// The last component of a path ("/a/b/c" -> "c").
std::string_view BaseName(std::string_view path);

// A file kept open between scrapes and re-read with pread(fd, .., 0): procfs
// and sysfs regenerate the content on every read at offset 0, and this saves
// the open/close pair on the hot path. On a read error the descriptor is
// closed and reopened on the next call (the device may have gone away).
class CachedFile {
 public:
  CachedFile() = default;
  explicit CachedFile(std::string path, ShortRead rule = ShortRead::kUntilEof)
      : path_(std::move(path)), rule_(rule) {}
  CachedFile(CachedFile&& other) noexcept;
  CachedFile& operator=(CachedFile&& other) noexcept;
  CachedFile(const CachedFile&) = delete;
  CachedFile& operator=(const CachedFile&) = delete;
  ~CachedFile();

  // Re-reads the whole file into `out`. Returns 0 or an errno.
  int Read(std::string& out);
  const std::string& path() const { return path_; }
  // The open descriptor (-1 before the first read and after a failed one),
  // e.g. to poll(2) a /proc/PID/mountinfo for mount table changes.
  int fd() const { return fd_; }

 private:
  void Close();
  std::string path_;
  ShortRead rule_ = ShortRead::kUntilEof;
  int fd_ = -1;
};

// Read-or-fail, the way a collector whose source file is missing fails:
// reads `file` (or `path`) into `out`, or throws (ThrowPathError), e.g.
// context "couldn't get load: " gives node_exporter's
// "couldn't get load: /proc/loadavg: No such file or directory".
void ReadOrThrow(CachedFile& file, std::string& out, std::string_view context);
void ReadOrThrow(const std::string& path, std::string& out, std::string_view context);
// Throws std::runtime_error "<context><path>: <strerror(err)>": the one form
// of a collector's failure on a file or directory it cannot read or list.
[[noreturn]] void ThrowPathError(std::string_view context, std::string_view path, int err);

// String helpers for parsers.
std::string_view Trim(std::string_view s);
// Splits on runs of spaces/tabs (like Go's strings.Fields).
std::vector<std::string_view> Fields(std::string_view s);
// The same into `out`, replacing its content: a parser that splits every line
// reuses one vector instead of allocating one per line.
void Fields(std::string_view s, std::vector<std::string_view>& out);
// Splits into lines, without the newline characters; no trailing empty line.
std::vector<std::string_view> Lines(std::string_view s);
std::optional<uint64_t> ParseUint(std::string_view s, int base = 10);
std::optional<int64_t> ParseInt(std::string_view s, int base = 10);
std::optional<double> ParseDouble(std::string_view s);
// Go's strconv.ParseFloat(s, 64), which node_exporter uses for sysfs values:
// no surrounding spaces, optional sign, decimal/hex/inf/nan; nullopt on a
// syntax or range error.
std::optional<double> ParseGoFloat(std::string_view s);
// Go's time.ParseDuration ("5s", "1m30s", "250ms"), the format of node_exporter's
// duration flags; nullopt when invalid.
std::optional<std::chrono::nanoseconds> ParseGoDuration(std::string_view s);

}  // namespace node_agent
