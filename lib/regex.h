// Regular expressions with Go's syntax and semantics (RE2), for every flag
// that node_exporter declares with regexp.MustCompile: `(?i)`, `\pL`,
// `[[:alpha:]]`, `\z`, non-greedy and flag groups work as in Go, and matching
// time is linear in the input whatever the pattern.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace node_agent {

class Regex {
 public:
  // How node_exporter uses the flag's pattern: most flags are searched
  // (Go's MatchString: a match anywhere); some wrap it as "^(?:PATTERN)$".
  enum class Anchor { kSearch, kFull };

  // An empty Regex matches nothing and reports empty() (an unset flag).
  Regex() = default;
  // Compiles `pattern`; throws std::invalid_argument naming `flag_name`
  // (without the leading dashes) when it is not a valid Go regexp.
  static Regex ForFlag(std::string_view flag_name, std::string_view pattern,
                       Anchor anchor = Anchor::kSearch);

  bool empty() const { return re_ == nullptr; }
  // Whether `s` matches (under the anchoring it was compiled with); false
  // for an empty Regex.
  bool Matches(std::string_view s) const;
  // The pattern as given on the command line.
  const std::string& pattern() const { return pattern_; }

 private:
  std::shared_ptr<const re2::RE2> re_;
  std::string pattern_;
};

}  // namespace node_agent
