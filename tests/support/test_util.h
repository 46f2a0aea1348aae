// Helpers shared by the unit tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/build_paths.h"
#include "agent/exposition.h"
#include "lib/collector.h"
#include "lib/metrics.h"
#include "tests/support/decode.h"

namespace node_agent::testing {

inline std::string FixturePath(const std::string& rel) {
  return std::string(NODE_AGENT_FIXTURES) + "/" + rel;
}

// node_exporter's conformance data in ../shared/conformance/node_exporter beside
// the checkout, or "" where it is absent (a fresh checkout: such tests skip).
inline std::string NodeExporterConformanceDir() {
  auto dir = std::filesystem::path(NODE_AGENT_FIXTURES) / "../../../shared/conformance/node_exporter";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return "";
  return std::filesystem::canonical(dir, ec).string();
}

// Paths rooted at a fixture tree laid out like node_exporter's (proc/, sys/, udev/data).
inline Paths FixturePaths(const std::string& root) {
  Paths p;
  p.procfs = root + "/proc";
  p.sysfs = root + "/sys";
  p.rootfs = root;
  p.udev_data = root + "/udev/data";
  return p;
}

// The exposition the agent serves for these families.
inline std::string Serialize(const MetricSet& set) { return SerializeText(set.families()); }

// Value of the sample with exactly these labels in a decoded family, or `absent`.
inline double ValueIn(const MetricFamily& f, const Labels& labels, double absent) {
  for (const auto& m : f.metric) {
    if (m.label == labels) return SampleValue(f, m);
  }
  return absent;
}

// Value of the sample with exactly these labels; NaN-free sentinel
// -12345.678 when the sample is absent, so a missing sample never equals an
// expectation.
inline double Value(const MetricSet& set, std::string_view family, const Labels& labels = {}) {
  auto f = Find(set, family);
  return f ? ValueIn(*f, labels, -12345.678) : -12345.678;
}

// Value of the sample with exactly these labels in a scrape's families (the
// Scraper's output), or -1 when absent.
inline double ScrapedValue(const std::vector<EncodedFamily>& families, std::string_view family,
                           const Labels& labels) {
  for (const auto& f : families) {
    if (f.name == family) return ValueIn(Decode(f), labels, -1);
  }
  return -1;
}

inline size_t SampleCount(const MetricSet& set, std::string_view family) {
  const EncodedFamily* f = set.Find(family);
  return f ? f->count : 0;
}

// A scratch directory removed at scope exit, for tests that build their own
// trees (FIFOs, unreadable files) that cannot be committed.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "node-agent-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  // Writes `content` to path()/rel, creating parent directories.
  void Write(const std::string& rel, const std::string& content) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }

 private:
  std::string path_;
};

}  // namespace node_agent::testing
