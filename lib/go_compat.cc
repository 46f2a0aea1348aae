#include "lib/go_compat.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <vector>

#include "lib/fs.h"

namespace node_agent {

size_t DecodeRune(std::string_view s, size_t i, char32_t* rune) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *rune = c;
    return 1;
  }
  size_t len;
  char32_t r, min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, r = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, r = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, r = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    r = (r << 6) | (cc & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return len;
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_invalid = false;
  for (size_t i = 0; i < s.size();) {
    char32_t r;
    size_t len = DecodeRune(s, i, &r);
    if (len == 0) {
      if (!in_invalid) out.append("\xEF\xBF\xBD");
      in_invalid = true;
      ++i;
      continue;
    }
    in_invalid = false;
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

namespace {

// The UTF-8 encodings of the runes unicode.IsSpace accepts beyond ASCII.
constexpr std::array<std::string_view, 17> kUnicodeSpaces = {
    "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82",
    "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88",
    "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF",
};
constexpr std::array<std::string_view, 2> kMoreSpaces = {"\xE2\x81\x9F", "\xE3\x80\x80"};

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// The length of the white space rune `s` starts (front) or ends (!front)
// with; 0 when it does not.
size_t SpaceRuneLen(std::string_view s, bool front) {
  if (s.empty()) return 0;
  if (IsAsciiSpace(front ? s.front() : s.back())) return 1;
  auto matches = [&](std::string_view enc) {
    return front ? s.substr(0, enc.size()) == enc
                 : s.size() >= enc.size() && s.substr(s.size() - enc.size()) == enc;
  };
  for (auto enc : kUnicodeSpaces) {
    if (matches(enc)) return enc.size();
  }
  for (auto enc : kMoreSpaces) {
    if (matches(enc)) return enc.size();
  }
  return 0;
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  char l = static_cast<char>(c | 0x20);
  if (l >= 'a' && l <= 'z') return l - 'a' + 10;
  return 99;
}

// strconv's underscoreOK: '_' only between digits (a base prefix counts as one).
bool UnderscoreOk(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char l = static_cast<char>(s[1] | 0x20);
    if (l == 'b' || l == 'o' || l == 'x') {
      i = 2;
      saw = '0';
      hex = l == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char l = static_cast<char>(s[i] | 0x20);
    if ((s[i] >= '0' && s[i] <= '9') || (hex && l >= 'a' && l <= 'f')) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
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

std::string_view GoTrimSpace(std::string_view s) {
  while (size_t n = SpaceRuneLen(s, true)) s.remove_prefix(n);
  while (size_t n = SpaceRuneLen(s, false)) s.remove_suffix(n);
  return s;
}

std::optional<uint64_t> ParseGoUint(std::string_view s, int base, int bit_size) {
  if (s.empty()) return std::nullopt;
  std::string_view s0 = s;
  bool base0 = base == 0;
  if (base0) {
    base = 10;
    if (s[0] == '0') {
      char l = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : 0;
      if (l == 'b') base = 2, s.remove_prefix(2);
      else if (l == 'o') base = 8, s.remove_prefix(2);
      else if (l == 'x') base = 16, s.remove_prefix(2);
      else base = 8, s.remove_prefix(1);
    }
  } else if (base < 2 || base > 36) {
    return std::nullopt;
  }
  if (bit_size == 0) bit_size = 64;
  if (bit_size < 0 || bit_size > 64) return std::nullopt;
  const uint64_t max_val = bit_size == 64 ? UINT64_MAX : (uint64_t{1} << bit_size) - 1;
  const uint64_t cutoff = UINT64_MAX / static_cast<uint64_t>(base) + 1;
  bool underscores = false;
  uint64_t n = 0;
  for (char c : s) {
    if (c == '_' && base0) {
      underscores = true;
      continue;
    }
    int d = DigitValue(c);
    if (d >= base) return std::nullopt;
    if (n >= cutoff) return std::nullopt;
    n *= static_cast<uint64_t>(base);
    uint64_t n1 = n + static_cast<uint64_t>(d);
    if (n1 < n || n1 > max_val) return std::nullopt;
    n = n1;
  }
  if (underscores && !UnderscoreOk(s0)) return std::nullopt;
  return n;
}

std::optional<int64_t> ParseGoInt(std::string_view s, int base, int bit_size) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (bit_size == 0) bit_size = 64;
  auto un = ParseGoUint(s, base, bit_size);
  if (!un || bit_size < 1) return std::nullopt;
  const uint64_t cutoff = uint64_t{1} << (bit_size - 1);
  if (!neg && *un >= cutoff) return std::nullopt;
  if (neg && *un > cutoff) return std::nullopt;
  if (neg) return *un == cutoff ? static_cast<int64_t>(-static_cast<int64_t>(cutoff - 1) - 1) : -static_cast<int64_t>(*un);
  return static_cast<int64_t>(*un);
}

int SysReadFile(const std::string& path, std::string& out) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[128];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof(buf));
  } while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : 0;
  ::close(fd);
  if (err != 0) return err;
  out.assign(GoTrimSpace(std::string_view(buf, static_cast<size_t>(n))));
  return 0;
}

std::optional<uint64_t> ReadGoUintFile(const std::string& path, int* error) {
  std::string content;
  int err = 0;
  bool ok = ReadFile(path, content, &err);
  if (error) *error = ok ? 0 : err;
  if (!ok) return std::nullopt;
  return ParseGoUint(GoTrimSpace(content), 10, 64);
}

std::string SanitizeMetricName(std::string_view s) {
  auto invalid = [](char c) {
    return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_');
  };
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (!invalid(s[i]) && s[i] != '_') {
      out.push_back(s[i++]);
      continue;
    }
    size_t j = i;
    while (j < s.size() && s[j] == '_') ++j;
    if (j < s.size() && invalid(s[j])) {
      while (j < s.size() && invalid(s[j])) ++j;
      while (j < s.size() && s[j] == '_') ++j;
      out.push_back('_');
    } else {
      out.append(s.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

std::string GoCleanPath(std::string_view path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);  // a relative path keeps leading ".."
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out.push_back('/');
    out.append(parts[k]);
  }
  if (out.empty()) return ".";
  return out;
}

}  // namespace node_agent
