#include "lib/regex.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <stdexcept>

namespace node_agent {

Regex Regex::ForFlag(std::string_view flag_name, std::string_view pattern, Anchor anchor) {
  std::string source = anchor == Anchor::kFull ? fmt::format("^(?:{})$", pattern) : std::string(pattern);
  RE2::Options options;
  options.set_log_errors(false);
  // Go's regexp: UTF-8, Perl classes and word boundaries, no implicit anchors.
  options.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_shared<const re2::RE2>(source, options);
  if (!re->ok()) {
    throw std::invalid_argument(
        fmt::format("--{}: invalid regular expression '{}': {}", flag_name, pattern, re->error()));
  }
  Regex out;
  out.re_ = std::move(re);
  out.pattern_ = std::string(pattern);
  return out;
}

bool Regex::Matches(std::string_view s) const {
  return re_ != nullptr && re2::RE2::PartialMatch(s, *re_);
}

}  // namespace node_agent
