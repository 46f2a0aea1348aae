#include "collectors/textfile.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "lib/log.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::Serialize;
using testing::TempDir;
using testing::Value;

std::vector<ParsedFamily> MustParse(std::string_view text) {
  std::string error;
  auto families = ParseTextFormat(text, &error);
  EXPECT_TRUE(families) << error;
  return families ? *families : std::vector<ParsedFamily>{};
}

std::string ParseError(std::string_view text) {
  std::string error;
  auto families = ParseTextFormat(text, &error);
  EXPECT_FALSE(families) << "accepted: " << text;
  return error;
}

const ParsedFamily* FindFamily(const std::vector<ParsedFamily>& families, std::string_view name) {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(ParseExpfmtFloat, AcceptsWhatExpfmtAccepts) {
  EXPECT_EQ(ParseExpfmtFloat("10"), 10);
  EXPECT_EQ(ParseExpfmtFloat("-1.5e3"), -1500);
  EXPECT_EQ(ParseExpfmtFloat("+.5"), 0.5);
  EXPECT_EQ(ParseExpfmtFloat("5."), 5);
  EXPECT_EQ(ParseExpfmtFloat("1.6384e+06"), 1638400);
  EXPECT_TRUE(std::isinf(*ParseExpfmtFloat("+Inf")));
  EXPECT_TRUE(std::isinf(*ParseExpfmtFloat("-inf")));
  EXPECT_LT(*ParseExpfmtFloat("-Infinity"), 0);
  EXPECT_TRUE(std::isnan(*ParseExpfmtFloat("NaN")));
  EXPECT_EQ(ParseExpfmtFloat("1e-400"), 0.0);  // Go rounds underflow to zero
  for (auto bad : {"", "abc", "1_000", "0x1p3", "0x10", "1e", "1e+", ".", "1.2.3", "10\r", "1e400", "- 1"}) {
    EXPECT_EQ(ParseExpfmtFloat(bad), std::nullopt) << bad;
  }
}

TEST(ParseTextFormat, CountersGaugesUntypedWithHelpAndLabels) {
  auto families = MustParse(
      "# HELP a_total Things done.\n"
      "# TYPE a_total counter\n"
      "a_total{x=\"1\",y=\"q\\\"uote\\\\back\\nnl\"} 3\n"
      "  a_total { x = \"2\" , } 4\n"
      "# TYPE g gauge\n"
      "g -2.5\n"
      "u{z=\"\"} +Inf\n"
      "# just a comment\n"
      "#\n"
      "\n");
  ASSERT_EQ(families.size(), 3u);
  const auto* a = FindFamily(families, "a_total");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->help, "Things done.");
  EXPECT_EQ(a->type, MetricType::Counter);
  ASSERT_EQ(a->metrics.size(), 2u);
  EXPECT_EQ(a->metrics[0].label, (Labels{{"x", "1"}, {"y", "q\"uote\\back\nnl"}}));
  EXPECT_EQ(a->metrics[0].counter.value, 3);
  EXPECT_EQ(a->metrics[1].label, (Labels{{"x", "2"}}));
  EXPECT_EQ(a->metrics[1].counter.value, 4);
  const auto* g = FindFamily(families, "g");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->type, MetricType::Gauge);
  EXPECT_EQ(g->help, std::nullopt);
  EXPECT_EQ(g->metrics[0].gauge.value, -2.5);
  const auto* u = FindFamily(families, "u");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->type, MetricType::Untyped);
  EXPECT_TRUE(std::isinf(u->metrics[0].untyped.value));
  EXPECT_FALSE(u->has_timestamps);
}

TEST(ParseTextFormat, HelpEscapesAndEmptyHelp) {
  auto families = MustParse("# HELP h line one\\nline \\\\two\nh 1\n# HELP e \ne 1\n# HELP f\nf 2\n");
  EXPECT_EQ(FindFamily(families, "h")->help, "line one\nline \\two");
  // An empty HELP is no HELP (node_exporter then writes its own).
  EXPECT_EQ(FindFamily(families, "e")->help, std::nullopt);
  EXPECT_EQ(FindFamily(families, "f")->help, std::nullopt);
}

