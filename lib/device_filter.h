// Include/exclude regex pair for device names, as node_exporter's
// deviceFilter: a name is ignored when it matches `exclude`, or when `include`
// is set and it does not match. Matching is unanchored (Go's MatchString).
#pragma once

#include <string>
#include <string_view>

#include "lib/regex.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace node_agent {

// Adds a string flag that also records whether it was given on the command
// line (an empty value included): node_exporter's exclude flags have defaults,
// and giving an include flag only conflicts with an exclude flag set by hand.
// The flag writes `value` and `given` while parsing, so nothing keeps a
// pointer into the CLI::App after it is gone.
CLI::Option* AddFlagRecordingGiven(CLI::App& app, const std::string& name, std::string& value, bool& given,
                                   const std::string& description);

class DeviceFilter {
 public:
  DeviceFilter() = default;
  DeviceFilter(std::string_view exclude_flag, const std::string& exclude,
               std::string_view include_flag, const std::string& include);
  bool Ignored(std::string_view name) const;

 private:
  Regex exclude_;
  Regex include_;
};

}  // namespace node_agent
