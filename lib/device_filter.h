// node_exporter's include/exclude regex flag pairs (its deviceFilter), with
// its deprecated alias flags, declared and resolved in one place with
// node_exporter 1.12's rules.
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

// A name is ignored when it matches `exclude`, or when `include` is set and it
// does not match. Matching is unanchored (Go's MatchString).
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

// One pair's flag names (without "--") and how node_exporter treats them.
struct FilterFlagNames {
  std::string_view exclude;
  std::string_view include;
  // Deprecated aliases ("collector.diskstats.ignored-devices"), hidden from
  // --help; empty when the pair has none.
  std::string_view old_exclude = {};
  std::string_view old_include = {};
  // Whether exclude has a default value (diskstats, filesystem): then an
  // include given alone drops that default (node_exporter >= 1.11), and an
  // alias conflicts with an exclude that was given at all, even empty.
  bool exclude_has_default = false;
  // Whether setting both is an error (most pairs); hwmon, arp and infiniband
  // apply both.
  bool exclusive = true;
};

// The values parsed for one pair. Every member has an initializer, so a
// designated initializer may name only the flags its caller has.
struct FilterFlagValues {
  std::string exclude = {};  // starts as node_exporter's default
  bool exclude_given = false;
  std::string include = {};
  std::string old_exclude = {};
  std::string old_include = {};
};

// Declares the pair's flags (aliases hidden) on `app`, writing into `values`,
// which must outlive parsing.
void AddFilterFlags(CLI::App& app, const FilterFlagNames& names, FilterFlagValues& values,
                    const std::string& exclude_help, const std::string& include_help, const std::string& group);

// node_exporter 1.12's resolution of a pair: an alias replaces its flag
// (with a deprecation warning) unless that flag was set too (an error); an
// include given alone drops the exclude default; both set is an error for
// exclusive pairs. Throws std::invalid_argument naming the flags, also for an
// invalid expression.
DeviceFilter ResolveFilterFlags(const FilterFlagNames& names, FilterFlagValues values);
// The same resolution, leaving the effective patterns in values.exclude and
// values.include (the aliases applied) without compiling them.
void ResolveFilterValues(const FilterFlagNames& names, FilterFlagValues& values);

}  // namespace node_agent
