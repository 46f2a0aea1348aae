#include <gtest/gtest.h>

#include <string>

#include "lib/log.h"
#include "tests/support/log_capture.h"

namespace node_agent {
namespace {

TEST(WarnOnce, WarnsOncePerKey) {
  testing::LogCapture capture;
  log::WarnOnce("log_test:same", "bad line");
  log::WarnOnce("log_test:same", "bad line");
  EXPECT_EQ(capture.Warnings("bad line"), 1u);
}

// Keys carry changing text (a textfile's error message), so a long-running
// agent could see a new key every scrape: the set must not grow without bound.
TEST(WarnOnce, ForgetsKeysPastTheBound) {
  testing::LogCapture capture;
  log::WarnOnce("log_test:first", "first");
  for (size_t i = 0; i < log::kWarnOnceMaxKeys + 1; ++i) {
    log::WarnOnce("log_test:changing:" + std::to_string(i), "changing");
  }
  EXPECT_EQ(capture.Warnings("changing"), log::kWarnOnceMaxKeys + 1);
  log::WarnOnce("log_test:first", "first");
  EXPECT_EQ(capture.Warnings("first"), 2u) << "the set was not bounded: the first key is still remembered";
}

}  // namespace
}  // namespace node_agent
