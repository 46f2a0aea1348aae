// Behaviours of Go's standard library and of prometheus/procfs' sysfs reading
// that node_exporter's values depend on, for collectors that must reproduce
// them byte for byte (sysfs attribute reads, strconv parsing, UTF-8 repair,
// metric name sanitising, path cleaning).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace node_agent {

// Decodes one UTF-8 rune at s[i]; returns its length, or 0 when invalid
// (Go then treats the single byte as RuneError).
size_t DecodeRune(std::string_view s, size_t i, char32_t* rune);

// Go's strings.ToValidUTF8(s, "\uFFFD"): each run of invalid bytes becomes
// one U+FFFD.
std::string ToValidUtf8(std::string_view s);

// Go's strings.TrimSpace / bytes.TrimSpace: leading and trailing Unicode white
// space (ASCII \t \n \v \f \r and space, U+0085, U+00A0 and the other Z
// spaces).
std::string_view GoTrimSpace(std::string_view s);

// Go's strconv.ParseInt(s, base, bit_size) / ParseUint: base 0 infers the base
// from a 0x/0o/0b/0 prefix and then allows '_' between digits; a sign is
// accepted by ParseInt only. nullopt on a syntax or range error.
std::optional<int64_t> ParseGoInt(std::string_view s, int base = 0, int bit_size = 64);
std::optional<uint64_t> ParseGoUint(std::string_view s, int base = 0, int bit_size = 64);
// Go's strconv.Atoi: ParseInt(s, 10, 0) on a 64-bit platform.
inline std::optional<int64_t> GoAtoi(std::string_view s) { return ParseGoInt(s, 10, 64); }

// procfs' util.SysReadFile: one read(2) of at most 128 bytes (a sysfs
// attribute; a driver returning EAGAIN does not make it spin), trimmed with
// GoTrimSpace. Returns 0 or the errno of open or read.
int SysReadFile(const std::string& path, std::string& out);

// node_exporter's readUintFromFile / procfs' util.ReadUintFromFile: the whole
// file, trimmed, as a base-10 uint64. The errno (0 when the file was read) is
// stored in *error; nullopt on a read or parse error.
std::optional<uint64_t> ReadGoUintFile(const std::string& path, int* error);

// node_exporter's SanitizeMetricName: every run of characters outside
// [0-9A-Za-z_], with the underscores around it, becomes one '_'.
std::string SanitizeMetricName(std::string_view name);

// Go's path/filepath.Clean: the shortest lexically equivalent path (no "//",
// ".", resolvable "..", trailing '/'); "" becomes ".".
std::string GoCleanPath(std::string_view path);

}  // namespace node_agent
