#include "lib/sysfs_value.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <limits>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

TEST(SysReadFile, OneShortReadTrimmed) {
  testing::TempDir dir;
  dir.Write("a", "  value \n");
  dir.Write("long", std::string(300, 'y'));
  std::string out;
  EXPECT_EQ(SysReadFile(dir.path() + "/a", out), 0);
  EXPECT_EQ(out, "value");
  EXPECT_EQ(SysReadFile(dir.path() + "/long", out), 0);
  EXPECT_EQ(out.size(), 128u);
  EXPECT_EQ(SysReadFile(dir.path() + "/missing", out), ENOENT);
  EXPECT_EQ(SysReadFile(dir.path(), out), EISDIR);
}

TEST(ParseSysfsDecimal, TrimmedDecimalOnly) {
  EXPECT_EQ(ParseSysfsDecimal(" 42\n"), 42u);
  EXPECT_EQ(ParseSysfsDecimal("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseSysfsDecimal("18446744073709551616"));
  EXPECT_FALSE(ParseSysfsDecimal("0x10"));
  EXPECT_FALSE(ParseSysfsDecimal("+1"));
  EXPECT_FALSE(ParseSysfsDecimal(""));
}

TEST(ParseGoUintBase0, AsStrconv) {
  EXPECT_EQ(ParseGoUintBase0("0"), 0u);
  EXPECT_EQ(ParseGoUintBase0("123"), 123u);
  EXPECT_EQ(ParseGoUintBase0("0x1F"), 31u);
  EXPECT_EQ(ParseGoUintBase0("0X1f"), 31u);
  EXPECT_EQ(ParseGoUintBase0("0o17"), 15u);
  EXPECT_EQ(ParseGoUintBase0("017"), 15u);
  EXPECT_EQ(ParseGoUintBase0("0b101"), 5u);
  EXPECT_EQ(ParseGoUintBase0("1_000"), 1000u);
  EXPECT_EQ(ParseGoUintBase0("0x_1f"), 31u);
  EXPECT_EQ(ParseGoUintBase0("0xffffffffffffffff"), UINT64_MAX);
  EXPECT_FALSE(ParseGoUintBase0("0x10000000000000000"));
  EXPECT_FALSE(ParseGoUintBase0(""));
  EXPECT_FALSE(ParseGoUintBase0("0x"));
  EXPECT_FALSE(ParseGoUintBase0("08"));
  EXPECT_FALSE(ParseGoUintBase0("_1"));
  EXPECT_FALSE(ParseGoUintBase0("1__0"));
  EXPECT_FALSE(ParseGoUintBase0("1_"));
  EXPECT_FALSE(ParseGoUintBase0("-1"));
  EXPECT_FALSE(ParseGoUintBase0("+1"));
  EXPECT_FALSE(ParseGoUintBase0(" 1"));
  EXPECT_FALSE(ParseGoUintBase0("0b2"));
}

TEST(GoFloatToUint64, DefinedEverywhere) {
  EXPECT_EQ(GoFloatToUint64(1.9), 1u);
  EXPECT_EQ(GoFloatToUint64(0), 0u);
  EXPECT_EQ(GoFloatToUint64(-1.5), UINT64_MAX);  // int64 -1, as amd64 converts
  EXPECT_EQ(GoFloatToUint64(1e19), 10000000000000000000u);
  EXPECT_EQ(GoFloatToUint64(1e30), uint64_t{1} << 63);
  EXPECT_EQ(GoFloatToUint64(-1e30), uint64_t{1} << 63);
  EXPECT_EQ(GoFloatToUint64(std::nan("")), uint64_t{1} << 63);
  EXPECT_EQ(GoFloatToUint64(std::numeric_limits<double>::infinity()), uint64_t{1} << 63);
}

}  // namespace
}  // namespace node_agent
