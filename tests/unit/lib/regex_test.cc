// Flag regexes follow Go's regexp (RE2): the values node_exporter's docs,
// changelog and issues use must be accepted and match as Go matches them.
#include "lib/regex.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace node_agent {
namespace {

struct Case {
  const char* pattern;
  Regex::Anchor anchor;
  const char* input;
  bool matches;
};

class RegexGoSyntax : public ::testing::TestWithParam<Case> {};

TEST_P(RegexGoSyntax, MatchesAsGo) {
  const Case& c = GetParam();
  Regex re = Regex::ForFlag("collector.test.flag", c.pattern, c.anchor);
  EXPECT_EQ(re.Matches(c.input), c.matches) << c.pattern << " on " << c.input;
}

constexpr auto S = Regex::Anchor::kSearch;
constexpr auto F = Regex::Anchor::kFull;

INSTANTIATE_TEST_SUITE_P(
    NodeExporterValues, RegexGoSyntax,
    ::testing::Values(
        // Defaults of node_exporter 1.12.
        Case{"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$", S, "nvme0n1p1", true},
        Case{"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$", S, "nvme0n1", false},
        Case{"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$", S, "sda1", true},
        Case{"^(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)", S,
             "sys/kernel", true},
        // Search, not match: an unanchored pattern matches anywhere.
        Case{"loop", S, "myloop7", true},
        Case{"^nvme", S, "nvme0n1", true},
        Case{"^nvme", S, "sda", false},
        // Go syntax std::regex lacks or reads differently.
        Case{"(?i)^loop\\d+$", S, "LOOP3", true},
        Case{"(?i)^loop\\d+$", S, "loop3x", false},
        Case{"^\\pL+$", S, "eth", true},
        Case{"^\\pL+$", S, "eth0", false},
        Case{"^[[:alpha:]]+[[:digit:]]$", S, "eth0", true},
        Case{"^veth.*\\z", S, "veth12", true},
        Case{"^a.*?b$", S, "axxb", true},
        Case{"(?s:a.b)", S, "a\nb", true},
        Case{"a.b", S, "a\nb", false},
        Case{"^(?:docker|veth)", S, "docker0", true},
        // Full anchoring as node_exporter's ^(?:PATTERN)$ flags.
        Case{".+\\.(automount|device|mount|scope|slice)", F, "tmp.mount", true},
        Case{".+\\.(automount|device|mount|scope|slice)", F, "tmp.mount.x", false},
        Case{"a|b", F, "ab", false},
        Case{"a|b", F, "b", true},
        Case{".*", S, "", true}));

TEST(Regex, InvalidExpressionNamesTheFlag) {
  try {
    Regex::ForFlag("collector.diskstats.device-exclude", "(unclosed");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--collector.diskstats.device-exclude"), std::string::npos) << e.what();
  }
  // Perl syntax Go rejects is rejected too (no lookahead, no backreferences).
  EXPECT_THROW(Regex::ForFlag("f", "a(?=b)"), std::invalid_argument);
  EXPECT_THROW(Regex::ForFlag("f", "(a)\\1"), std::invalid_argument);
}

TEST(Regex, EmptyMatchesNothing) {
  Regex none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.Matches("anything"));
}

TEST(Regex, LinearTimeOnPathologicalPattern) {
  // (a+)+$ on a long non-matching input is exponential for a backtracking
  // engine; RE2 answers in linear time, so this returns at all.
  Regex re = Regex::ForFlag("f", "^(a+)+$");
  EXPECT_FALSE(re.Matches(std::string(5000, 'a') + "b"));
}

}  // namespace
}  // namespace node_agent
