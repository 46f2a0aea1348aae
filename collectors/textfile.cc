#include "collectors/textfile.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "lib/log.h"

namespace node_agent {

// ---------------------------------------------------------------------------
// Parser

std::optional<double> ParseExpfmtFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // expfmt refuses these before strconv sees them (hex floats and digit
  // separators are Go syntax, not exposition syntax).
  if (s.find_first_of("pP_") != std::string_view::npos) return std::nullopt;
  std::string_view body = s;
  bool negative = false;
  if (body.front() == '+' || body.front() == '-') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  std::string lower(body);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf" || lower == "infinity") {
    return negative ? -HUGE_VAL : HUGE_VAL;
  }
  if (lower == "nan") return std::nan("");
  // Decimal only: digits, one '.', an optional exponent.
  size_t i = 0, digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  return ParseGoFloat(s);
}

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsMetricNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsMetricNameChar(char c) {
  return IsMetricNameStart(c) || std::isdigit(static_cast<unsigned char>(c));
}
bool IsLabelNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsLabelNameChar(char c) {
  return IsLabelNameStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid in Go too.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

struct FamilyState {
  ParsedFamily family;
  bool type_set = false;
  // Summary/histogram samples grouped by their labels (quantile/le excluded).
  std::map<Labels, size_t> by_labels;
};

class TextParser {
 public:
  explicit TextParser(std::string_view text) : text_(text) {}

  std::optional<std::vector<ParsedFamily>> Parse(std::string* error) {
    size_t start = 0;
    while (start <= text_.size() && ok_) {
      size_t nl = text_.find('\n', start);
      if (nl == std::string_view::npos) nl = text_.size();
      ++line_no_;
      line_ = text_.substr(start, nl - start);
      pos_ = 0;
      ParseLine();
      start = nl + 1;
      if (nl == text_.size()) break;
    }
    if (!ok_) {
      if (error) *error = error_;
      return std::nullopt;
    }
    std::vector<ParsedFamily> out;
    for (auto& state : families_) {
      if (!state.family.metrics.empty()) out.push_back(std::move(state.family));
    }
    return out;
  }

 private:
  bool Fail(const std::string& msg) {
    if (ok_) error_ = "text format parsing error in line " + std::to_string(line_no_) + ": " + msg;
    ok_ = false;
    return false;
  }
  bool AtEnd() const { return pos_ >= line_.size(); }
  char Cur() const { return line_[pos_]; }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(Cur())) ++pos_;
  }
  std::string_view TokenUntilBlank() {
    size_t b = pos_;
    while (!AtEnd() && !IsBlank(Cur())) ++pos_;
    return line_.substr(b, pos_ - b);
  }
  std::string_view MetricName() {
    size_t b = pos_;
    if (AtEnd() || !IsMetricNameStart(Cur())) return {};
    while (!AtEnd() && IsMetricNameChar(Cur())) ++pos_;
    return line_.substr(b, pos_ - b);
  }
  std::string_view LabelName() {
    size_t b = pos_;
    if (AtEnd() || !IsLabelNameStart(Cur())) return {};
    while (!AtEnd() && IsLabelNameChar(Cur())) ++pos_;
    return line_.substr(b, pos_ - b);
  }

  FamilyState& CreateFamily(std::string_view name) {
    index_.emplace(std::string(name), families_.size());
    families_.emplace_back();
    families_.back().family.name = std::string(name);
    return families_.back();
  }

  // expfmt's setOrCreateCurrentMF: an exact name wins; otherwise a _sum /
  // _count (/ _bucket) sample belongs to an existing summary (histogram).
  FamilyState& FamilyForSample(std::string_view name) {
    role_ = Role::kPlain;
    if (auto it = index_.find(std::string(name)); it != index_.end()) return families_[it->second];
    auto strip = [&](std::string_view suffix) -> std::optional<std::string> {
      if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
        return std::string(name.substr(0, name.size() - suffix.size()));
      }
      return std::nullopt;
    };
    for (auto [suffix, role] : {std::pair{std::string_view("_count"), Role::kCount},
                                std::pair{std::string_view("_sum"), Role::kSum}}) {
      if (auto base = strip(suffix)) {
        auto it = index_.find(*base);
        if (it != index_.end() && families_[it->second].type_set &&
            families_[it->second].family.type == MetricType::Summary) {
          role_ = role;
          return families_[it->second];
        }
      }
    }
    for (auto [suffix, role] : {std::pair{std::string_view("_count"), Role::kCount},
                                std::pair{std::string_view("_sum"), Role::kSum},
                                std::pair{std::string_view("_bucket"), Role::kBucket}}) {
      if (auto base = strip(suffix)) {
        auto it = index_.find(*base);
        if (it != index_.end() && families_[it->second].type_set &&
            families_[it->second].family.type == MetricType::Histogram) {
          role_ = role;
          return families_[it->second];
        }
      }
    }
    return CreateFamily(name);
  }

  void ParseLine() {
    SkipBlanks();
    if (AtEnd()) return;
    if (Cur() == '#') {
      ParseComment();
    } else {
      ParseSample();
    }
  }

  void ParseComment() {
    ++pos_;
    SkipBlanks();
    if (AtEnd()) return;
    std::string_view keyword = TokenUntilBlank();
    if (keyword != "HELP" && keyword != "TYPE") return;  // a plain comment
    SkipBlanks();
    std::string_view name = MetricName();
    if (name.empty()) {
      Fail("invalid metric name in comment");
      return;
    }
    FamilyState& state = FamilyForSample(name);
    if (AtEnd()) return;  // an empty HELP/TYPE is not an error
    if (!IsBlank(Cur())) {
      Fail("invalid metric name in comment");
      return;
    }
    SkipBlanks();
    if (AtEnd()) return;
    std::string_view rest = line_.substr(pos_);
    if (keyword == "HELP") {
      if (state.family.help) {
        Fail("second HELP line for metric name \"" + state.family.name + "\"");
        return;
      }
      std::string help;
      for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] != '\\') {
          help.push_back(rest[i]);
          continue;
        }
        if (i + 1 >= rest.size()) {
          Fail("invalid escape sequence in HELP");
          return;
        }
        char next = rest[++i];
        if (next == '\\') help.push_back('\\');
        else if (next == 'n') help.push_back('\n');
        else {
          Fail(std::string("invalid escape sequence '\\") + next + "'");
          return;
        }
      }
      state.family.help = std::move(help);
      return;
    }
    if (state.type_set) {
      Fail("second TYPE line for metric name \"" + state.family.name +
           "\", or TYPE reported after samples");
      return;
    }
    std::string upper(rest);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static const std::map<std::string, MetricType, std::less<>> kTypes = {
        {"COUNTER", MetricType::Counter},     {"GAUGE", MetricType::Gauge},
        {"SUMMARY", MetricType::Summary},     {"UNTYPED", MetricType::Untyped},
        {"HISTOGRAM", MetricType::Histogram},
    };
    auto it = kTypes.find(upper);
    if (it == kTypes.end()) {
      // GAUGE_HISTOGRAM parses in expfmt but node_exporter cannot convert it.
      Fail("unknown metric type \"" + std::string(rest) + "\"");
      return;
    }
    state.family.type = it->second;
    state.type_set = true;
  }

  void ParseSample() {
    std::string_view name = MetricName();
    if (name.empty()) {
      Fail("invalid metric name");
      return;
    }
    FamilyState& state = FamilyForSample(name);
    if (!state.type_set) {
      state.family.type = MetricType::Untyped;
      state.type_set = true;
    }
    const MetricType type = state.family.type;
    Labels labels;
    double quantile = std::nan(""), bucket = std::nan("");
    SkipBlanks();
    if (!AtEnd() && Cur() == '{') {
      ++pos_;
      std::set<std::string, std::less<>> seen;
      for (;;) {
        SkipBlanks();
        if (AtEnd()) return void(Fail("unexpected end of label set"));
        if (Cur() == '}') {
          ++pos_;
          break;
        }
        std::string_view label = LabelName();
        if (label.empty()) return void(Fail("invalid label name for metric \"" + std::string(name) + "\""));
        if (label == "__name__") return void(Fail("label name \"__name__\" is reserved"));
        if (!seen.emplace(label).second) {
          return void(Fail("duplicate label names for metric \"" + std::string(name) + "\""));
        }
        SkipBlanks();
        if (AtEnd() || Cur() != '=') return void(Fail("expected '=' after label name"));
        ++pos_;
        SkipBlanks();
        if (AtEnd() || Cur() != '"') return void(Fail("expected '\"' at start of label value"));
        ++pos_;
        std::string value;
        bool closed = false;
        while (!AtEnd()) {
          char c = line_[pos_++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c != '\\') {
            value.push_back(c);
            continue;
          }
          if (AtEnd()) break;
          char next = line_[pos_++];
          if (next == '\\') value.push_back('\\');
          else if (next == '"') value.push_back('"');
          else if (next == 'n') value.push_back('\n');
          else return void(Fail(std::string("invalid escape sequence '\\") + next + "'"));
        }
        if (!closed) return void(Fail("label value contains unescaped new-line or is unterminated"));
        if (!ValidUtf8(value)) return void(Fail("invalid label value (not UTF-8)"));
        if (type == MetricType::Summary && label == "quantile") {
          auto q = ParseExpfmtFloat(value);
          if (!q) return void(Fail("expected float as value for 'quantile' label, got \"" + value + "\""));
          quantile = *q;
        } else if (type == MetricType::Histogram && label == "le") {
          auto b = ParseExpfmtFloat(value);
          if (!b) return void(Fail("expected float as value for 'le' label, got \"" + value + "\""));
          bucket = *b;
        } else {
          labels.push_back({std::string(label), std::move(value)});
        }
        SkipBlanks();
        if (AtEnd()) return void(Fail("unexpected end of label value"));
        if (Cur() == ',') {
          ++pos_;
          continue;
        }
        if (Cur() == '}') {
          ++pos_;
          break;
        }
        return void(Fail("unexpected end of label value"));
      }
      SkipBlanks();
    }
    std::string_view value_token = TokenUntilBlank();
    auto value = ParseExpfmtFloat(value_token);
    if (!value) return void(Fail("expected float as value, got \"" + std::string(value_token) + "\""));
    SkipBlanks();
    if (!AtEnd()) {
      std::string_view ts = TokenUntilBlank();
      if (!ParseInt(ts)) return void(Fail("expected integer as timestamp, got \"" + std::string(ts) + "\""));
      SkipBlanks();
      if (!AtEnd()) return void(Fail("spurious string after timestamp"));
      state.family.has_timestamps = true;
    }

    auto& metrics = state.family.metrics;
    if (type == MetricType::Summary || type == MetricType::Histogram) {
      std::sort(labels.begin(), labels.end());
      auto [it, inserted] = state.by_labels.emplace(labels, metrics.size());
      if (inserted) {
        metrics.emplace_back();
        metrics.back().label = labels;
      }
      auto& m = metrics[it->second];
      // Counts are integers in the data model: expfmt truncates with uint64().
      auto as_count = [](double v) -> uint64_t {
        return (v >= 0 && v < 1.8446744073709552e19) ? static_cast<uint64_t>(v) : 0;
      };
      if (type == MetricType::Summary) {
        if (role_ == Role::kCount) m.summary.sample_count = as_count(*value);
        else if (role_ == Role::kSum) m.summary.sample_sum = *value;
        else if (!std::isnan(quantile)) m.summary.quantile.push_back({quantile, *value});
      } else {
        if (role_ == Role::kCount) m.histogram.sample_count = as_count(*value);
        else if (role_ == Role::kSum) m.histogram.sample_sum = *value;
        else if (role_ == Role::kBucket && !std::isnan(bucket)) {
          m.histogram.bucket.push_back({as_count(*value), bucket});
        }
      }
      return;
    }
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    switch (type) {
      case MetricType::Counter: m.counter.value = *value; break;
      case MetricType::Gauge: m.gauge.value = *value; break;
      default: m.untyped.value = *value; break;
    }
    metrics.push_back(std::move(m));
  }

  enum class Role { kPlain, kCount, kSum, kBucket };

  std::string_view text_;
  std::string_view line_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
  bool ok_ = true;
  std::string error_;
  Role role_ = Role::kPlain;
  std::vector<FamilyState> families_;  // std::deque-like use: references are not kept across lines
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace

