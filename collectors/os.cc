#include "collectors/os.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {
namespace {

bool IsKeyChar(char c, bool first) {
  return c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// Parses the value part of one line; nullopt when it is malformed (an
// unterminated quote, or text after the value that is not a comment).
std::optional<std::string> ParseValue(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'') {
      size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos) return std::nullopt;
      out.append(s.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          out.push_back(s[i + 1]);
          i += 2;
        } else if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          out.push_back(s[i++]);
        }
      }
      if (!closed) return std::nullopt;
    } else if (c == ' ' || c == '\t') {
      break;
    } else if (c == '\\' && i + 1 < s.size()) {
      out.push_back(s[i + 1]);
      i += 2;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  // Only whitespace and a comment may follow the value.
  std::string_view rest = Trim(s.substr(i));
  if (!rest.empty() && rest.front() != '#') return std::nullopt;
  return out;
}

}  // namespace

OsReleaseVars ParseOsRelease(std::string_view content) {
  OsReleaseVars r;
  for (auto raw : Lines(content)) {
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 7) == "export ") line = Trim(line.substr(7));
    size_t eq = line.find('=');
    bool ok = eq != std::string_view::npos && eq > 0;
    for (size_t i = 0; ok && i < eq; ++i) ok = IsKeyChar(line[i], i == 0);
    std::optional<std::string> value;
    if (ok) value = ParseValue(line.substr(eq + 1));
    if (!value) {
      r.malformed.emplace_back(line);
      continue;
    }
    r.vars.insert_or_assign(std::string(line.substr(0, eq)), std::move(*value));
  }
  return r;
}

double ParseOsVersion(std::string_view v) {
  // node_exporter: the match of ^[0-9]+\.?[0-9]* parsed as a float.
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 0) return 0;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  }
  std::string_view num = v.substr(0, i);
  if (num.back() == '.') num.remove_suffix(1);
  return ParseDouble(num).value_or(0);
}

std::optional<int64_t> ParseSupportEnd(std::string_view d) {
  // Go's time.Parse(time.DateOnly, ...): exactly YYYY-MM-DD, day checked
  // against the month.
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return std::nullopt;
  auto y = ParseUint(d.substr(0, 4));
  auto m = ParseUint(d.substr(5, 2));
  auto day = ParseUint(d.substr(8, 2));
  if (!y || !m || !day || !std::isdigit(static_cast<unsigned char>(d[0])) ||
      !std::isdigit(static_cast<unsigned char>(d[5])) || !std::isdigit(static_cast<unsigned char>(d[8]))) {
    return std::nullopt;
  }
  if (*m < 1 || *m > 12 || *day < 1) return std::nullopt;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  unsigned max_day = kDays[*m - 1] + ((*m == 2 && leap) ? 1 : 0);
  if (*day > max_day) return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm).
  int64_t yy = static_cast<int64_t>(*y) - (*m <= 2 ? 1 : 0);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t mp = (static_cast<int64_t>(*m) + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + static_cast<int64_t>(*day) - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  return days * 86400;
}

namespace {

struct FileId {
  std::string path;
  struct timespec mtime {};
  ino_t ino = 0;
  off_t size = 0;
  bool operator==(const FileId& o) const {
    return path == o.path && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec && ino == o.ino &&
           size == o.size;
  }
};

class OsCollector : public Collector {
 public:
  explicit OsCollector(const Paths& paths)
      : candidates_{paths.Root("etc/os-release"), paths.Root("usr/lib/os-release")} {}

  void Collect(MetricSet& out) override {
    // Re-parse only when the file changes, as node_exporter does: a stat per
    // scrape instead of a read and parse.
    std::optional<FileId> found;
    for (const auto& path : candidates_) {
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) continue;
        throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
      }
      found = FileId{path, st.st_mtim, st.st_ino, st.st_size};
      break;
    }
    if (!found) return out.SetNoData("no os-release file found");
    if (!cached_ || !(*cached_ == *found)) Load(*found);

    out.Gauge("node_os_info",
              "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, "
              "name, pretty_name, variant, variant_id, version, version_codename, version_id.",
              info_labels_, 1);
    if (version_ > 0) {
      out.Gauge("node_os_version", "Metric containing the major.minor part of the OS version.", version_labels_,
                version_);
    }
    if (support_end_) {
      out.Gauge("node_os_support_end_timestamp_seconds",
                "Metric containing the end-of-life date timestamp of the OS.", {},
                static_cast<double>(*support_end_));
    }
  }

 private:
  void Load(const FileId& id) {
    std::string content;
    int err = 0;
    if (!ReadFile(id.path, content, &err)) {
      ThrowPathError("", id.path, err);
    }
    OsReleaseVars r = ParseOsRelease(content);
    for (const auto& line : r.malformed) {
      log::WarnOnce("os:" + id.path + ":" + line.substr(0, line.find('=')), "skipping malformed os-release line",
                    {{"file", id.path}, {"line", line}});
    }
    auto get = [&](std::string_view key) -> std::string {
      auto it = r.vars.find(key);
      return it == r.vars.end() ? std::string() : it->second;
    };
    info_labels_ = {{"build_id", get("BUILD_ID")},
                    {"id", get("ID")},
                    {"id_like", get("ID_LIKE")},
                    {"image_id", get("IMAGE_ID")},
                    {"image_version", get("IMAGE_VERSION")},
                    {"name", get("NAME")},
                    {"pretty_name", get("PRETTY_NAME")},
                    {"variant", get("VARIANT")},
                    {"variant_id", get("VARIANT_ID")},
                    {"version", get("VERSION")},
                    {"version_codename", get("VERSION_CODENAME")},
                    {"version_id", get("VERSION_ID")}};
    version_labels_ = {{"id", get("ID")}, {"id_like", get("ID_LIKE")}, {"name", get("NAME")}};
    version_ = ParseOsVersion(get("VERSION_ID"));
    support_end_.reset();
    if (std::string end = get("SUPPORT_END"); !end.empty()) {
      support_end_ = ParseSupportEnd(end);
      if (!support_end_) {
        log::WarnOnce("os:" + id.path + ":SUPPORT_END", "invalid SUPPORT_END date in os-release",
                      {{"file", id.path}, {"value", end}});
      }
    }
    cached_ = id;
  }

  std::vector<std::string> candidates_;
  std::optional<FileId> cached_;
  Labels info_labels_;
  Labels version_labels_;
  double version_ = 0;
  std::optional<int64_t> support_end_;
};

std::unique_ptr<Collector> CreateOs(const Paths& paths) { return NewOsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("os", kEnabledByDefault, nullptr, &CreateOs);

}  // namespace

std::unique_ptr<Collector> NewOsCollector(const Paths& paths) { return std::make_unique<OsCollector>(paths); }

}  // namespace node_agent
