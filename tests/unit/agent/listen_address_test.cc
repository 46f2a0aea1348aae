// --web.listen-address values: the forms accepted and those refused.
#include <gtest/gtest.h>

#include <stdexcept>

#include "agent/http_server.h"

namespace node_agent {
namespace {

TEST(ListenAddress, Forms) {
  auto a = ParseListenAddress(":9100");
  EXPECT_TRUE(a.any_host);
  EXPECT_EQ(a.endpoint.port(), 9100);
  a = ParseListenAddress("127.0.0.1:1234");
  EXPECT_FALSE(a.any_host);
  EXPECT_EQ(a.endpoint.address().to_string(), "127.0.0.1");
  a = ParseListenAddress("[::1]:80");
  EXPECT_TRUE(a.endpoint.address().is_v6());
  a = ParseListenAddress("localhost:80");
  EXPECT_EQ(a.endpoint.address().to_string(), "127.0.0.1");
  EXPECT_THROW(ParseListenAddress("9100"), std::invalid_argument);
  EXPECT_THROW(ParseListenAddress(":99999"), std::invalid_argument);
  EXPECT_THROW(ParseListenAddress("example.com:80"), std::invalid_argument);
}

}  // namespace
}  // namespace node_agent