TEST(ParseTextFormat, SummaryAndHistogramGroupByLabels) {
  auto families = MustParse(
      "# TYPE s summary\n"
      "s{a=\"x\",quantile=\"0.5\"} 1\n"
      "s{a=\"y\",quantile=\"0.5\"} 10\n"
      "s{quantile=\"0.9\",a=\"x\"} 2\n"
      "s_sum{a=\"x\"} 7.5\n"
      "s_count{a=\"x\"} 3\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 2\n"
      "h_bucket{le=\"+Inf\"} 5\n"
      "h_sum 9\n"
      "h_count 5.9\n"
      "h_extra 1\n");
  const auto* s = FindFamily(families, "s");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, MetricType::Summary);
  ASSERT_EQ(s->metrics.size(), 2u);
  EXPECT_EQ(s->metrics[0].label, (Labels{{"a", "x"}}));
  ASSERT_EQ(s->metrics[0].summary.quantile.size(), 2u);
  EXPECT_EQ(s->metrics[0].summary.quantile[1].quantile, 0.9);
  EXPECT_EQ(s->metrics[0].summary.quantile[1].value, 2);
  EXPECT_EQ(s->metrics[0].summary.sample_sum, 7.5);
  EXPECT_EQ(s->metrics[0].summary.sample_count, 3u);
  EXPECT_EQ(s->metrics[1].summary.sample_count, 0u);  // never given
  const auto* h = FindFamily(families, "h");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->metrics.size(), 1u);
  ASSERT_EQ(h->metrics[0].histogram.bucket.size(), 2u);
  EXPECT_EQ(h->metrics[0].histogram.bucket[0].upper_bound, 1);
  EXPECT_EQ(h->metrics[0].histogram.bucket[0].cumulative_count, 2u);
  EXPECT_TRUE(std::isinf(h->metrics[0].histogram.bucket[1].upper_bound));
  EXPECT_EQ(h->metrics[0].histogram.sample_count, 5u);  // truncated as expfmt does
  // Not a histogram suffix: its own untyped family.
  ASSERT_TRUE(FindFamily(families, "h_extra"));
  EXPECT_EQ(FindFamily(families, "h_extra")->type, MetricType::Untyped);
}

TEST(ParseTextFormat, FlagsTimestampsAndDropsEmptyFamilies) {
  auto families = MustParse("# HELP nothing Declared only.\n# TYPE nothing gauge\nm 1 1441205977284\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "m");
  EXPECT_TRUE(families[0].has_timestamps);
}

TEST(ParseTextFormat, RejectsMalformedInput) {
  EXPECT_NE(ParseError("m{a=\"x} 1\n").find("line 1"), std::string::npos);
  ParseError("m{a=\"\\t\"} 1\n");                  // unknown escape
  ParseError("m{a=\"1\",a=\"2\"} 1\n");            // duplicate label
  ParseError("m{__name__=\"x\"} 1\n");             // reserved label
  ParseError("m{a \"x\"} 1\n");                    // missing '='
  ParseError("m{a=x} 1\n");                        // unquoted value
  ParseError("m{1a=\"x\"} 1\n");                   // bad label name
  ParseError("m{a=\"x\"\n");                       // unterminated set
  ParseError("m\n");                               // no value
  ParseError("m one\n");                           // bad value
  ParseError("m 1 2 3\n");                         // spurious text
  ParseError("m 1 1.5\n");                         // non-integer timestamp
  ParseError("m 1\r\n");                           // CR belongs to the value
  ParseError("1m 1\n");                            // bad metric name
  ParseError("{a=\"b\"} 1\n");                     // no metric name
  ParseError("# TYPE m gauge\n# TYPE m counter\n");
  ParseError("m 1\n# TYPE m gauge\n");             // TYPE after samples
  ParseError("# HELP m a\n# HELP m b\n");
  ParseError("# TYPE m gaugex\n");
  ParseError("# TYPE m gauge_histogram\n");
  ParseError("# HELP m bad \\escape\n");
  ParseError("# TYPE s summary\ns{quantile=\"high\"} 1\n");
  ParseError("# TYPE h histogram\nh_bucket{le=\"\"} 1\n");
  ParseError(std::string("m{a=\"\xff\"} 1\n"));    // invalid UTF-8
}

TEST(GoJoinPath, CleansLikeGo) {
  EXPECT_EQ(GoJoinPath("dir/", "a.prom"), "dir/a.prom");
  EXPECT_EQ(GoJoinPath("/x//y/./z/..", "a.prom"), "/x/y/a.prom");
  EXPECT_EQ(GoJoinPath("../d", "a"), "../d/a");
  EXPECT_EQ(GoJoinPath("/", "a"), "/a");
}

std::string RayDir() { return FixturePath("textfile/ray"); }

TEST(TextfileCollector, ExportsFixtureFamiliesWithTypesAndHelp) {
  auto collector = NewTextfileCollector({{RayDir()}, 1});
  MetricSet set;
  collector->Collect(set);
  EXPECT_EQ(Value(set, "node_textfile_scrape_error"), 0);
  EXPECT_EQ(Value(set, "node_textfile_mtime_seconds", {{"file", RayDir() + "/ray_node.prom"}}), 1);
  EXPECT_EQ(testing::SampleCount(set, "node_textfile_mtime_seconds"), 1u);  // ignored.txt is not read
  EXPECT_EQ(Value(set, "ray_node_gpus_available", {{"instance_type", "g5.12xlarge"}, {"node_ip", "10.0.3.17"}}), 3);
  // Labels missing from one sample of a family are filled in empty.
  EXPECT_EQ(Value(set, "ray_tasks_finished_total", {{"reason", ""}, {"state", "FINISHED"}}), 18234);
  EXPECT_EQ(Value(set, "ray_tasks_finished_total",
                  {{"reason", "OOM \"killed\"\\retry\nlater"}, {"state", "FAILED"}}),
            7);
  auto up = testing::Find(set, "ray_cluster_up");
  ASSERT_TRUE(up);
  EXPECT_EQ(up->type, MetricType::Untyped);
  EXPECT_EQ(up->help, "Metric read from " + RayDir() + "/ray_node.prom");
  auto hist = testing::Find(set, "ray_object_store_latency_seconds");
  ASSERT_TRUE(hist);
  EXPECT_EQ(hist->type, MetricType::Histogram);
  ASSERT_EQ(hist->metric.size(), 1u);
  EXPECT_EQ(hist->metric[0].histogram.sample_count, 500u);
  // The file's three buckets and the +Inf one the exposition always has.
  ASSERT_EQ(hist->metric[0].histogram.bucket.size(), 4u);
  EXPECT_EQ(hist->metric[0].histogram.bucket[3].upper_bound, INFINITY);
  auto summary = testing::Find(set, "ray_gcs_rpc_seconds");
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->type, MetricType::Summary);
  ASSERT_EQ(summary->metric[0].summary.quantile.size(), 2u);
  EXPECT_EQ(summary->metric[0].summary.quantile[0].quantile, 0.5);  // sorted, as client_golang
  EXPECT_EQ(summary->metric[0].summary.sample_count, 9001u);

  // The exposition is valid text format: HELP newlines and backslashes are
  // escaped, and parsing it back gives the same help text.
  std::string text = Serialize(set);
  auto reparsed = MustParse(text);
  const auto* rehist = FindFamily(reparsed, "ray_object_store_latency_seconds");
  ASSERT_TRUE(rehist);
  EXPECT_EQ(rehist->help, "Object store get latency.\nSecond help line with a \\ backslash.");
  const auto* retasks = FindFamily(reparsed, "ray_tasks_finished_total");
  ASSERT_TRUE(retasks);
  EXPECT_EQ(retasks->metrics.size(), 2u);
}

