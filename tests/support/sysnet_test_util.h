// Helpers for the netstat/sockstat/ethtool tests: a series-level comparison
// of expositions.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "lib/fs.h"
#include "tests/support/test_util.h"

namespace node_agent::testing {

// "name{labels}" -> value for every sample line whose name starts with `prefix`.
inline std::map<std::string, double> SamplesWithPrefix(const std::string& exposition, const std::string& prefix) {
  std::map<std::string, double> out;
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind(prefix, 0) != 0) continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    auto v = ParseDouble(line.substr(space + 1));
    if (v) out[line.substr(0, space)] = *v;
  }
  return out;
}

// "# HELP name text" -> text and "# TYPE name type" -> type, for names with `prefix`.
inline std::map<std::string, std::string> MetaWithPrefix(const std::string& exposition, const std::string& what,
                                                         const std::string& prefix) {
  std::map<std::string, std::string> out;
  std::istringstream in(exposition);
  std::string line;
  std::string head = "# " + what + " " + prefix;
  while (std::getline(in, line)) {
    if (line.rfind(head, 0) != 0) continue;
    auto rest = line.substr(what.size() + 3);
    auto space = rest.find(' ');
    out[rest.substr(0, space)] = space == std::string::npos ? "" : rest.substr(space + 1);
  }
  return out;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace node_agent::testing
