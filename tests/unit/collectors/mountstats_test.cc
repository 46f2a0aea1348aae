#include "collectors/mountstats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// /proc/self/mountstats of an EC2 node (Linux 6.1, nfs_show_stats and
// rpc_clnt_show_stats): the XFS root, an EFS file system over NFSv4.1 mounted
// twice (same export), and an NFSv3 mount over UDP with statvers=1.0.
constexpr const char* kMountstats =
    "device sysfs mounted on /sys with fstype sysfs\n"
    "device /dev/nvme0n1p1 mounted on / with fstype xfs\n"
    "device fs-0123.efs.us-east-1.amazonaws.com:/ mounted on /mnt/efs with fstype nfs4 statvers=1.1\n"
    "\topts:\trw,vers=4.1,rsize=1048576,wsize=1048576,namlen=255,acregmin=3,acregmax=60,acdirmin=30,"
    "acdirmax=60,hard,noresvport,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.0.1.5,local_lock=none\n"
    "\tage:\t86400\n"
    "\timpl_id:\tname='',domain='',date='0,0'\n"
    "\tcaps:\tcaps=0x3ffbf,wtmult=512,dtsize=1048576,bsize=0,namlen=255\n"
    "\tnfsv4:\tbm0=0xfdffbfff,bm1=0xf9be3e,bm2=0x60800,acl=0x3,sessions,pnfs=not configured,lease_time=90,"
    "lease_expired=0\n"
    "\tsec:\tflavor=1,pseudoflavor=1\n"
    "\tevents:\t1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27\n"
    "\tbytes:\t100 200 300 400 500 600 700 800\n"
    "\tRPC iostats version: 1.1  p/v: 100003/4 (nfs)\n"
    "\txprt:\ttcp 0 1 2 3 4 5 6 7 8 9 10 11 12\n"
    "\tper-op statistics\n"
    "\t        NULL: 1 1 0 44 24 0 0 0 0\n"
    "\t        READ: 500 501 2 80000 52428800 1500 3400 5000 1\n"
    "\t      ACCESS: 7 7 0 1 2 18446744073709551615 9007199254740993 0 0\n"
    "\n"
    "device fs-0123.efs.us-east-1.amazonaws.com:/ mounted on /mnt/efs2 with fstype nfs4 statvers=1.1\n"
    "\tage:\t100\n"
    "\tevents:\t0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    "\tbytes:\t9 9 9 9 9 9 9 9\n"
    "\txprt:\ttcp 0 1 2 3 4 5 6 7 8 9 10 11 12\n"
    "\tper-op statistics\n"
    "\t        NULL: 0 0 0 0 0 0 0 0 0\n"
    "\n"
    "device 10.0.0.9:/export mounted on /data with fstype nfs statvers=1.0\n"
    "\tage:\t5\n"
    "\tbytes:\t1 2 3 4 5 6 7 8\n"
    "\txprt:\tudp 832 1 20 21 22 23 24\n"
    "\tper-op statistics\n"
    "\t     GETATTR: 3 3 0 300 400 1 2 3\n"
    "\n";

constexpr const char* kMountinfo =
    "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "1 0 259:1 / / rw,noatime shared:1 - xfs /dev/nvme0n1p1 rw,attr2,inode64,logbufs=8,noquota\n"
    "100 1 0:50 / /mnt/efs rw,relatime shared:60 - nfs4 fs-0123.efs.us-east-1.amazonaws.com:/ "
    "rw,vers=4.1,rsize=1048576,wsize=1048576,hard,noresvport,proto=tcp,timeo=600,retrans=2,sec=sys,"
    "clientaddr=10.0.1.5,local_lock=none,addr=10.0.1.20\n"
    "101 1 0:50 / /mnt/efs2 rw,relatime shared:60 - nfs4 fs-0123.efs.us-east-1.amazonaws.com:/ "
    "rw,vers=4.1,addr=10.0.1.20\n"
    "102 1 0:51 / /data rw,relatime shared:61 - nfs 10.0.0.9:/export rw,vers=3,proto=udp,mountaddr=10.0.0.9,"
    "addr=10.0.0.9\n";