TEST(TextfileCollector, BadFilesAreSkippedAndFlagged) {
  testing::LogCapture capture;
  std::string dir = FixturePath("textfile/broken");
  auto collector = NewTextfileCollector({{dir}, std::nullopt});
  MetricSet set;
  collector->Collect(set);
  EXPECT_EQ(Value(set, "node_textfile_scrape_error"), 1);
  EXPECT_EQ(Value(set, "good_metric", {{"job", "backup"}}), 1);
  EXPECT_EQ(set.Find("bad_metric"), nullptr);
  EXPECT_EQ(set.Find("stamped_metric"), nullptr);  // timestamps reject the whole file
  EXPECT_EQ(testing::SampleCount(set, "node_textfile_mtime_seconds"), 1u);
  struct stat st;
  ASSERT_EQ(stat((dir + "/good.prom").c_str(), &st), 0);
  EXPECT_EQ(Value(set, "node_textfile_mtime_seconds", {{"file", dir + "/good.prom"}}),
            static_cast<double>(st.st_mtime));
  bool logged_bad = false, logged_stamp = false;
  for (const auto& line : capture.records()) {
    if (line.find("bad.prom") != std::string::npos) logged_bad = true;
    if (line.find("timestamps") != std::string::npos) logged_stamp = true;
  }
  EXPECT_TRUE(logged_bad);
  EXPECT_TRUE(logged_stamp);
}

