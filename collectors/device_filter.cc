#include "collectors/device_filter.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <stdexcept>

namespace node_agent {

std::regex CompileFlagRegex(std::string_view flag_name, const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument(
        fmt::format("--{}: invalid regular expression '{}': {}", flag_name, pattern, e.what()));
  }
}

DeviceFilter::DeviceFilter(std::string_view exclude_flag, const std::string& exclude,
                           std::string_view include_flag, const std::string& include) {
  if (!exclude.empty()) exclude_ = CompileFlagRegex(exclude_flag, exclude);
  if (!include.empty()) include_ = CompileFlagRegex(include_flag, include);
}

bool DeviceFilter::Ignored(std::string_view name) const {
  std::string s(name);
  if (exclude_ && std::regex_search(s, *exclude_)) return true;
  if (include_ && !std::regex_search(s, *include_)) return true;
  return false;
}

CLI::Option* AddFlagRecordingGiven(CLI::App& app, const std::string& name, std::string& value, bool& given,
                                   const std::string& description) {
  given = false;
  // A function option: called for every value given, the empty one included.
  return app.add_option_function<std::string>(
      name,
      [&value, &given](const std::string& v) {
        value = v;
        given = true;
      },
      description);
}

}  // namespace node_agent
