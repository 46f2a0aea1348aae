#include "lib/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <unordered_set>

namespace node_agent::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<Format> g_format{Format::kLogfmt};
std::mutex g_mutex;
std::vector<std::string>* g_capture = nullptr;

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms));
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

// Escapes for both a logfmt quoted value and a JSON string.
void AppendQuoted(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendLogfmt(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out.push_back(' ');
  out.append(key);
  out.push_back('=');
  if (NeedsQuotes(value)) {
    AppendQuoted(out, value);
  } else {
    out.append(value);
  }
}

void AppendJson(std::string& out, std::string_view key, std::string_view value) {
  if (out.size() > 1) out.push_back(',');  // out starts as "{"
  AppendQuoted(out, key);
  out.push_back(':');
  AppendQuoted(out, value);
}

}  // namespace

bool SetLevel(std::string_view name) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (name == LevelName(l)) {
      g_level = static_cast<int>(l);
      return true;
    }
  }
  return false;
}

bool SetFormat(std::string_view name) {
  if (name == "logfmt") {
    g_format = Format::kLogfmt;
  } else if (name == "json") {
    g_format = Format::kJson;
  } else {
    return false;
  }
  return true;
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void Write(Level level, std::string_view msg, const Fields& fields) {
  if (!Enabled(level)) return;
  std::string line;
  const bool json = g_format.load() == Format::kJson;
  auto add = [&](std::string_view k, std::string_view v) {
    if (json) {
      AppendJson(line, k, v);
    } else {
      AppendLogfmt(line, k, v);
    }
  };
  if (json) line.push_back('{');
  add("time", Timestamp());
  add("level", LevelName(level));
  add("msg", msg);
  for (const auto& [k, v] : fields) add(k, v);
  if (json) line.push_back('}');
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_capture) {
    g_capture->push_back(line);
    return;
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void WarnOnce(const std::string& key, std::string_view msg, const Fields& fields) {
  static std::mutex seen_mutex;
  static std::unordered_set<std::string> seen;
  bool first;
  {
    std::lock_guard<std::mutex> lock(seen_mutex);
    // Keys often hold the offending text (a textfile's error, a malformed
    // line), which can differ on every scrape for months: past the bound the
    // set starts over, so memory stays bounded at the cost of a repeated warning.
    if (seen.size() >= kWarnOnceMaxKeys && !seen.contains(key)) seen.clear();
    first = seen.insert(key).second;
  }
  Write(first ? Level::kWarn : Level::kDebug, msg, fields);
}

void CaptureForTest(std::vector<std::string>* sink) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_capture = sink;
}

}  // namespace node_agent::log
