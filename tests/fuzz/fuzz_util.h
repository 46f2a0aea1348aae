// Shared by the libFuzzer targets. A target is one file tests/fuzz/NAME_fuzz.cc
// (built as build-fuzz/fuzz/NAME by CMake's glob) holding
//
//   // seeds: DIR ...        fixture directories under tests/fixtures (or none)
//   FUZZ_TEST(data) { ...parse `data` (a std::string_view), FUZZ_CHECK invariants... }
//
// tests/fuzz/run.sh reads the `seeds:` line. A finding is a sanitizer report,
// an uncaught exception (std::terminate) or a failed FUZZ_CHECK; all abort, so
// libFuzzer saves the input as build-fuzz/findings/NAME/crash-*.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/exposition.h"
#include "lib/log.h"
#include "collectors/textfile.h"

#define FUZZ_CHECK(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

// Defines libFuzzer's entry points around the body that follows.
#define FUZZ_TEST(data)                                                                  \
  static void FuzzOneInput(std::string_view data);                                       \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                                   \
    /* parsers log malformed lines; at every input that is noise and slows the run */     \
    node_agent::log::SetLevel("error");                                                   \
    return 0;                                                                             \
  }                                                                                       \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {              \
    FuzzOneInput(std::string_view(reinterpret_cast<const char*>(bytes), size));           \
    return 0;                                                                             \
  }                                                                                       \
  static void FuzzOneInput(std::string_view data)

namespace node_agent::fuzz {

// A parsed value survives exposition: the text the agent writes for it reads
// back (as Prometheus' expfmt parser reads it) as the same double.
inline void CheckExposesExactly(double v) {
  std::string text = FormatDouble(v);
  auto back = ParseExpfmtFloat(text);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(std::isnan(v) ? std::isnan(*back) : *back == v);
}

}  // namespace node_agent::fuzz
