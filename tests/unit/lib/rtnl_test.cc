// ScrapeLinkDump: one link dump per scrape, shared by the calls made within
// it, afresh outside any; ScrapeScope nests per thread. On this host's own
// links (the loopback device at least).
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>

#include "lib/rtnl.h"
#include "lib/scrape_scope.h"

namespace node_agent {
namespace {

// The request sequence number of a dump's first message: each dump has its own.
uint32_t SequenceOf(const std::string& dump) {
  nlmsghdr header{};
  EXPECT_GE(dump.size(), sizeof header);
  std::memcpy(&header, dump.data(), std::min(dump.size(), sizeof header));
  return header.nlmsg_seq;
}

TEST(ScrapeLinkDump, OneDumpPerScrape) {
  std::string outside1, outside2;
  if (int err = ScrapeLinkDump(outside1); err != 0) GTEST_SKIP() << "no link dump here: " << std::strerror(err);
  ASSERT_EQ(ScrapeLinkDump(outside2), 0);
  EXPECT_NE(SequenceOf(outside1), SequenceOf(outside2)) << "outside a scrape every call dumps";

  std::string first, again, next;
  {
    ScrapeScope scope(NewScrapeNumber());
    ASSERT_EQ(ScrapeLinkDump(first), 0);
    ASSERT_EQ(ScrapeLinkDump(again), 0);
    EXPECT_EQ(first, again) << "a second call in the same scrape dumped again";
    EXPECT_NE(SequenceOf(first), SequenceOf(outside2));
  }
  {
    ScrapeScope scope(NewScrapeNumber());
    ASSERT_EQ(ScrapeLinkDump(next), 0);
    EXPECT_NE(SequenceOf(next), SequenceOf(first)) << "a new scrape reused the last one's dump";
  }
  size_t links = 0;
  EXPECT_TRUE(ForEachLinkMessage(next, [&](std::string_view) { return ++links > 0; }));
  EXPECT_GE(links, 1u);
}

TEST(ScrapeScope, NestsAndIsPerThread) {
  EXPECT_EQ(ThisScrape(), 0u);
  const uint64_t outer = NewScrapeNumber(), inner = NewScrapeNumber();
  EXPECT_NE(outer, 0u);
  EXPECT_NE(outer, inner);
  {
    ScrapeScope a(outer);
    EXPECT_EQ(ThisScrape(), outer);
    {
      ScrapeScope b(inner);
      EXPECT_EQ(ThisScrape(), inner);
      uint64_t other_thread = 1;
      std::thread([&] { other_thread = ThisScrape(); }).join();
      EXPECT_EQ(other_thread, 0u);
    }
    EXPECT_EQ(ThisScrape(), outer);
  }
  EXPECT_EQ(ThisScrape(), 0u);
}

}  // namespace
}  // namespace node_agent
