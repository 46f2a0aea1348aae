// Structured logging to stderr in logfmt (default) or JSON, as node_exporter
// does with --log.level / --log.format. Shared by the agent and collectors.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace node_agent::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

// Returns false when `name` is not a level/format name.
bool SetLevel(std::string_view name);
bool SetFormat(std::string_view name);
bool Enabled(Level level);

using Fields = std::vector<std::pair<std::string_view, std::string>>;

// Writes one record: time, level, msg, then the key/value fields.
void Write(Level level, std::string_view msg, const Fields& fields = {});

inline void Debug(std::string_view msg, const Fields& f = {}) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, msg, f);
}
inline void Info(std::string_view msg, const Fields& f = {}) { Write(Level::kInfo, msg, f); }
inline void Warn(std::string_view msg, const Fields& f = {}) { Write(Level::kWarn, msg, f); }
inline void Error(std::string_view msg, const Fields& f = {}) { Write(Level::kError, msg, f); }

// Logs at warn level the first time `key` is seen and at debug level after,
// so a malformed line that persists is reported once, not on every scrape.
// At most kWarnOnceMaxKeys keys are remembered; then they are forgotten.
inline constexpr size_t kWarnOnceMaxKeys = 4096;
void WarnOnce(const std::string& key, std::string_view msg, const Fields& fields = {});

// Captures records instead of writing them to stderr (tests).
void CaptureForTest(std::vector<std::string>* sink);

}  // namespace node_agent::log