TEST(TextfileCollector, MergesFamiliesAcrossFilesFirstTypeWins) {
  std::string dir = FixturePath("textfile/merge");
  auto collector = NewTextfileCollector({{dir}, 1});
  MetricSet set;
  collector->Collect(set);
  EXPECT_EQ(Value(set, "job_runs_total", {{"job", "a"}}), 4);
  EXPECT_EQ(Value(set, "job_runs_total", {{"job", "b"}}), 9);
  EXPECT_EQ(set.Find("job_runs_total")->help, "Metric read from " + dir + "/a.prom, " + dir + "/b.prom");
  ASSERT_TRUE(set.Find("disk_ok"));
  EXPECT_EQ(set.Find("disk_ok")->type, MetricType::Gauge);
  EXPECT_EQ(testing::SampleCount(set, "disk_ok"), 1u);
  EXPECT_EQ(Value(set, "node_textfile_scrape_error"), 0);
}

TEST(TextfileCollector, GlobsRepeatedDirectoriesAndMissingPaths) {
  TempDir dir;
  dir.Write("a1/x.prom", "x_metric 1\n");
  dir.Write("a2/y.prom", "y_metric 2\n");
  dir.Write(".hidden/z.prom", "z_metric 3\n");
  auto collector = NewTextfileCollector({{dir.path() + "/a*", dir.path() + "/*hidden"}, 1});
  MetricSet set;
  collector->Collect(set);
  EXPECT_EQ(Value(set, "x_metric"), 1);
  EXPECT_EQ(Value(set, "y_metric"), 2);
  EXPECT_EQ(Value(set, "z_metric"), 3);  // Go's '*' matches a leading dot
  EXPECT_EQ(Value(set, "node_textfile_scrape_error"), 0);

  auto missing = NewTextfileCollector({{dir.path() + "/nope"}, 1});
  MetricSet set2;
  missing->Collect(set2);
  EXPECT_EQ(Value(set2, "node_textfile_scrape_error"), 1);
  EXPECT_EQ(set2.Find("node_textfile_mtime_seconds"), nullptr);

  auto unset = NewTextfileCollector({});
  MetricSet set3;
  unset->Collect(set3);
  EXPECT_EQ(Value(set3, "node_textfile_scrape_error"), 0);
}

TEST(TextfileCollector, RereadsChangedFiles) {
  TempDir dir;
  dir.Write("m.prom", "changing 1\n");
  auto collector = NewTextfileCollector({{dir.path()}, std::nullopt});
  MetricSet set;
  collector->Collect(set);
  EXPECT_EQ(Value(set, "changing"), 1);
  // Replaced the way textfile writers do it: a new file renamed over the old.
  dir.Write("m.prom.tmp", "changing 2\n");
  std::filesystem::rename(dir.path() + "/m.prom.tmp", dir.path() + "/m.prom");
  MetricSet set2;
  collector->Collect(set2);
  EXPECT_EQ(Value(set2, "changing"), 2);
  // Broken in place: the error is reported, not the stale values.
  { std::ofstream(dir.path() + "/m.prom", std::ios::trunc) << "changing{ 3\n"; }
  MetricSet set3;
  collector->Collect(set3);
  EXPECT_EQ(set3.Find("changing"), nullptr);
  EXPECT_EQ(Value(set3, "node_textfile_scrape_error"), 1);
}

TEST(TextfileCollector, FifoDoesNotHangTheScrape) {
  TempDir dir;
  dir.Write("ok.prom", "ok_metric 1\n");
  std::string fifo = dir.path() + "/slow.prom";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // A writer that holds the FIFO open and never writes: a blocking read
  // would wait forever.
  int writer = open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  auto collector = NewTextfileCollector({{dir.path()}, 1});
  auto start = std::chrono::steady_clock::now();
  MetricSet set;
  collector->Collect(set);
  auto took = std::chrono::steady_clock::now() - start;
  close(writer);
  EXPECT_LT(took, std::chrono::seconds(1));
  EXPECT_EQ(Value(set, "ok_metric"), 1);
  EXPECT_EQ(Value(set, "node_textfile_scrape_error"), 1);
  EXPECT_EQ(testing::SampleCount(set, "node_textfile_mtime_seconds"), 1u);
}

// ---------------------------------------------------------------------------
// node_exporter's own textfile test cases (collector/fixtures/textfile/*.out),
// from the shared conformance tree when it is checked out beside the repo.

// Flattens an exposition into "sample{labels}" -> value, plus HELP/TYPE per
// family, so the comparison ignores ordering and float formatting of values
// and of le/quantile labels (prometheus-cpp and Go format numbers differently).
// Values are doubles: prometheus-cpp prints 16 significant digits where Go
// prints the shortest round-trip form, so they are compared with a tolerance.
struct Flat {
  std::map<std::string, std::string> meta;  // HELP and TYPE per family
  std::map<std::string, double> samples;
};

