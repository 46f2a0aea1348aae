#include "lib/go_compat.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

TEST(GoCompat, TrimSpace) {
  EXPECT_EQ(GoTrimSpace("  a b \n"), "a b");
  EXPECT_EQ(GoTrimSpace("\t\v\f\r\n"), "");
  EXPECT_EQ(GoTrimSpace("\xC2\xA0x\xC2\x85"), "x");            // NBSP, NEL
  EXPECT_EQ(GoTrimSpace("\xE3\x80\x80x\xE2\x80\xA8"), "x");     // ideographic space, line separator
  EXPECT_EQ(GoTrimSpace("\xC2" "x"), "\xC2" "x");               // invalid byte is not space
  EXPECT_EQ(GoTrimSpace("x\x85"), "x\x85");                      // a lone continuation byte neither
}

TEST(GoCompat, ParseInt) {
  EXPECT_EQ(ParseGoInt("42"), 42);
  EXPECT_EQ(ParseGoInt("-42"), -42);
  EXPECT_EQ(ParseGoInt("+7"), 7);
  EXPECT_EQ(ParseGoInt("0x8380"), 0x8380);
  EXPECT_EQ(ParseGoInt("0X1f"), 0x1f);
  EXPECT_EQ(ParseGoInt("0o17"), 017);
  EXPECT_EQ(ParseGoInt("017"), 017);
  EXPECT_EQ(ParseGoInt("0b101"), 5);
  EXPECT_EQ(ParseGoInt("0"), 0);
  EXPECT_EQ(ParseGoInt("1_000"), 1000);
  EXPECT_EQ(ParseGoInt("0x_1"), 1);
  EXPECT_FALSE(ParseGoInt("1__0"));
  EXPECT_FALSE(ParseGoInt("_1"));
  EXPECT_FALSE(ParseGoInt("1_"));
  EXPECT_FALSE(ParseGoInt("1_0", 10));  // underscores only with base 0
  EXPECT_FALSE(ParseGoInt("0x"));
  EXPECT_FALSE(ParseGoInt("08"));
  EXPECT_FALSE(ParseGoInt(""));
  EXPECT_FALSE(ParseGoInt("-"));
  EXPECT_FALSE(ParseGoInt(" 1"));
  EXPECT_EQ(ParseGoInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseGoInt("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(ParseGoInt("9223372036854775808"));
  EXPECT_EQ(ParseGoInt("0x7fffffff", 0, 32), 0x7fffffff);
  EXPECT_FALSE(ParseGoInt("0x80000000", 0, 32));
  EXPECT_EQ(ParseGoInt("-0x80000000", 0, 32), -0x80000000LL);
  EXPECT_EQ(ParseGoInt("ff", 16, 32), 255);
  EXPECT_FALSE(ParseGoInt("0xff", 16, 32));
}

TEST(GoCompat, ParseUint) {
  EXPECT_EQ(ParseGoUint("18446744073709551615", 10), UINT64_MAX);
  EXPECT_FALSE(ParseGoUint("18446744073709551616", 10));
  EXPECT_FALSE(ParseGoUint("-1", 10));
  EXPECT_FALSE(ParseGoUint("+1", 10));
  EXPECT_EQ(ParseGoUint("4294967295", 10, 32), 4294967295u);
  EXPECT_FALSE(ParseGoUint("4294967296", 10, 32));
  EXPECT_EQ(ParseGoUint("0x10"), 16u);
  EXPECT_EQ(GoAtoi("-3"), -3);
  EXPECT_FALSE(GoAtoi("1\n"));
}

TEST(GoCompat, Utf8) {
  EXPECT_EQ(ToValidUtf8("LNV-45N1\xff\xfe"), "LNV-45N1\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("\xC3\xA4"), "\xC3\xA4");
  EXPECT_EQ(ToValidUtf8("a\xff" "b\xff"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

TEST(GoCompat, SanitizeMetricName) {
  EXPECT_EQ(SanitizeMetricName("package"), "package");
  EXPECT_EQ(SanitizeMetricName("a-b"), "a_b");
  EXPECT_EQ(SanitizeMetricName("a__-__b"), "a_b");
  EXPECT_EQ(SanitizeMetricName("a__b"), "a__b");
  EXPECT_EQ(SanitizeMetricName("a-_-b"), "a__b");
  EXPECT_EQ(SanitizeMetricName("psys:1"), "psys_1");
  EXPECT_EQ(SanitizeMetricName("-x-"), "_x_");
  EXPECT_EQ(SanitizeMetricName("\xC3\xA4x"), "_x");
}

TEST(GoCompat, CleanPath) {
  EXPECT_EQ(GoCleanPath("collector/fixtures/sys/class/powercap/intel-rapl:0"),
            "collector/fixtures/sys/class/powercap/intel-rapl:0");
  EXPECT_EQ(GoCleanPath("/sys//class/./powercap/"), "/sys/class/powercap");
  EXPECT_EQ(GoCleanPath("a/b/../c"), "a/c");
  EXPECT_EQ(GoCleanPath("../a"), "../a");
  EXPECT_EQ(GoCleanPath("/../a"), "/a");
  EXPECT_EQ(GoCleanPath(""), ".");
  EXPECT_EQ(GoCleanPath("a/.."), ".");
}

TEST(GoCompat, SysReadFile) {
  testing::TempDir dir;
  dir.Write("attr", "  value\n");
  dir.Write("long", std::string(200, 'x'));
  std::string out;
  EXPECT_EQ(SysReadFile(dir.path() + "/attr", out), 0);
  EXPECT_EQ(out, "value");
  EXPECT_EQ(SysReadFile(dir.path() + "/long", out), 0);
  EXPECT_EQ(out.size(), 128u);  // one read of at most 128 bytes
  EXPECT_EQ(SysReadFile(dir.path() + "/missing", out), ENOENT);
  int err = -1;
  dir.Write("count", "17\n");
  EXPECT_EQ(ReadGoUintFile(dir.path() + "/count", &err), 17u);
  EXPECT_EQ(err, 0);
  EXPECT_FALSE(ReadGoUintFile(dir.path() + "/attr", &err));
  EXPECT_EQ(err, 0);
  EXPECT_FALSE(ReadGoUintFile(dir.path() + "/missing", &err));
  EXPECT_EQ(err, ENOENT);
}

// Go's strconv.ParseUint / ParseInt with base 0.
TEST(GoCompat, BaseZeroIntegersAsProcfsReadsThem) {
  EXPECT_EQ(ParseGoUint("0"), 0u);
  EXPECT_EQ(ParseGoUint("42"), 42u);
  EXPECT_EQ(ParseGoUint("0x1F"), 31u);
  EXPECT_EQ(ParseGoUint("0X1f"), 31u);
  EXPECT_EQ(ParseGoUint("017"), 15u);
  EXPECT_EQ(ParseGoUint("0o17"), 15u);
  EXPECT_EQ(ParseGoUint("0b101"), 5u);
  EXPECT_EQ(ParseGoUint("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseGoUint("18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseGoUint("08"), std::nullopt);
  EXPECT_EQ(ParseGoUint("0x"), std::nullopt);
  EXPECT_EQ(ParseGoUint("-1"), std::nullopt);
  EXPECT_EQ(ParseGoUint("+1"), std::nullopt);
  EXPECT_EQ(ParseGoUint(""), std::nullopt);
  EXPECT_EQ(ParseGoUint(" 1"), std::nullopt);
  EXPECT_EQ(ParseGoInt("-0x10"), -16);
  EXPECT_EQ(ParseGoInt("+7"), 7);
  EXPECT_EQ(ParseGoInt("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(ParseGoInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseGoInt("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseGoInt("--1"), std::nullopt);
  EXPECT_EQ(ParseGoInt("-+1"), std::nullopt);
  EXPECT_EQ(ParseGoInt("-"), std::nullopt);
}

}  // namespace
}  // namespace node_agent
