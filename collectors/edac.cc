#include "collectors/edac.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "lib/go_compat.h"
#include "lib/log.h"

namespace node_agent {

std::optional<std::string> EdacEntryNumber(std::string_view entry, std::string_view prefix) {
  if (entry.size() <= prefix.size() || entry.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = entry.substr(prefix.size());
  if (rest[0] < '0' || rest[0] > '9') return std::nullopt;
  size_t n = 0;
  while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
  return std::string(rest.substr(0, n));
}

std::optional<std::string> EdacChannelNumber(std::string_view file) {
  constexpr std::string_view kSuffix = "_ce_count";
  // The glob ch*_ce_count.
  if (file.size() < 2 + kSuffix.size() || file.substr(0, 2) != "ch" ||
      file.substr(file.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  // The regexp's leftmost match.
  for (size_t i = 0; i + 2 < file.size(); ++i) {
    if (file.compare(i, 2, "ch") != 0) continue;
    size_t j = i + 2;
    while (j < file.size() && file[j] >= '0' && file[j] <= '9') ++j;
    if (j > i + 2 && file.compare(j, kSuffix.size(), kSuffix) == 0) return std::string(file.substr(i + 2, j - i - 2));
  }
  return std::nullopt;
}

std::string EdacDimmLabel(std::string_view content) {
  std::string_view trimmed = GoTrimSpace(content);
  std::string no_hash;
  for (char c : trimmed) {
    if (c != '#') no_hash.push_back(c);
  }
  std::string out;
  for (size_t i = 0; i < no_hash.size();) {
    std::string_view rest = std::string_view(no_hash).substr(i);
    if (rest.substr(0, 5) == "csrow") {
      out.append("_csrow");
      i += 5;
    } else if (rest.substr(0, 7) == "channel") {
      out.append("_channel");
      i += 7;
    } else {
      out.push_back(no_hash[i++]);
    }
  }
  return out;
}

std::optional<uint64_t> ParseEdacCount(std::string_view content) {
  return ParseGoUint(GoTrimSpace(content), 10, 64);
}

namespace {

constexpr std::string_view kCeHelp = "Total correctable memory errors.";
constexpr std::string_view kUeHelp = "Total uncorrectable memory errors.";
constexpr std::string_view kCsrowCeHelp = "Total correctable memory errors for this csrow.";
constexpr std::string_view kCsrowUeHelp = "Total uncorrectable memory errors for this csrow.";
constexpr std::string_view kChannelCeHelp = "Total correctable memory errors for this channel.";
constexpr std::string_view kChannelUeHelp = "Total uncorrectable memory errors for this channel.";

class EdacCollector : public Collector {
 public:
  explicit EdacCollector(const Paths& paths) : mc_dir_(paths.Sys("devices/system/edac/mc")) {}

  void Collect(MetricSet& out) override {
    // A machine without EDAC has no mc directory: no series, success
    // (node_exporter's glob matches nothing).
    for (const std::string& entry : ListDir(mc_dir_)) {
      auto controller = EdacEntryNumber(entry, "mc");
      if (controller) CollectController(mc_dir_ + "/" + entry, *controller, out);
    }
  }

 private:
  // The counter in `path`; throws as node_exporter returns an error.
  static double Count(const std::string& path, std::string_view what) {
    int err = 0;
    auto v = ReadGoUintFile(path, &err);
    if (!v) {
      throw std::runtime_error(fmt::format("couldn't get {}: {}: {}", what, path,
                                           err ? std::strerror(err) : "not a number"));
    }
    return static_cast<double>(*v);
  }

  void CollectController(const std::string& dir, const std::string& mc, MetricSet& out) {
    out.Counter("node_edac_correctable_errors_total", kCeHelp, {{"controller", mc}}, Count(dir + "/ce_count", "ce_count"));
    out.Counter("node_edac_csrow_correctable_errors_total", kCsrowCeHelp, {{"controller", mc}, {"csrow", "unknown"}},
                Count(dir + "/ce_noinfo_count", "ce_noinfo_count"));
    out.Counter("node_edac_uncorrectable_errors_total", kUeHelp, {{"controller", mc}}, Count(dir + "/ue_count", "ue_count"));
    out.Counter("node_edac_csrow_uncorrectable_errors_total", kCsrowUeHelp, {{"controller", mc}, {"csrow", "unknown"}},
                Count(dir + "/ue_noinfo_count", "ue_noinfo_count"));
    for (const std::string& entry : ListDir(dir)) {
      auto csrow = EdacEntryNumber(entry, "csrow");
      if (csrow) CollectCsrow(dir + "/" + entry, mc, *csrow, out);
    }
  }

  void CollectCsrow(const std::string& dir, const std::string& mc, const std::string& csrow, MetricSet& out) {
    out.Counter("node_edac_csrow_correctable_errors_total", kCsrowCeHelp, {{"controller", mc}, {"csrow", csrow}},
                Count(dir + "/ce_count", "ce_count"));
    out.Counter("node_edac_csrow_uncorrectable_errors_total", kCsrowUeHelp, {{"controller", mc}, {"csrow", csrow}},
                Count(dir + "/ue_count", "ue_count"));
    for (const std::string& file : ListDir(dir)) {
      auto channel = EdacChannelNumber(file);
      if (!channel) continue;
      std::string label = "unknown";
      if (auto content = ReadFile(dir + "/ch" + *channel + "_dimm_label")) label = EdacDimmLabel(*content);
      Labels labels = {{"channel", *channel}, {"controller", mc}, {"csrow", csrow}, {"dimm_label", label}};
      out.Counter("node_edac_channel_correctable_errors_total", kChannelCeHelp, labels,
                  Count(dir + "/" + file, "ce_count"));
      // Not every driver has a per-channel ue_count (node_exporter 1.12.1).
      int err = 0;
      if (auto ue = ReadGoUintFile(dir + "/ch" + *channel + "_ue_count", &err)) {
        out.Counter("node_edac_channel_uncorrectable_errors_total", kChannelUeHelp, std::move(labels),
                    static_cast<double>(*ue));
      }
    }
  }

  std::string mc_dir_;
};

std::unique_ptr<Collector> CreateEdac(const Paths& paths) { return NewEdacCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("edac", kEnabledByDefault, nullptr, &CreateEdac);

}  // namespace

std::unique_ptr<Collector> NewEdacCollector(const Paths& paths) { return std::make_unique<EdacCollector>(paths); }

}  // namespace node_agent
