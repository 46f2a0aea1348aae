#include "collectors/filefd.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

std::optional<FileFdStats> ParseFileNr(std::string_view content) {
  // Split on tabs as node_exporter does: file-nr is tab-separated.
  std::string_view s = Trim(content);
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t tab = s.find('\t', start);
    parts.push_back(s.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (parts.size() < 3) return std::nullopt;
  auto allocated = ParseDouble(parts[0]);
  auto maximum = ParseDouble(parts[2]);
  if (!allocated || !maximum) return std::nullopt;
  return FileFdStats{*allocated, *maximum};
}

namespace {

class FilefdCollector : public Collector {
 public:
  explicit FilefdCollector(const Paths& paths) : file_(paths.Proc("sys/fs/file-nr"), ShortRead::kIsEnd) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get file-nr: ");
    auto stats = ParseFileNr(buf_);
    if (!stats) {
      log::WarnOnce("filefd:" + file_.path(), "unexpected content in file-nr",
                    {{"file", file_.path()}, {"content", std::string(Trim(buf_))}});
      throw std::runtime_error("couldn't get file-nr: unexpected content in " + file_.path());
    }
    out.Gauge("node_filefd_allocated", "File descriptor statistics: allocated.", {}, stats->allocated);
    out.Gauge("node_filefd_maximum", "File descriptor statistics: maximum.", {}, stats->maximum);
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateFilefd(const Paths& paths) { return NewFilefdCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("filefd", kEnabledByDefault, nullptr, &CreateFilefd);

}  // namespace

std::unique_ptr<Collector> NewFilefdCollector(const Paths& paths) {
  return std::make_unique<FilefdCollector>(paths);
}

}  // namespace node_agent
