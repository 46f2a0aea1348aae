#include "collectors/netstat.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <unordered_map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "lib/device_filter.h"
#include "lib/log.h"

namespace node_agent {

namespace {

void Problem(std::vector<std::string>* problems, std::string text) {
  if (problems) problems->push_back(std::move(text));
}

// "TcpExt:" -> "TcpExt"; empty when the first field is not "Name:".
std::string_view SectionName(std::string_view first_field) {
  if (first_field.size() < 2 || first_field.back() != ':') return {};
  return first_field.substr(0, first_field.size() - 1);
}

}  // namespace

std::vector<NetStatSection> ParseNetStats(std::string_view content,
                                          std::vector<std::string>* problems) {
  std::vector<NetStatSection> out;
  auto lines = Lines(content);
  size_t i = 0;
  std::vector<std::string_view> names, values;
  while (i < lines.size()) {
    Fields(lines[i], names);
    if (names.empty()) {
      ++i;
      continue;
    }
    std::string_view protocol = SectionName(names[0]);
    values.clear();
    if (i + 1 < lines.size()) Fields(lines[i + 1], values);
    // The values line must belong to the same section; otherwise this line
    // is an orphan and the next one may start a good pair.
    if (protocol.empty() || values.empty() || values[0] != names[0]) {
      Problem(problems, fmt::format("no values line for '{}'", lines[i]));
      ++i;
      continue;
    }
    i += 2;
    if (names.size() != values.size()) {
      Problem(problems, fmt::format("field count mismatch in section {}", protocol));
      continue;
    }
    NetStatSection section{std::string(protocol), {}};
    section.fields.reserve(names.size() - 1);
    for (size_t k = 1; k < names.size(); ++k) {
      auto v = ParseDouble(values[k]);
      if (!v) {
        Problem(problems, fmt::format("invalid value '{}' for {}{}", values[k], protocol, names[k]));
        continue;
      }
      section.fields.emplace_back(std::string(names[k]), *v);
    }
    out.push_back(std::move(section));
  }
  return out;
}

std::vector<NetStatSection> ParseSnmp6(std::string_view content, std::vector<std::string>* problems) {
  std::vector<NetStatSection> out;
  std::vector<std::string_view> f;
  for (auto line : Lines(content)) {
    Fields(line, f);
    if (f.size() < 2) continue;
    auto six = f[0].find('6');
    if (six == std::string_view::npos) continue;
    std::string_view protocol = f[0].substr(0, six + 1);
    std::string_view name = f[0].substr(six + 1);
    auto v = ParseDouble(f[1]);
    if (!v) {
      Problem(problems, fmt::format("invalid value '{}' for {}", f[1], f[0]));
      continue;
    }
    NetStatSection* section = nullptr;
    for (auto& s : out) {
      if (s.protocol == protocol) section = &s;
    }
    if (!section) section = &out.emplace_back(NetStatSection{std::string(protocol), {}});
    section->fields.emplace_back(std::string(name), *v);
  }
  return out;
}

namespace {

NetstatOptions& FlagOptions() {
  static NetstatOptions options;
  return options;
}

void AddNetstatFlags(CLI::App& app) {
  app.add_option("--collector.netstat.fields", FlagOptions().fields,
                 "Regexp of fields to return for netstat collector.")
      ->group("netstat collector")
      ->capture_default_str();
}

// The next line of `rest` (without its newline), as Lines splits; false at the end.
bool NextLine(std::string_view& rest, std::string_view& line) {
  if (rest.empty()) return false;
  auto nl = rest.find('\n');
  if (nl == std::string_view::npos) nl = rest.size();
  line = rest.substr(0, nl);
  rest.remove_prefix(std::min(nl + 1, rest.size()));
  return true;
}

// True when ParseDouble accepts `s`; plain digit strings (nearly all counters)
// are decided without parsing.
bool IsNumber(std::string_view s) {
  if (!s.empty() && s.size() <= 300) {
    bool digits = true;
    for (char c : s) digits &= c >= '0' && c <= '9';
    if (digits) return true;
  }
  return ParseDouble(s).has_value();
}

// Reads the three files every scrape and emits the selected counters, as
// ParseNetStats and ParseSnmp6 followed by node_exporter's map merge would,
// without building those sections: only the selected fields' values are
// parsed, and each (protocol, field) is looked up once for the life of the
// collector (its metric name, help and --collector.netstat.fields decision
// are fixed) and then found again by its position in the file.
class NetstatCollector : public Collector {
 public:
  NetstatCollector(const Paths& paths, const NetstatOptions& options)
      : fields_(Regex::ForFlag("collector.netstat.fields", options.fields)),
        netstat_(paths.Proc("net/netstat")),
        snmp_(paths.Proc("net/snmp")),
        snmp6_(paths.Proc("net/snmp6")) {}

