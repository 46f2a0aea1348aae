#include "lib/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace node_agent {

std::string Paths::Join(std::string_view base, std::string_view rel) {
  std::string out(base);
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  if (rel.empty()) return out;
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(rel);
  return out;
}

namespace {

struct KeptDir {
  std::string prefix;  // the directory and a '/'
  int fd;
};

// Deepest first, so that the longest matching prefix is found first.
std::vector<KeptDir>& KeptDirs() {
  static std::vector<KeptDir> dirs;
  return dirs;
}

}  // namespace

bool KeepDirOpen(const std::string& dir) {
  std::string prefix = dir;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  if (prefix.empty() || prefix == "/") return false;
  if (!IsProcfsMount(prefix) && !IsSysfsMount(prefix)) return false;
  prefix.push_back('/');
  auto& dirs = KeptDirs();
  for (const auto& d : dirs) {
    if (d.prefix == prefix) return true;
  }
  int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  dirs.push_back({std::move(prefix), fd});
  std::stable_sort(dirs.begin(), dirs.end(),
                   [](const KeptDir& a, const KeptDir& b) { return a.prefix.size() > b.prefix.size(); });
  return true;
}

void KeepPathDirsOpen(const Paths& paths) {
  for (const char* rel : {"", "net"}) KeepDirOpen(paths.Proc(rel));
  for (const char* rel : {"", "class", "fs", "devices/system"}) KeepDirOpen(paths.Sys(rel));
}

void CloseKeptDirs() {
  for (const auto& d : KeptDirs()) ::close(d.fd);
  KeptDirs().clear();
}

AtPath ResolveKeptDir(const std::string& path) {
  for (const auto& d : KeptDirs()) {
    if (path.size() > d.prefix.size() && path.compare(0, d.prefix.size(), d.prefix) == 0) {
      return {d.fd, path.c_str() + d.prefix.size()};
    }
  }
  return {AT_FDCWD, path.c_str()};
}

namespace {

int OpenFile(const std::string& path) {
  AtPath at = ResolveKeptDir(path);
  return ::openat(at.dirfd, at.rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

// opendir(3) through a kept directory.
DIR* OpenDirStream(const std::string& path) {
  AtPath at = ResolveKeptDir(path);
  int fd = ::openat(at.dirfd, at.rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return nullptr;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    int err = errno;
    ::close(fd);
    errno = err;
  }
  return dir;
}

int StatPath(const std::string& path, struct stat* st) {
  AtPath at = ResolveKeptDir(path);
  return ::fstatat(at.dirfd, at.rel, st, 0);
}

}  // namespace

// kShortRecords: the smallest buffer a seq_file fills per read, and the
// longest record of the files it is used for.
constexpr ssize_t kPage = 4096;
constexpr ssize_t kMaxRecord = 1024;

// Through a stack buffer: growing `out` with resize() would zero-fill it
// before every read, which cost more than the reads' copies. Two pages, so
// that a sysfs attribute (at most one) fills less than the buffer.
int PreadAll(int fd, std::string& out, ShortRead rule) {
  out.clear();
  char buf[8192];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      out.clear();
      return err;
    }
    if (n == 0) return 0;
    out.append(buf, static_cast<size_t>(n));
    if (rule == ShortRead::kIsEnd && static_cast<size_t>(n) < sizeof buf) return 0;
    if (rule == ShortRead::kShortRecords && n < kPage - kMaxRecord) return 0;
    offset += n;
  }
}

void ReadOrThrow(CachedFile& file, std::string& out, std::string_view context) {
  if (int err = file.Read(out); err != 0) ThrowPathError(context, file.path(), err);
}

void ReadOrThrow(const std::string& path, std::string& out, std::string_view context) {
  int err = 0;
  if (!ReadFile(path, out, &err)) ThrowPathError(context, path, err);
}

void ThrowPathError(std::string_view context, std::string_view path, int err) {
  std::string msg(context);
  msg.append(path);
  msg.append(": ");
  msg.append(std::strerror(err));
  throw std::runtime_error(msg);
}

bool ReadFile(const std::string& path, std::string& out, int* error) {
  int fd = OpenFile(path);
  if (fd < 0) {
    if (error) *error = errno;
    out.clear();
    return false;
  }
  int err = PreadAll(fd, out);
  ::close(fd);
  if (error) *error = err;
  return err == 0;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::string out;
  if (!ReadFile(path, out)) return std::nullopt;
  return out;
}

std::optional<std::string> ReadAttr(const std::string& path) {
  auto content = ReadFile(path);
  if (!content) return std::nullopt;
  while (!content->empty() && std::isspace(static_cast<unsigned char>(content->back()))) {
    content->pop_back();
  }
  return content;
}

std::optional<int64_t> ReadInt(const std::string& path) {
  auto s = ReadAttr(path);
  if (!s) return std::nullopt;
  return ParseInt(Trim(*s));
}