std::optional<std::vector<ParsedFamily>> ParseTextFormat(std::string_view text, std::string* error) {
  return TextParser(text).Parse(error);
}

std::string GoJoinPath(std::string_view dir, std::string_view name) {
  std::string joined;
  if (dir.empty()) joined = std::string(name);
  else if (name.empty()) joined = std::string(dir);
  else joined = std::string(dir) + "/" + std::string(name);
  if (joined.empty()) return "";
  // filepath.Clean: drop empty and "." elements, fold "..".
  const bool rooted = joined.front() == '/';
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
        continue;
      }
      if (rooted) continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.push_back('/');
    out.append(parts[i]);
  }
  if (out.empty()) out = ".";
  return out;
}

namespace {

constexpr std::string_view kMtimeHelp = "Unixtime mtime of textfiles successfully read.";
constexpr std::string_view kErrorHelp = "1 if there was an error opening or reading a file, 0 otherwise";

std::vector<std::string> ExpandGlob(const std::string& pattern) {
  glob_t g{};
  // GLOB_PERIOD: Go's filepath.Glob lets '*' match a leading dot.
  int rc = ::glob(pattern.c_str(), GLOB_PERIOD, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  // Not a glob, or nothing matched: the pattern is taken as a directory.
  if (out.empty()) out.push_back(pattern);
  return out;
}

// What one file yielded; cached while the file is unchanged.
struct FileResult {
  std::string error;  // empty on success
  double mtime = 0;
  std::vector<ParsedFamily> families;
};

struct FileKey {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  timespec mtime{};
  timespec ctime{};
  bool operator==(const FileKey& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec && ctime.tv_sec == o.ctime.tv_sec &&
           ctime.tv_nsec == o.ctime.tv_nsec;
  }
};

struct CachedResult {
  FileKey key;
  std::shared_ptr<const FileResult> result;
  bool seen = false;  // seen in this scrape (for eviction)
};

// client_golang's metric order within a family: by label values, the label
// pairs being sorted by name.
bool MetricLess(const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
  if (a.label.size() != b.label.size()) return a.label.size() < b.label.size();
  for (size_t i = 0; i < a.label.size(); ++i) {
    if (a.label[i].value != b.label[i].value) return a.label[i].value < b.label[i].value;
  }
  return false;
}

class TextfileCollector : public Collector {
 public:
  explicit TextfileCollector(TextfileOptions options) : options_(std::move(options)) {}

  void Collect(MetricSet& out) override {
    bool errored = false;
    std::vector<std::string> paths;
    for (const auto& pattern : options_.directories) {
      for (auto& p : ExpandGlob(pattern)) paths.push_back(std::move(p));
    }
    for (auto& [path, cached] : cache_) cached.seen = false;

    std::vector<const ParsedFamily*> accepted;
    std::map<std::string, std::vector<std::string>, std::less<>> files_by_name;
    // First HELP seen per name, and whether a conflict was already found.
    std::map<std::string, std::pair<std::string, bool>, std::less<>> help_by_name;
    std::map<std::string, double> mtimes;
    std::vector<std::shared_ptr<const FileResult>> keep_alive;

    for (const auto& dir : paths) {
      auto entries = ListDirChecked(dir);
      if (!entries) {
        if (!dir.empty()) {
          errored = true;
          log::WarnOnce("textfile-dir:" + dir, "failed to read textfile collector directory",
                        {{"path", dir}, {"err", std::strerror(last_errno_)}});
        }
        continue;
      }
      for (const auto& name : *entries) {
        if (name.size() < 5 || name.compare(name.size() - 5, 5, ".prom") != 0) continue;
        std::string file = GoJoinPath(dir, name);
        auto result = ProcessFile(file);
        keep_alive.push_back(result);
        for (const auto& family : result->families) {
          auto seen = help_by_name.find(family.name);
          if (seen != help_by_name.end() &&
              ((family.help && seen->second.first != *family.help) || seen->second.second)) {
            // node_exporter keeps the first help text and drops the rest.
            seen->second.second = true;
            errored = true;
            log::WarnOnce("textfile-help:" + file + ":" + family.name, "inconsistent metric help text",
                          {{"metric", family.name},
                           {"original_help_text", seen->second.first},
                           {"new_help_text", family.help.value_or("")},
                           {"file", files_by_name[family.name].front()}});
            continue;
          }
          if (family.help) help_by_name[family.name] = {*family.help, false};
          files_by_name[family.name].push_back(file);
          accepted.push_back(&family);
        }
        if (!result->error.empty()) {
          errored = true;
          log::WarnOnce("textfile-file:" + file + ":" + result->error, "failed to collect textfile data",
                        {{"file", name}, {"err", result->error}});
          continue;
        }
        mtimes[file] = result->mtime;
      }
    }
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = it->second.seen ? std::next(it) : cache_.erase(it);
    }

    Emit(accepted, files_by_name, out);

    for (const auto& [file, mtime] : mtimes) {
      out.Gauge("node_textfile_mtime_seconds", kMtimeHelp, {{"file", file}},
                options_.fixed_mtime.value_or(mtime));
    }
    out.Gauge("node_textfile_scrape_error", kErrorHelp, {}, errored ? 1 : 0);
  }

 private:
  std::optional<std::vector<std::string>> ListDirChecked(const std::string& dir) {
    // ListDir hides errors; the error flag needs them.
    if (dir.empty() || !IsDir(dir)) {
      struct stat st;
      last_errno_ = ::stat(dir.c_str(), &st) == 0 ? ENOTDIR : errno;
      return std::nullopt;
    }
    if (::access(dir.c_str(), R_OK | X_OK) != 0) {
      last_errno_ = errno;
      return std::nullopt;
    }
    return ListDir(dir);
  }

  std::shared_ptr<const FileResult> ProcessFile(const std::string& path) {
    auto fail = [](std::string msg) {
      auto r = std::make_shared<FileResult>();
      r->error = std::move(msg);
      return r;
    };
    // O_NONBLOCK: a FIFO or a device named *.prom must not hang the scrape.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      return fail("failed to open textfile data file \"" + path + "\": " + std::strerror(errno));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return fail("failed to stat \"" + path + "\": " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return fail("failed to read textfile data from \"" + path + "\": not a regular file");
    }
    FileKey key{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
    auto& cached = cache_[path];
    cached.seen = true;
    if (cached.result && cached.key == key) {
      ::close(fd);
      return cached.result;
    }
    std::string content;
    int err = 0;
    const size_t limit = options_.max_file_bytes;
    bool too_big = static_cast<uint64_t>(st.st_size) > limit;
    while (!too_big) {
      char buf[65536];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      if (n == 0) break;
      content.append(buf, static_cast<size_t>(n));
      too_big = content.size() > limit;  // still growing past its stat size
    }
    ::close(fd);
    std::shared_ptr<FileResult> result;
    if (too_big) {
      const uint64_t size = std::max<uint64_t>(static_cast<uint64_t>(st.st_size), content.size());
      content = std::string();
      result = fail("textfile \"" + path + "\" is " + std::to_string(size) + " bytes, more than the limit of " +
                    std::to_string(limit) + ": skipping entire file");
    } else if (err != 0) {
      result = fail("failed to read textfile data from \"" + path + "\": " + std::strerror(err));
    } else {
      std::string parse_error;
      auto families = ParseTextFormat(content, &parse_error);
      result = std::make_shared<FileResult>();
      if (!families) {
        result->error = "failed to parse textfile data from \"" + path + "\": " + parse_error;
      } else if (std::any_of(families->begin(), families->end(),
                             [](const ParsedFamily& f) { return f.has_timestamps; })) {
        result->error = "textfile \"" + path + "\" contains unsupported client-side timestamps, skipping entire file";
      } else {
        result->families = std::move(*families);
        result->mtime = static_cast<double>(st.st_mtim.tv_sec);
      }
    }
    cached.key = key;
    cached.result = result;
    return result;
  }

  void Emit(const std::vector<const ParsedFamily*>& accepted,
            const std::map<std::string, std::vector<std::string>, std::less<>>& files_by_name,
            MetricSet& out) {
    struct Output {
      MetricType type;
      std::string help;
      std::vector<prometheus::ClientMetric> metrics;
      std::set<Labels> label_sets;
    };
    std::vector<std::pair<std::string, Output>> outputs;
    std::map<std::string, size_t, std::less<>> index;
    for (const ParsedFamily* family : accepted) {
      std::string help;
      if (family->help) {
        help = *family->help;
      } else {
        help = "Metric read from ";
        const auto& files = files_by_name.at(family->name);
        for (size_t i = 0; i < files.size(); ++i) {
          if (i) help += ", ";
          help += files[i];
        }
      }
      auto [it, inserted] = index.emplace(family->name, outputs.size());
      if (inserted) outputs.push_back({family->name, Output{family->type, help, {}, {}}});
      Output& output = outputs[it->second].second;
      if (output.type != family->type) {
        // client_golang's registry refuses such samples at gather time.
        log::WarnOnce("textfile-type:" + family->name, "textfile metric has inconsistent types, samples dropped",
                      {{"metric", family->name}});
        continue;
      }
      // node_exporter gives every sample of a family the union of the
      // family's label names, missing ones empty.
      std::set<std::string> names;
      for (const auto& m : family->metrics) {
        for (const auto& l : m.label) names.insert(l.name);
      }
      for (const auto& m : family->metrics) {
        prometheus::ClientMetric metric = m;
        for (const auto& name : names) {
          if (std::none_of(metric.label.begin(), metric.label.end(),
                           [&](const Label& l) { return l.name == name; })) {
            metric.label.push_back({name, ""});
          }
        }
        std::sort(metric.label.begin(), metric.label.end());
        if (!output.label_sets.insert(metric.label).second) {
          log::WarnOnce("textfile-dup:" + family->name, "duplicate textfile sample dropped",
                        {{"metric", family->name}});
          continue;
        }
        Normalize(family->type, metric);
        output.metrics.push_back(std::move(metric));
      }
    }
    for (auto& [name, output] : outputs) {
      std::stable_sort(output.metrics.begin(), output.metrics.end(), MetricLess);
      for (auto& metric : output.metrics) out.AddMetric(output.type, name, output.help, std::move(metric));
    }
  }

  // Const summaries/histograms in client_golang keep one value per
  // quantile/bound (the last given), sorted.
  static void Normalize(MetricType type, prometheus::ClientMetric& metric) {
    if (type == MetricType::Summary) {
      std::map<double, double> q;
      for (const auto& e : metric.summary.quantile) q[e.quantile] = e.value;
      metric.summary.quantile.clear();
      for (const auto& [k, v] : q) metric.summary.quantile.push_back({k, v});
    } else if (type == MetricType::Histogram) {
      std::map<double, uint64_t> b;
      for (const auto& e : metric.histogram.bucket) b[e.upper_bound] = e.cumulative_count;
      metric.histogram.bucket.clear();
      for (const auto& [k, v] : b) metric.histogram.bucket.push_back({v, k});
    }
  }

  TextfileOptions options_;
  std::map<std::string, CachedResult> cache_;
  int last_errno_ = 0;
};

TextfileOptions& FlagOptions() {
  static TextfileOptions options;
  return options;
}

void AddTextfileFlags(CLI::App& app) {
  app.add_option("--collector.textfile.directory", FlagOptions().directories,
                 "Directory to read text files with metrics from, supports glob matching. (repeatable)")
      ->group("textfile collector")
      ->expected(1)
      ->take_all();
}

std::unique_ptr<Collector> CreateTextfile(const Paths&) { return NewTextfileCollector(FlagOptions()); }

NODE_AGENT_REGISTER_COLLECTOR("textfile", kEnabledByDefault, &AddTextfileFlags, &CreateTextfile);

}  // namespace

std::unique_ptr<Collector> NewTextfileCollector(TextfileOptions options) {
  return std::make_unique<TextfileCollector>(std::move(options));
}

}  // namespace node_agent