TEST(MountstatsParse, MountsAndNfsStatistics) {
  std::vector<std::string> skipped;
  auto mounts = ParseMountStats(kMountstats, skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_EQ(mounts[1].device, "/dev/nvme0n1p1");
  EXPECT_EQ(mounts[1].fstype, "xfs");
  EXPECT_FALSE(mounts[1].nfs);
  const MountStatsEntry& efs = mounts[2];
  EXPECT_EQ(efs.index, 2u);
  EXPECT_EQ(efs.mount_point, "/mnt/efs");
  ASSERT_TRUE(efs.nfs);
  EXPECT_EQ(efs.nfs->stat_version, "1.1");
  EXPECT_DOUBLE_EQ(efs.nfs->age_seconds, 86400);
  EXPECT_EQ(efs.nfs->events[26], 27u);
  EXPECT_EQ(efs.nfs->bytes[7], 800u);
  ASSERT_EQ(efs.nfs->transports.size(), 1u);
  const NfsTransport& t = efs.nfs->transports[0];
  EXPECT_EQ(t.protocol, "tcp");
  EXPECT_EQ(t.bind, 1u);
  EXPECT_EQ(t.idle_time_seconds, 4u);
  EXPECT_EQ(t.cumulative_backlog, 9u);
  EXPECT_EQ(t.cumulative_pending_queue, 12u);
  ASSERT_EQ(efs.nfs->operations.size(), 3u);
  EXPECT_EQ(efs.nfs->operations[1].name, "READ");
  EXPECT_EQ(efs.nfs->operations[1].major_timeouts, 2u);
  EXPECT_EQ(efs.nfs->operations[1].request_milliseconds, 5000u);
  // UDP has no connect or idle fields: its values shift past them.
  const NfsTransport& udp = mounts[4].nfs->transports[0];
  EXPECT_EQ(udp.protocol, "udp");
  EXPECT_EQ(udp.bind, 1u);
  EXPECT_EQ(udp.connect, 0u);
  EXPECT_EQ(udp.idle_time_seconds, 0u);
  EXPECT_EQ(udp.sends, 20u);
  EXPECT_EQ(udp.cumulative_backlog, 24u);
  EXPECT_EQ(udp.maximum_rpc_slots_used, 0u);
  EXPECT_EQ(mounts[4].nfs->operations[0].name, "GETATTR");
}

TEST(MountstatsParse, RdmaTransport) {
  std::vector<std::string> skipped;
  std::string text = "device h:/x mounted on /x with fstype nfs4 statvers=1.1\n\txprt:\trdma";
  for (int i = 0; i < 28; ++i) {
    text += ' ';
    text += std::to_string(i + 1);
  }
  text += "\n";
  auto mounts = ParseMountStats(text, skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(mounts.size(), 1u);
  const NfsTransport& t = mounts[0].nfs->transports.at(0);
  EXPECT_EQ(t.cumulative_backlog, 10u);
  EXPECT_EQ(t.maximum_rpc_slots_used, 0u);  // RDMA counters follow instead
}

TEST(MountstatsParse, MalformedInputSkipsTheItem) {
  std::vector<std::string> skipped;
  auto mounts = ParseMountStats(
      "device broken line\n"
      "device a:/ mounted on /a with fstype nfs4 statvers=1.1\n"
      "\txprt:\ttcp 1 2 3\n"  // statvers 1.1 TCP has 13 values
      "\n"
      "device b:/ mounted on /b with fstype nfs4 statvers=1.1\n"
      "\tbytes:\t1 2 3 4 5 6 7 8\n"
      "\tper-op statistics\n"
      "\t        READ: 1 2 3\n"
      "\t       WRITE: 1 2 x 4 5 6 7 8\n"
      "\t      COMMIT: 1 2 3 4 5 6 7 8\n"
      // No blank line before the next device: it still starts a new mount.
      "device c:/ mounted on /c with fstype ext4 statvers=1.1\n"
      "device d:/ mounted on /d with fstype nfs statvers=9.9\n"
      "\txprt:\ttcp 0 1 2 3 4 5 6 7 8 9 10 11 12\n"
      "device e:/ mounted on /e with fstype nfs statvers=1.1\n"
      "\tage:\tforever\n"
      "device f:/ mounted on /f with fstype nfs statvers=1.1\n",
      skipped);
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].device, "b:/");
  EXPECT_EQ(mounts[0].index, 2u);  // the broken device lines keep their places
  ASSERT_EQ(mounts[0].nfs->operations.size(), 1u);
  EXPECT_EQ(mounts[0].nfs->operations[0].name, "COMMIT");
  EXPECT_EQ(mounts[1].device, "f:/");
  EXPECT_EQ(mounts[1].index, 6u);
  EXPECT_EQ(skipped.size(), 7u);
}

