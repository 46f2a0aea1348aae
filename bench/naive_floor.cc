// The naive floor: what a scrape costs if it only opens, reads and closes
// every file the collectors read (and lists every directory they list), with
// no parsing, no caching and no HTTP. bench/compare runs it beside node-agent.
//
//   naive_floor LIST ITERATIONS
//
// LIST has one absolute path per line ('#' lines are comments); a path ending
// in '/' is a directory, listed with readdir. Prints one JSON object: CPU
// seconds per iteration (getrusage, user + system), wall seconds per
// iteration, and how many files and directories, and bytes, one iteration read.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s LIST ITERATIONS\n", argv[0]);
    return 2;
  }
  std::vector<std::string> files, dirs;
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    (line.back() == '/' ? dirs : files).push_back(line);
  }
  const long iterations = std::atol(argv[2]);
  static char buf[1 << 16];
  unsigned long bytes = 0, opened = 0;
  const double cpu0 = CpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  for (long it = 0; it < iterations; ++it) {
    bytes = opened = 0;
    for (const auto& d : dirs) {
      DIR* dir = opendir(d.c_str());
      if (!dir) continue;
      ++opened;
      while (readdir(dir) != nullptr) {
      }
      closedir(dir);
    }
    for (const auto& f : files) {
      int fd = open(f.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      ++opened;
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) bytes += static_cast<unsigned long>(n);
      close(fd);
    }
  }
  const double cpu = CpuSeconds() - cpu0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  std::printf(
      "{\"iterations\": %ld, \"cpu_s_per_iteration\": %.9f, \"wall_s_per_iteration\": %.9f, "
      "\"files\": %zu, \"dirs\": %zu, \"opened\": %lu, \"bytes\": %lu}\n",
      iterations, cpu / static_cast<double>(iterations), wall / static_cast<double>(iterations), files.size(),
      dirs.size(), opened, bytes);
  return 0;
}