  void Collect(MetricSet& out) override {
    pool_used_ = 0;
    merged_.clear();
    std::vector<std::string> problems;
    ReadOrThrow(netstat_.file, netstat_.buf, "couldn't get netstats: ");
    ParseNetStatsFile(netstat_, /*merge=*/false, problems);
    ReportSkipped("netstat", netstat_.file.path(), problems);
    problems.clear();
    ReadOrThrow(snmp_.file, snmp_.buf, "couldn't get SNMP stats: ");
    ParseNetStatsFile(snmp_, /*merge=*/true, problems);
    ReportSkipped("netstat", snmp_.file.path(), problems);
    problems.clear();
    // snmp6 is absent when IPv6 is disabled.
    if (int err = snmp6_.file.Read(snmp6_.buf); err == 0) {
      ParseSnmp6File(snmp6_, problems);
      ReportSkipped("netstat", snmp6_.file.path(), problems);
    } else if (err != ENOENT) {
      ThrowPathError("couldn't get SNMP6 stats: ", snmp6_.file.path(), err);
    }

    ++generation_;
    for (const Section* section : merged_) {
      for (const auto& [field, value] : section->samples) {
        // A name repeated within a section would repeat the series.
        if (field->generation == generation_) continue;
        field->generation = generation_;
        out.Untyped(field->metric, field->help, {}, value);
      }
    }
  }

 private:
  struct Field {
    bool selected = false;
    std::string key;  // "<Protocol>_<Name>"
    std::string metric;
    std::string help;
    uint64_t generation = 0;
  };

  // A header line as last read, at its place in the file: the next scrape
  // finds the same text there and skips splitting and matching its names.
  // Its names' slots follow those of the headers before it, as last read.
  struct KnownHeader {
    std::string text;
    size_t names = 0;  // after the "Name:" field
  };

  // One file: its descriptor, this scrape's content, and the Field of each
  // name position seen last time (the layout is the kernel's and does not
  // change, so this finds every field without hashing).
  struct File {
    explicit File(std::string path) : file(std::move(path), ShortRead::kIsEnd) {}
    CachedFile file;
    std::string buf;
    std::vector<Field*> slots;
    std::vector<KnownHeader> headers;
  };

  // One protocol of one file: its selected, valid samples in file order.
  struct Section {
    std::string_view protocol;
    std::vector<std::pair<Field*, double>> samples;
  };

  Section& NewSection(std::string_view protocol) {
    if (pool_used_ == pool_.size()) pool_.emplace_back();
    Section& s = pool_[pool_used_++];
    s.protocol = protocol;
    s.samples.clear();
    return s;
  }

  // Appends this file's sections. With `merge`, a protocol read again
  // replaces the earlier one in place, as node_exporter's map merge does
  // (snmp over netstat, snmp6 over both); the first file's are all kept, as
  // ParseNetStats returns them.
  void Merge(size_t first_of_file, bool merge) {
    for (size_t i = first_of_file; i < pool_used_; ++i) {
      Section* s = &pool_[i];
      bool replaced = false;
      for (auto& existing : merged_) {
        if (!merge) break;
        if (existing->protocol == s->protocol) {
          existing = s;
          replaced = true;
          break;
        }
      }
      if (!replaced) merged_.push_back(s);
    }
  }

  // key == protocol + "_" + name, without building it.
  static bool KeyIs(std::string_view key, std::string_view protocol, std::string_view name) {
    return key.size() == protocol.size() + 1 + name.size() && key.substr(0, protocol.size()) == protocol &&
           key[protocol.size()] == '_' && key.substr(protocol.size() + 1) == name;
  }

  Field& Lookup(File& file, size_t slot, std::string_view protocol, std::string_view name) {
    if (slot < file.slots.size()) {
      if (Field* f = file.slots[slot]; f && KeyIs(f->key, protocol, name)) return *f;
    } else {
      file.slots.resize(slot + 1, nullptr);
    }
    key_.assign(protocol).append("_").append(name);
    auto it = fields_cache_.find(key_);
    if (it == fields_cache_.end()) {
      Field f;
      f.key = key_;
      // The field names never change while the kernel runs, so the regex
      // runs once per name, not once per scrape.
      f.selected = fields_.Matches(key_);
      if (f.selected) {
        f.metric = "node_netstat_" + key_;
        f.help = fmt::format("Statistic {}{}.", protocol, name);
      }
      it = fields_cache_.emplace(key_, std::move(f)).first;
    }
    file.slots[slot] = &it->second;
    return it->second;
  }

  // Adds the field's sample to `section` when selected; a value ParseDouble
  // rejects is a problem whether or not the field is selected.
  void AddValue(Section& section, Field& field, std::string_view value, std::string_view protocol,
                std::string_view name, std::vector<std::string>& problems) {
    if (field.selected) {
      if (auto v = ParseDouble(value)) {
        section.samples.emplace_back(&field, *v);
        return;
      }
    } else if (IsNumber(value)) {
      return;
    }
    problems.push_back(fmt::format("invalid value '{}' for {}{}", value, protocol, name));
  }

