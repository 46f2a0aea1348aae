#include "lib/device_filter.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <stdexcept>

namespace node_agent {

DeviceFilter::DeviceFilter(std::string_view exclude_flag, const std::string& exclude,
                           std::string_view include_flag, const std::string& include) {
  if (!exclude.empty()) exclude_ = Regex::ForFlag(exclude_flag, exclude);
  if (!include.empty()) include_ = Regex::ForFlag(include_flag, include);
}

bool DeviceFilter::Ignored(std::string_view name) const {
  if (exclude_.Matches(name)) return true;
  if (!include_.empty() && !include_.Matches(name)) return true;
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