std::optional<uint64_t> ReadUint(const std::string& path) {
  auto s = ReadAttr(path);
  if (!s) return std::nullopt;
  return ParseUint(Trim(*s));
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = OpenDirStream(path);
  if (!dir) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

DirLister::~DirLister() { Close(); }

int DirLister::List(std::vector<DirEntry>& entries) {
  entries.clear();
  const bool reused = dir_ != nullptr;
  if (reused) {
    ::rewinddir(dir_);
  } else if (int err = Open(); err != 0) {
    return err;
  }
  int err = ReadEntries(entries);
  if (reused && (err != 0 || entries.empty())) {
    // A directory removed since it was opened (on sysfs: its driver
    // unloaded) lists nothing or fails through the old descriptor, even once
    // the path exists again: look afresh.
    Close();
    entries.clear();
    if (int open_err = Open(); open_err != 0) return open_err;
    err = ReadEntries(entries);
  }
  // A readdir error keeps what was listed (as a plain readdir loop does);
  // the stream is reopened next time, and so is an empty one.
  if (!keep_open_ || err != 0 || entries.empty()) Close();
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return 0;
}

int DirLister::Open() {
  dir_ = OpenDirStream(path_);
  return dir_ ? 0 : errno;
}

void DirLister::Close() {
  if (dir_) ::closedir(dir_);
  dir_ = nullptr;
}

int DirLister::ReadEntries(std::vector<DirEntry>& entries) {
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(dir_);
    if (!e) return errno;  // 0 at the end of the directory
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(dir_), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_LNK;
      }
    }
    entries.push_back({std::string(name), e->d_ino, type});
  }
}

namespace {
bool IsMountOfType(const std::string& path, long magic) {
  struct statfs st;
  return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}
}  // namespace

bool IsProcfsMount(const std::string& path) { return IsMountOfType(path, PROC_SUPER_MAGIC); }
bool IsSysfsMount(const std::string& path) { return IsMountOfType(path, SYSFS_MAGIC); }

size_t CountDirEntries(const std::string& path) {
  DIR* dir = OpenDirStream(path);
  if (!dir) return 0;
  size_t n = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    n += name != "." && name != "..";
  }
  ::closedir(dir);
  return n;
}

bool Exists(const std::string& path) {
  struct stat st;
  return StatPath(path, &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return StatPath(path, &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> ReadLink(const std::string& path) {
  std::string buf(256, '\0');
  for (;;) {
    AtPath at = ResolveKeptDir(path);
    ssize_t n = ::readlinkat(at.dirfd, at.rel, buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

std::string_view BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

CachedFile::CachedFile(CachedFile&& other) noexcept
    : path_(std::move(other.path_)), rule_(other.rule_), fd_(other.fd_) {
  other.fd_ = -1;
}

CachedFile& CachedFile::operator=(CachedFile&& other) noexcept {
  if (this != &other) {
    Close();
    path_ = std::move(other.path_);
    rule_ = other.rule_;
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

CachedFile::~CachedFile() { Close(); }

void CachedFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int CachedFile::Read(std::string& out) {
  if (fd_ < 0) {
    fd_ = OpenFile(path_);
    if (fd_ < 0) {
      out.clear();
      return errno;
    }
  }
  int err = PreadAll(fd_, out, rule_);
  if (err != 0) Close();
  return err;
}

std::string_view Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto begin = s.find_first_not_of(ws);
  if (begin == std::string_view::npos) return {};
  auto end = s.find_last_not_of(ws);
  return s.substr(begin, end - begin + 1);
}

std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  Fields(s, out);
  return out;
}

namespace {

// A table rather than four compares per byte: Fields runs over every line of
// every file a scrape parses.
constexpr std::array<bool, 256> kFieldSeparator = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {' ', '\t', '\n', '\r'}) t[c] = true;
  return t;
}();

}  // namespace

void Fields(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  auto space = [](char c) { return kFieldSeparator[static_cast<unsigned char>(c)]; };
  const char* p = s.data();
  const char* end = p + s.size();
  while (p != end) {
    while (p != end && space(*p)) ++p;
    const char* start = p;
    while (p != end && !space(*p)) ++p;
    if (p != start) out.emplace_back(start, static_cast<size_t>(p - start));
  }
}

std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < s.size()) {
    auto nl = s.find('\n', start);
    if (nl == std::string_view::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::optional<uint64_t> ParseUint(std::string_view s, int base) {
  uint64_t value = 0;
  if (base == 16 && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseInt(std::string_view s, int base) {
  int64_t value = 0;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view s) {
  // Nearly every procfs value is a plain counter: up to 15 digits is an
  // integer below 2^53, exact as a double, so from_chars's general (and much
  // slower) path gives the same result.
  if (!s.empty() && s.size() <= 15) {
    uint64_t n = 0;
    bool digits = true;
    for (char c : s) {
      digits &= c >= '0' && c <= '9';
      n = n * 10 + static_cast<unsigned char>(c - '0');
    }
    if (digits) return static_cast<double>(n);
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<double> ParseGoFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // strtod also skips leading space and accepts "infinity"/"nan(...)"; Go
  // accepts no spaces and no nan payload.
  if (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r' ||
      s.front() == '\v' || s.front() == '\f' || s.find('(') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return std::nullopt;
  // Go reports overflow as an error; underflow to 0/denormal is fine.
  if (errno == ERANGE && std::isinf(v)) return std::nullopt;
  return v;
}

std::optional<std::chrono::nanoseconds> ParseGoDuration(std::string_view s) {
  if (s == "0") return std::chrono::nanoseconds(0);
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3}, {"ms", 1e6},
      {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    auto number = ParseDouble(s.substr(0, i));
    if (!number) return std::nullopt;
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    bool found = false;
    for (const auto& [name, factor] : kUnits) {
      if (unit == name) {
        total += *number * factor;
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
  }
  // Go rejects a duration past int64 nanoseconds (about 292 years); the cast
  // of a larger double would be undefined.
  if (!(total < 9223372036854775807.0)) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(negative ? -total : total));
}

}  // namespace node_agent