  // A values line under a header line read as last time, whose names start
  // at `slot`: its section from the known slots. False (nothing added) when
  // any value is not a number: the caller parses the pair in full, reporting
  // what is wrong.
  bool AddKnownSection(const File& file, const KnownHeader& known, size_t slot, std::string_view header_line,
                       std::string_view values_line) {
    Fields(values_line, values_);
    std::string_view name = header_line.substr(0, header_line.find_first_of(" \t"));
    if (values_.size() != known.names + 1 || values_[0] != name) return false;
    for (size_t k = 1; k < values_.size(); ++k) {
      if (!IsNumber(values_[k])) return false;
    }
    Section& section = NewSection(SectionName(name));
    for (size_t k = 1; k < values_.size(); ++k) {
      Field* field = file.slots[slot + k - 1];
      if (field->selected) section.samples.emplace_back(field, *ParseDouble(values_[k]));
    }
    return true;
  }

  // As ParseNetStats.
  void ParseNetStatsFile(File& file, bool merge, std::vector<std::string>& problems) {
    size_t first = pool_used_;
    size_t slot = 0;
    size_t header = 0;  // pairs of lines read so far
    std::string_view rest = file.buf, line, next;
    bool have_line = NextLine(rest, line);
    while (have_line) {
      // Headers are known only up to the first one parsed in full, so a known
      // one's names are at `slot` as they were when it was parsed.
      if (header < file.headers.size() && file.headers[header].text == line) {
        const KnownHeader& known = file.headers[header];
        std::string_view after_header = rest;
        if (NextLine(rest, next) && AddKnownSection(file, known, slot, line, next)) {
          slot += known.names;
          ++header;
          have_line = NextLine(rest, line);
          continue;
        }
        rest = after_header;
      }
      Fields(line, names_);
      if (names_.empty()) {
        have_line = NextLine(rest, line);
        continue;
      }
      std::string_view protocol = SectionName(names_[0]);
      values_.clear();
      bool have_next = NextLine(rest, next);
      if (have_next) Fields(next, values_);
      // The values line must belong to the same section; otherwise this line
      // is an orphan and the next one may start a good pair.
      if (protocol.empty() || values_.empty() || values_[0] != names_[0]) {
        problems.push_back(fmt::format("no values line for '{}'", line));
        line = next;
        have_line = have_next;
        continue;
      }
      std::string_view header_line = line;
      have_line = NextLine(rest, line);
      // Headers known after this one may name slots this pair now reassigns.
      file.headers.resize(header);
      KnownHeader& known = file.headers.emplace_back();
      ++header;
      if (names_.size() != values_.size()) {
        problems.push_back(fmt::format("field count mismatch in section {}", protocol));
        known.text.clear();
        continue;
      }
      known.text.assign(header_line);
      known.names = names_.size() - 1;
      Section& section = NewSection(protocol);
      for (size_t k = 1; k < names_.size(); ++k) {
        Field& field = Lookup(file, slot++, protocol, names_[k]);
        if (field.selected || !IsNumber(values_[k])) {
          AddValue(section, field, values_[k], protocol, names_[k], problems);
        }
      }
    }
    Merge(first, merge);
  }

  // As ParseSnmp6.
  void ParseSnmp6File(File& file, std::vector<std::string>& problems) {
    size_t first = pool_used_;
    size_t slot = 0;
    std::string_view rest = file.buf, line;
    while (NextLine(rest, line)) {
      Fields(line, names_);
      if (names_.size() < 2) continue;
      auto six = names_[0].find('6');
      if (six == std::string_view::npos) continue;
      std::string_view protocol = names_[0].substr(0, six + 1);
      std::string_view name = names_[0].substr(six + 1);
      Section* section = nullptr;
      for (size_t i = first; i < pool_used_; ++i) {
        if (pool_[i].protocol == protocol) section = &pool_[i];
      }
      Field& field = Lookup(file, slot++, protocol, name);
      std::optional<double> value;
      if (field.selected || !IsNumber(names_[1])) {
        value = ParseDouble(names_[1]);
        if (!value) {
          problems.push_back(fmt::format("invalid value '{}' for {}", names_[1], names_[0]));
          continue;  // as ParseSnmp6: a bad line does not start a section
        }
      }
      if (!section) section = &NewSection(protocol);
      if (field.selected) section->samples.emplace_back(&field, *value);
    }
    Merge(first, /*merge=*/true);
  }

  Regex fields_;
  File netstat_;
  File snmp_;
  File snmp6_;
  std::unordered_map<std::string, Field> fields_cache_;  // nodes: Field* stay valid
  std::deque<Section> pool_;  // this scrape's sections (storage reused)
  size_t pool_used_ = 0;
  std::vector<Section*> merged_;
  std::vector<std::string_view> names_, values_;
  std::string key_;
  uint64_t generation_ = 0;
};

std::unique_ptr<Collector> CreateNetstat(const Paths& paths) {
  return NewNetstatCollector(paths, FlagOptions());
}

NODE_AGENT_REGISTER_COLLECTOR("netstat", kEnabledByDefault, &AddNetstatFlags, &CreateNetstat);

}  // namespace

std::unique_ptr<Collector> NewNetstatCollector(const Paths& paths, const NetstatOptions& options) {
  return std::make_unique<NetstatCollector>(paths, options);
}

}  // namespace node_agent