Flat Flatten(const std::vector<ParsedFamily>& families) {
  Flat flat;
  auto& out = flat.samples;
  auto num = [](double v) { return fmt::format("{}", v); };
  auto key = [](const std::string& name, Labels labels, const std::string& extra = "") {
    std::sort(labels.begin(), labels.end());
    std::string k = name + "{";
    for (const auto& l : labels) k += l.name + "=\"" + l.value + "\",";
    return k + extra + "}";
  };
  for (const auto& f : families) {
    flat.meta["HELP " + f.name] = f.help.value_or("");
    flat.meta["TYPE " + f.name] = std::to_string(static_cast<int>(f.type));
    for (const auto& m : f.metrics) {
      switch (f.type) {
        case MetricType::Counter: out[key(f.name, m.label)] = m.counter.value; break;
        case MetricType::Gauge: out[key(f.name, m.label)] = m.gauge.value; break;
        case MetricType::Untyped: out[key(f.name, m.label)] = m.untyped.value; break;
        case MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            out[key(f.name, m.label, "quantile=" + num(q.quantile))] = q.value;
          }
          out[key(f.name + "_sum", m.label)] = m.summary.sample_sum;
          out[key(f.name + "_count", m.label)] = static_cast<double>(m.summary.sample_count);
          break;
        case MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            out[key(f.name + "_bucket", m.label, "le=" + num(b.upper_bound))] = static_cast<double>(b.cumulative_count);
          }
          out[key(f.name + "_sum", m.label)] = m.histogram.sample_sum;
          out[key(f.name + "_count", m.label)] = static_cast<double>(m.histogram.sample_count);
          break;
        default: break;
      }
    }
  }
  return flat;
}

std::vector<std::string> Keys(const std::map<std::string, double>& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  return keys;
}

class NodeExporterTextfileCase : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(NodeExporterTextfileCase, MatchesExpectedOutput) {
  const std::string root = testing::NodeExporterConformanceDir();
  if (root.empty()) GTEST_SKIP() << "../shared/conformance is not beside this checkout";
  auto [name, directory] = GetParam();
  auto expected_text = ReadFile(root + "/fixtures/textfile/" + name + ".out");
  ASSERT_TRUE(expected_text);
  // node_exporter's test runs from collector/ with relative paths, which
  // appear in the file label and in generated HELP texts.
  auto old_cwd = std::filesystem::current_path();
  std::filesystem::current_path(root);
  MetricSet set;
  {
    testing::LogCapture quiet;  // node_exporter's broken cases log by design
    NewTextfileCollector({{directory}, 1})->Collect(set);
  }
  std::filesystem::current_path(old_cwd);
  Flat actual = Flatten(MustParse(Serialize(set)));
  Flat expected = Flatten(MustParse(*expected_text));
  EXPECT_EQ(actual.meta, expected.meta);
  ASSERT_EQ(Keys(actual.samples), Keys(expected.samples)) << Serialize(set);
  for (const auto& [k, v] : expected.samples) {
    EXPECT_NEAR(actual.samples[k], v, 1e-15 * std::abs(v)) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, NodeExporterTextfileCase,
    ::testing::Values(std::pair{"client_side_timestamp", "fixtures/textfile/client_side_timestamp"},
                      std::pair{"different_metric_types", "fixtures/textfile/different_metric_types"},
                      std::pair{"glob_extra_dimension", "fixtures/textfile/*_extra_dimension"},
                      std::pair{"histogram", "fixtures/textfile/histogram"},
                      std::pair{"histogram_extra_dimension", "fixtures/textfile/histogram_extra_dimension"},
                      std::pair{"inconsistent_metrics", "fixtures/textfile/inconsistent_metrics"},
                      std::pair{"metrics_merge_different_help", "fixtures/textfile/metrics_merge_different_help"},
                      std::pair{"metrics_merge_empty_help", "fixtures/textfile/metrics_merge_empty_help"},
                      std::pair{"metrics_merge_no_help", "fixtures/textfile/metrics_merge_no_help"},
                      std::pair{"metrics_merge_same_help", "fixtures/textfile/metrics_merge_same_help"},
                      std::pair{"no_metric_files", "fixtures/textfile/no_metric_files"},
                      std::pair{"nonexistent_path", "fixtures/textfile/nonexistent_path"},
                      std::pair{"summary", "fixtures/textfile/summary"},
                      std::pair{"summary_extra_dimension", "fixtures/textfile/summary_extra_dimension"},
                      std::pair{"two_metric_files", "fixtures/textfile/two_metric_files"}),
    [](const auto& info) { return std::string(info.param.first); });

}  // namespace
}  // namespace node_agent
