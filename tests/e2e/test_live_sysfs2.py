"""Live on this machine: node-agent's filesystem and textfile collectors export
the same series as the reference prometheus-node-exporter (Debian's 1.5.0),
allowing only for what node_exporter changed between 1.5 and 1.12:

- filesystem families carry a device_error label (1.8; "" when statfs worked),
  which is dropped here before comparing;
- node_filesystem_mount_info is new (1.7) and not compared;
- Debian patches 1.5.0's default mount-point exclude (adds /mnt, /media,
  /run), so both get upstream 1.12's defaults explicitly (collector_flags
  adds them), whatever this host mounts there.

Free space moves between scrapes, so node_exporter's value must lie between
the agent's values scraped before and after it (with a little slack)."""
import os
import shutil
import tempfile
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, presence_problems,
                    report_compared, scrape_side_by_side, shared_families)

COLLECTORS = ['filesystem', 'textfile']
COMPARED = r'^(node_filesystem_|node_textfile_|sysfs2_)'
NOT_IN_1_5 = r'^node_filesystem_mount_info$'
SINCE_1_8 = {r'^node_filesystem_': {'device_error'}}
MOVING = r'^node_filesystem_(avail_bytes|free_bytes|files_free)$'

TEXTFILE = """# HELP sysfs2_jobs_total Jobs run by the live test.
# TYPE sysfs2_jobs_total counter
sysfs2_jobs_total{kind="backup",host="a"} 12
sysfs2_jobs_total{kind="restore"} 3
# TYPE sysfs2_latency_seconds summary
sysfs2_latency_seconds{quantile="0.5"} 0.25
sysfs2_latency_seconds{quantile="0.9"} 0.75
sysfs2_latency_seconds_sum 40
sysfs2_latency_seconds_count 100
sysfs2_untyped 7
"""


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveSysfs2ComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        textdir = tempfile.mkdtemp(prefix='node-agent-textfile-')
        with open(os.path.join(textdir, 'live.prom'), 'w') as f:
            f.write(TEXTFILE)
        flags = collector_flags(COLLECTORS,
                                f'--collector.textfile.directory={textdir}')
        self.assertTrue(any(f.startswith('--collector.filesystem.mount-points-exclude=') for f in flags))
        try:
            a1, n, a2 = scrape_side_by_side(flags)
        finally:
            shutil.rmtree(textdir, ignore_errors=True)

        # Every agent filesystem series has device_error, "" when statfs worked.
        for (name, labels) in a1.get('node_filesystem_size_bytes', {'samples': {}})['samples']:
            self.assertIn(('device_error', ''), labels)

        shared = shared_families(a1, n, compared=COMPARED)
        self.assertIn('node_filesystem_size_bytes', shared)
        self.assertIn('node_textfile_scrape_error', shared)
        self.assertIn('sysfs2_latency_seconds', shared)
        self.assertIn('node_filesystem_mount_info', a1)
        problems = presence_problems(a1, n, compared=COMPARED, agent_only_ok=NOT_IN_1_5)
        problems += compare_families(a1, n, a2, compared=COMPARED, ignore_labels=SINCE_1_8,
                                     slack={MOVING: 1e-3}, default_slack=1e-9)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
