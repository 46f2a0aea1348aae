"""Live on this machine: node-agent's filesystem and textfile collectors export
the same series as the reference prometheus-node-exporter (Debian's 1.5.0),
allowing only for what node_exporter changed between 1.5 and 1.12:

- filesystem families carry a device_error label (1.8; "" when statfs worked),
  which is dropped here before comparing;
- node_filesystem_mount_info is new (1.7) and not compared;
- Debian patches 1.5.0's default mount-point exclude (adds /mnt, /media,
  /run), so both get upstream 1.12's defaults explicitly.

Free space moves between scrapes, so node_exporter's value must lie between
the agent's values scraped before and after it (with a little slack)."""
import os
import re
import shutil
import tempfile
import unittest

from common import Process, free_port, get, parse, start_agent, wait_http

NODE_EXPORTER = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')
COLLECTORS = ['filesystem', 'textfile']
MOUNT_POINTS_EXCLUDE = ('^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|'
                        'var/lib/containers/storage/.+)($|/)')
FS_TYPES_EXCLUDE = ('^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|'
                    'hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|'
                    'selinuxfs|squashfs|erofs|sysfs|tracefs)$')
COMPARED = re.compile(r'^(node_filesystem_|node_textfile_|sysfs2_)')
NOT_IN_1_5 = re.compile(r'^node_filesystem_mount_info$')
MOVING = re.compile(r'^node_filesystem_(avail_bytes|free_bytes|files_free)$')

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


def without_device_error(fams):
    out = {}
    for fam, entry in fams.items():
        samples = {}
        for (name, labels), value in entry['samples'].items():
            samples[(name, tuple(kv for kv in labels if kv[0] != 'device_error'))] = value
        out[fam] = {'type': entry['type'], 'samples': samples}
    return out


def bracketed(a1, ne, a2, slack):
    lo, hi = min(a1, a2), max(a1, a2)
    eps = slack * max(abs(lo), abs(hi)) + 1e-9
    return lo - eps <= ne <= hi + eps


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveSysfs2ComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        textdir = tempfile.mkdtemp(prefix='node-agent-textfile-')
        with open(os.path.join(textdir, 'live.prom'), 'w') as f:
            f.write(TEXTFILE)
        flags = (['--collector.disable-defaults'] + [f'--collector.{c}' for c in COLLECTORS] +
                 [f'--collector.textfile.directory={textdir}',
                  f'--collector.filesystem.mount-points-exclude={MOUNT_POINTS_EXCLUDE}',
                  f'--collector.filesystem.fs-types-exclude={FS_TYPES_EXCLUDE}'])
        agent, agent_port = start_agent(*flags)
        ne_port = free_port()
        ne = Process([NODE_EXPORTER, f'--web.listen-address=127.0.0.1:{ne_port}'] + flags)
        try:
            wait_http(ne_port, proc=ne, timeout=20)
            raw1 = parse(get(agent_port)[1].decode())
            n = parse(get(ne_port)[1].decode())
            raw2 = parse(get(agent_port)[1].decode())
        finally:
            ne.stop()
            agent.stop()
            shutil.rmtree(textdir, ignore_errors=True)

        # Every agent filesystem series has device_error, "" when statfs worked.
        for (name, labels) in raw1.get('node_filesystem_size_bytes', {'samples': {}})['samples']:
            self.assertIn(('device_error', ''), labels)
        a1, a2 = without_device_error(raw1), without_device_error(raw2)

        shared = sorted(f for f in n if COMPARED.match(f))
        self.assertIn('node_filesystem_size_bytes', shared)
        self.assertIn('node_textfile_scrape_error', shared)
        self.assertIn('sysfs2_latency_seconds', shared)
        self.assertIn('node_filesystem_mount_info', a1)
        problems = []
        for fam in shared:
            if fam not in a1:
                problems.append(f'{fam}: missing family')
                continue
            if a1[fam]['type'] != n[fam]['type']:
                problems.append(f'{fam}: type {a1[fam]["type"]} != node_exporter {n[fam]["type"]}')
                continue
            ns, s1, s2 = n[fam]['samples'], a1[fam]['samples'], a2[fam]['samples']
            for key in sorted(set(ns) - set(s1)):
                problems.append(f'{fam}: missing {key}')
            for key in sorted(set(s1) - set(ns)):
                problems.append(f'{fam}: extra {key}')
            slack = 1e-3 if MOVING.match(fam) else 1e-9
            for key in sorted(set(ns) & set(s1) & set(s2)):
                if not bracketed(s1[key], ns[key], s2[key], slack):
                    problems.append(f'{fam}: {key} agent {s1[key]}..{s2[key]} vs node_exporter {ns[key]}')
        extra = sorted(f for f in a1 if COMPARED.match(f) and f not in n and not NOT_IN_1_5.match(f))
        for fam in extra:
            problems.append(f'{fam}: only the agent exports it')
        print(f'\ncompared {len(shared)} families with {os.path.basename(NODE_EXPORTER)}: {", ".join(shared)}')
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
