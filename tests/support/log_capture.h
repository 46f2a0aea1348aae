// RAII capture of log records for tests that check "logged once".
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "lib/log.h"

namespace node_agent::testing {

class LogCapture {
 public:
  LogCapture() { log::CaptureForTest(&records_); }
  ~LogCapture() { log::CaptureForTest(nullptr); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Records at warn level whose text contains `needle`.
  size_t Warnings(std::string_view needle = "") const {
    return static_cast<size_t>(std::count_if(records_.begin(), records_.end(), [&](const std::string& r) {
      return r.find("level=warn") != std::string::npos && r.find(needle) != std::string::npos;
    }));
  }
  const std::vector<std::string>& records() const { return records_; }

 private:
  std::vector<std::string> records_;
};

}  // namespace node_agent::testing
