"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's, 1.5.0) started with the same /proc-and-OS collectors (meminfo,
loadavg, stat, pressure, vmstat, filefd, entropy, os, uname, time) export the
same series, with the same types and values, for every family both export.

Values are compared by bracketing: the agent is scraped before and after
node_exporter, so a counter that moves between scrapes must have
node_exporter's value between the agent's two values (with a small slack).
Gauges that go up and down on a busy host are only checked for presence.

Where 1.5.0 and 1.12 differ, node-agent follows 1.12:
- meminfo: 1.12 exports only the fields prometheus/procfs's Meminfo struct
  knows (MEMINFO_1_12 below); 1.5.0 exported every line, so families such as
  node_memory_Hugetlb_bytes or node_memory_KReclaimable_bytes are 1.5.0 only.
- pressure: 1.12 adds node_pressure_irq_stalled_seconds_total.
- os: 1.12 adds node_os_support_end_timestamp_seconds (when SUPPORT_END is set).
"""
import os
import re
import shutil
import unittest

from common import Process, free_port, get, parse, start_agent, wait_http

NODE_EXPORTER = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')
COLLECTORS = ['meminfo', 'loadavg', 'stat', 'pressure', 'vmstat', 'filefd', 'entropy', 'os', 'uname', 'time']
EXTRA_FLAGS = ['--collector.stat.softirq']

NOT_COMPARED = re.compile(r'^(go_|process_|promhttp_|node_exporter_|node_agent_|'
                          r'node_scrape_collector_duration_seconds)')
# Gauges that legitimately go up and down between scrapes: presence and type only.
VOLATILE = re.compile(r'^node_(memory_(?!(MemTotal|SwapTotal|VmallocTotal|Hugepagesize)_bytes$|HugePages_Total$)'
                      r'|load(1|5|15)$|procs_(running|blocked)$|filefd_allocated$|entropy_available_bits$)')

# The node_memory_* families node_exporter 1.12's meminfo_linux.go can export.
MEMINFO_1_12 = {'node_memory_' + f for f in (
    'Active_bytes Active_anon_bytes Active_file_bytes AnonHugePages_bytes AnonPages_bytes Bounce_bytes '
    'Buffers_bytes Cached_bytes CmaFree_bytes CmaTotal_bytes CommitLimit_bytes Committed_AS_bytes '
    'DirectMap1G_bytes DirectMap2M_bytes DirectMap4k_bytes Dirty_bytes HardwareCorrupted_bytes '
    'Hugepagesize_bytes Inactive_bytes Inactive_anon_bytes Inactive_file_bytes KernelStack_bytes '
    'Mapped_bytes MemAvailable_bytes MemFree_bytes MemTotal_bytes Mlocked_bytes NFS_Unstable_bytes '
    'PageTables_bytes Percpu_bytes SReclaimable_bytes SUnreclaim_bytes Shmem_bytes ShmemHugePages_bytes '
    'ShmemPmdMapped_bytes Slab_bytes SwapCached_bytes SwapFree_bytes SwapTotal_bytes Unevictable_bytes '
    'VmallocChunk_bytes VmallocTotal_bytes VmallocUsed_bytes Writeback_bytes WritebackTmp_bytes '
    'Zswap_bytes Zswapped_bytes HugePages_Free HugePages_Rsvd HugePages_Surp HugePages_Total').split()}


def bracketed(a1, ne, a2, slack):
    lo, hi = min(a1, a2), max(a1, a2)
    eps = slack * max(abs(lo), abs(hi)) + 1e-9
    return lo - eps <= ne <= hi + eps


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveSysprocComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        flags = ['--collector.disable-defaults'] + [f'--collector.{c}' for c in COLLECTORS] + EXTRA_FLAGS
        agent, agent_port = start_agent(*flags)
        ne_port = free_port()
        ne = Process([NODE_EXPORTER, f'--web.listen-address=127.0.0.1:{ne_port}'] + flags)
        try:
            wait_http(ne_port, proc=ne, timeout=20)
            a1 = parse(get(agent_port)[1].decode())
            n = parse(get(ne_port)[1].decode())
            a2 = parse(get(agent_port)[1].decode())
        finally:
            ne.stop()
            agent.stop()

        shared = sorted(f for f in n if f in a1 and not NOT_COMPARED.match(f))
        for fam in ('node_memory_MemTotal_bytes', 'node_load1', 'node_boot_time_seconds',
                    'node_softirqs_total', 'node_vmstat_pgfault', 'node_filefd_maximum',
                    'node_entropy_available_bits', 'node_os_info', 'node_uname_info',
                    'node_time_seconds', 'node_scrape_collector_success'):
            self.assertIn(fam, shared)
        problems = []
        for fam in sorted(f for f in n if f not in a1 and not NOT_COMPARED.match(f)):
            # Only the meminfo fields 1.12 no longer exports may be missing.
            if not fam.startswith('node_memory_') or fam in MEMINFO_1_12:
                problems.append(f'{fam}: exported by node_exporter, not by node-agent')
        for fam in shared:
            if a1[fam]['type'] != n[fam]['type']:
                problems.append(f'{fam}: type {a1[fam]["type"]} != node_exporter {n[fam]["type"]}')
                continue
            ns, s1, s2 = n[fam]['samples'], a1[fam]['samples'], a2[fam]['samples']
            for key in sorted(set(ns) - set(s1)):
                problems.append(f'{fam}: missing {key}')
            for key in sorted(set(s1) - set(ns)):
                problems.append(f'{fam}: extra {key}')
            if VOLATILE.match(fam):
                continue
            slack = 1e-3 if fam == 'node_time_seconds' else 1e-6
            for key in sorted(set(ns) & set(s1) & set(s2)):
                if not bracketed(s1[key], ns[key], s2[key], slack):
                    problems.append(f'{fam}: {key} agent {s1[key]}..{s2[key]} vs node_exporter {ns[key]}')
        for key, value in n['node_scrape_collector_success']['samples'].items():
            if value == 1:
                self.assertEqual(a1['node_scrape_collector_success']['samples'].get(key), 1, key)
        print(f'\ncompared {len(shared)} families with {os.path.basename(NODE_EXPORTER)}: '
              f'{", ".join(shared)}')
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