TEST(MountstatsParse, MountinfoAddrs) {
  std::vector<std::string> skipped;
  auto addrs = ParseMountInfoAddrs(std::string(kMountinfo) + "garbage\n9 1 0:1 / /x rw - nfs h:/ rw,addr=1.2.3.4=5,addr\n"
                                   "8 1 0:1 / /y rw shared:1 master:2 - nfs h:/ addr=5.6.7.8\n",
                                   skipped);
  ASSERT_EQ(addrs.size(), 8u);
  EXPECT_EQ(addrs[1], "");
  EXPECT_EQ(addrs[2], "10.0.1.20");
  EXPECT_EQ(addrs[4], "10.0.0.9");
  EXPECT_EQ(addrs[5], "");  // the malformed line keeps its place
  EXPECT_EQ(addrs[6], "");  // a later bare "addr" clears it, as in procfs's map
  EXPECT_EQ(addrs[7], "5.6.7.8");
  EXPECT_EQ(skipped.size(), 1u);
  // procfs keeps the text between the first and a second '='.
  skipped.clear();
  EXPECT_EQ(ParseMountInfoAddrs("9 1 0:1 / /x rw - nfs h:/ rw,addr=1.2.3.4=5\n", skipped).at(0), "1.2.3.4");
}

// A proc tree whose /proc/self names PID 4242, as a symlink or (as fixture
// unpackers store links) as a file holding the target.
void WriteProc(const TempDir& dir, bool symlink) {
  dir.Write("proc/4242/mountstats", kMountstats);
  dir.Write("proc/4242/mountinfo", kMountinfo);
  if (symlink) {
    std::filesystem::create_directory_symlink("4242", dir.path() + "/proc/self");
  } else {
    dir.Write("proc/self", "4242");
  }
}

TEST(Mountstats, MetricsWithNodeExporterDeduplication) {
  for (bool symlink : {true, false}) {
    TempDir dir;
    WriteProc(dir, symlink);
    MetricSet set;
    NewMountstatsCollector(FixturePaths(dir.path()))->Collect(set);
    Labels efs{{"export", "fs-0123.efs.us-east-1.amazonaws.com:/"}, {"protocol", "tcp"}, {"mountaddr", "10.0.1.20"}};
    // One info sample per mount point; statistics once per export, the first mount's.
    EXPECT_EQ(SampleCount(set, "node_mountstats_nfs_mountpoint_info"), 3u);
    Labels info = efs;
    info.push_back({"mountpoint", "/mnt/efs2"});
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_mountpoint_info", info), 1);
    EXPECT_EQ(SampleCount(set, "node_mountstats_nfs_age_seconds_total"), 2u);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_age_seconds_total", efs), 86400);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_total_write_bytes_total", efs), 600);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_event_vfs_file_release_total", efs), 18);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_event_truncation_total", efs), 20);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_event_pnfs_write_total", efs), 27);
    Labels transport = efs;
    transport.push_back({"transport", "0"});
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_transport_idle_time_seconds", transport), 4);
    EXPECT_EQ(set.Find("node_mountstats_nfs_transport_idle_time_seconds")->type, MetricType::Gauge);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_transport_maximum_rpc_slots", transport), 10);
    Labels read = efs;
    read.push_back({"operation", "READ"});
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_operations_queue_time_seconds_total", read), 1.5);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_operations_request_time_seconds_total", read), 5);
    // Timings are taken modulo 2^53 before the division.
    Labels access = efs;
    access.push_back({"operation", "ACCESS"});
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_operations_queue_time_seconds_total", access),
                     static_cast<double>(18446744073709551615ULL % 9007199254740992ULL) / 1000.0);
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_operations_response_time_seconds_total", access), 0.001);
    Labels udp{{"export", "10.0.0.9:/export"}, {"protocol", "udp"}, {"mountaddr", "10.0.0.9"}, {"transport", "0"}};
    EXPECT_DOUBLE_EQ(Value(set, "node_mountstats_nfs_transport_sends_total", udp), 20);
  }
}

TEST(Mountstats, NoNfsMountIsNoSeries) {
  TempDir dir;
  dir.Write("proc/7/mountstats", "device /dev/root mounted on / with fstype ext4\n");
  dir.Write("proc/7/mountinfo", "1 0 8:1 / / rw - ext4 /dev/root rw\n");
  dir.Write("proc/self", "7");
  MetricSet set;
  NewMountstatsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

TEST(Mountstats, UnreadableFileFails) {
  TempDir dir;
  dir.Write("proc/7/mountinfo", "");
  dir.Write("proc/self", "7");
  MetricSet set;
  EXPECT_THROW(NewMountstatsCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

TEST(Mountstats, LiveProcSelf) {
  // The agent's own mount namespace: whatever it holds, the scrape succeeds.
  Paths paths;
  MetricSet set;
  EXPECT_NO_THROW(NewMountstatsCollector(paths)->Collect(set));
}

}  // namespace
}  // namespace node_agent
