// Text and number parsing helpers of lib/fs.h: fields, lines, integers and
// doubles.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "lib/fs.h"

namespace node_agent {
namespace {

TEST(Parse, FieldsAndNumbers) {
  auto f = Fields("  cpu0  1 2\t3 \n");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], "cpu0");
  EXPECT_EQ(f[3], "3");
  EXPECT_EQ(Lines("a\nb\n").size(), 2u);
  EXPECT_EQ(ParseUint("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseUint("12x"), std::nullopt);
  EXPECT_EQ(ParseUint(""), std::nullopt);
  EXPECT_EQ(ParseUint("0x1f", 16), 31u);
  EXPECT_EQ(ParseInt("-5"), -5);
  EXPECT_DOUBLE_EQ(*ParseDouble("1.5e3"), 1500.0);
  EXPECT_EQ(BaseName("/sys/class/net/eth0"), "eth0");
}

TEST(Parse, FieldsIntoReusedVector) {
  std::vector<std::string_view> f{"stale"};
  Fields(" a\tbb  c ", f);
  EXPECT_EQ(f, (std::vector<std::string_view>{"a", "bb", "c"}));
  Fields("   ", f);
  EXPECT_TRUE(f.empty());
  // Space, tab, CR and LF separate; other bytes (high ones too) are field text.
  Fields("\ra\r\nb\x0b\xc2\xa0" "c\t", f);
  EXPECT_EQ(f, (std::vector<std::string_view>{"a", "b\x0b\xc2\xa0" "c"}));
}

// Plain digit strings take a shortcut; it must agree with the general path.
TEST(Parse, DoubleDigitsShortcutMatchesGeneralPath) {
  EXPECT_EQ(ParseDouble("0"), 0.0);
  EXPECT_EQ(ParseDouble("007"), 7.0);
  EXPECT_EQ(ParseDouble("999999999999999"), 999999999999999.0);    // 15 digits: shortcut
  EXPECT_EQ(ParseDouble("9007199254740993"), 9007199254740992.0);  // 16 digits: rounded as from_chars
  EXPECT_EQ(ParseDouble("18446744073709551616"), 18446744073709551616.0);
  EXPECT_EQ(ParseDouble("12a"), std::nullopt);
  EXPECT_EQ(ParseDouble("1 "), std::nullopt);
  EXPECT_EQ(ParseDouble(""), std::nullopt);
  EXPECT_EQ(ParseDouble("-3"), -3.0);
}

}  // namespace
}  // namespace node_agent
