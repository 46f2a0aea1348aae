#include "lib/sysfs_value.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "lib/fs.h"

namespace node_agent {

std::optional<uint64_t> ParseSysfsDecimal(std::string_view content) { return ParseUint(Trim(content)); }

namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Go's underscoreOK: underscores only between digits, or right after a base
// prefix.
bool UnderscoresOk(std::string_view s) {
  char saw = '^';  // '^' start, '0' digit or prefix, '_' underscore, '!' other
  size_t i = 0;
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      hex = p == 'x';
      i = 2;
      saw = '0';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && DigitValue(c) < 16)) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

}  // namespace

std::optional<uint64_t> ParseGoUintBase0(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string_view digits = s;
  int base = 10;
  if (s[0] == '0') {
    char p = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : '\0';
    base = p == 'x' ? 16 : p == 'b' ? 2 : 8;
    digits.remove_prefix(p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
  }
  bool underscores = false;
  uint64_t value = 0;
  for (char c : digits) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    int d = DigitValue(c);
    if (d >= base) return std::nullopt;
    if (value > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return std::nullopt;
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (underscores && !UnderscoresOk(s)) return std::nullopt;
  return value;
}

uint64_t GoFloatToUint64(double f) {
  constexpr double kTwo63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = uint64_t{1} << 63;
  if (std::isnan(f)) return kIndefinite;
  if (f < kTwo63) {
    if (f < -kTwo63) return kIndefinite;  // below int64's range
    return static_cast<uint64_t>(static_cast<int64_t>(f));
  }
  double rest = f - kTwo63;
  if (rest >= kTwo63) return kIndefinite;
  return static_cast<uint64_t>(static_cast<int64_t>(rest)) ^ kIndefinite;
}

}  // namespace node_agent
