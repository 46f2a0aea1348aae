#include "lib/device_filter.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <stdexcept>

#include "lib/log.h"

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
  auto* opt = app.add_option_function<std::string>(
      name,
      [&value, &given](const std::string& v) {
        value = v;
        given = true;
      },
      description);
  // A function option captures no default: --help and the docs show the one `value` starts with.
  if (!value.empty()) opt->default_str(value);
  return opt;
}

void AddFilterFlags(CLI::App& app, const FilterFlagNames& names, FilterFlagValues& values,
                    const std::string& exclude_help, const std::string& include_help, const std::string& group) {
  auto* exclude = AddFlagRecordingGiven(app, fmt::format("--{}", names.exclude), values.exclude,
                                        values.exclude_given, exclude_help);
  exclude->group(group);
  if (!values.exclude.empty()) exclude->default_str(values.exclude);
  app.add_option(fmt::format("--{}", names.include), values.include, include_help)->group(group);
  // An empty group hides an option in CLI11, as kingpin's Hidden().
  if (!names.old_exclude.empty()) {
    app.add_option(fmt::format("--{}", names.old_exclude), values.old_exclude,
                   fmt::format("DEPRECATED: Use {}", names.exclude))
        ->group("");
  }
  if (!names.old_include.empty()) {
    app.add_option(fmt::format("--{}", names.old_include), values.old_include,
                   fmt::format("DEPRECATED: Use {}", names.include))
        ->group("");
  }
}

namespace {

// Applies a deprecated alias to its flag. A flag with a default conflicts
// when it was given at all; one without, when it has a value (node_exporter's
// diskstats/filesystem and netdev/qdisc rules).
void ApplyAlias(std::string_view old_name, const std::string& old_value, std::string_view name,
                std::string& value, bool conflicts) {
  if (old_value.empty()) return;
  if (conflicts) {
    throw std::invalid_argument(fmt::format("--{} and --{} are mutually exclusive", old_name, name));
  }
  log::Warn(fmt::format("--{} is DEPRECATED and will be removed in 2.0.0, use --{}", old_name, name));
  value = old_value;
}

}  // namespace

void ResolveFilterValues(const FilterFlagNames& names, FilterFlagValues& v) {
  bool exclude_alias_conflicts = names.exclude_has_default ? v.exclude_given : !v.exclude.empty();
  ApplyAlias(names.old_exclude, v.old_exclude, names.exclude, v.exclude, exclude_alias_conflicts);
  ApplyAlias(names.old_include, v.old_include, names.include, v.include, !v.include.empty());
  // An include given alone replaces the exclude default rather than
  // conflicting with it.
  if (names.exclude_has_default && !v.include.empty() && !v.exclude_given) v.exclude.clear();
  if (names.exclusive && !v.exclude.empty() && !v.include.empty()) {
    throw std::invalid_argument(fmt::format("--{} and --{} are mutually exclusive", names.exclude, names.include));
  }
  if (!v.exclude.empty()) log::Info(fmt::format("Parsed flag --{}", names.exclude), {{"flag", v.exclude}});
  if (!v.include.empty()) log::Info(fmt::format("Parsed flag --{}", names.include), {{"flag", v.include}});
}

DeviceFilter ResolveFilterFlags(const FilterFlagNames& names, FilterFlagValues v) {
  ResolveFilterValues(names, v);
  std::string_view exclude_source = v.old_exclude.empty() || v.exclude_given ? names.exclude : names.old_exclude;
  std::string_view include_source = v.old_include.empty() ? names.include : names.old_include;
  return DeviceFilter(exclude_source, v.exclude, include_source, v.include);
}

}  // namespace node_agent
