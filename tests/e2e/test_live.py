"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's) started with the same collectors export the same series, with the
same types and values, for every family both versions export.

Values are compared by bracketing: the agent is scraped before and after
node_exporter, so a counter or gauge that moves between scrapes must have
node_exporter's value between the agent's two values (with a small slack)."""
import os
import re
import shutil
import unittest

from common import Process, free_port, get, parse, start_agent, wait_http

NODE_EXPORTER = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')
COLLECTORS = ['cpu', 'cpufreq', 'hwmon', 'thermal_zone', 'diskstats', 'nvme', 'netdev', 'netclass']

# Families that are about the exporter process or timing, not the node.
NOT_COMPARED = re.compile(r'^(go_|process_|promhttp_|node_exporter_|node_agent_|'
                          r'node_scrape_collector_duration_seconds)')
# Labels node_exporter added after Debian's 1.5.0; node-agent follows 1.12.
LABELS_SINCE_1_5 = {'node_network_info': {'adminstate'}, 'node_disk_info': {'rotational'}}
# Defaults that changed upstream after 1.5.0 (diskstats now also skips zram)
# or that Debian patched (its netdev skips lo): both get 1.12's upstream
# defaults explicitly, so the comparison is of the collectors, not of defaults.
SAME_DEFAULTS = [r'--collector.diskstats.device-exclude=^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$',
                 '--collector.netdev.device-exclude=^$']
# Gauges that may legitimately jump between scrapes (hardware clocks).
VOLATILE = re.compile(r'^node_cpu_(scaling_)?frequency_hertz$')


def strip_labels(samples, names):
    if not names:
        return samples
    return {(k[0], tuple(l for l in k[1] if l[0] not in names)): v for k, v in samples.items()}


def bracketed(a1, ne, a2, slack):
    lo, hi = min(a1, a2), max(a1, a2)
    eps = slack * max(abs(lo), abs(hi)) + 1e-9
    return lo - eps <= ne <= hi + eps


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        flags = ['--collector.disable-defaults'] + [f'--collector.{c}' for c in COLLECTORS] + SAME_DEFAULTS
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
        self.assertIn('node_cpu_seconds_total', shared)
        self.assertIn('node_scrape_collector_success', shared)
        problems = []
        for fam in shared:
            if a1[fam]['type'] != n[fam]['type']:
                problems.append(f'{fam}: type {a1[fam]["type"]} != node_exporter {n[fam]["type"]}')
                continue
            ns = n[fam]['samples']
            s1, s2 = (strip_labels(a[fam]['samples'], LABELS_SINCE_1_5.get(fam, set())) for a in (a1, a2))
            for key in sorted(set(ns) - set(s1)):
                problems.append(f'{fam}: missing {key}')
            for key in sorted(set(s1) - set(ns)):
                problems.append(f'{fam}: extra {key}')
            slack = 0.5 if VOLATILE.match(fam) else 1e-6
            for key in sorted(set(ns) & set(s1) & set(s2)):
                if not bracketed(s1[key], ns[key], s2[key], slack):
                    problems.append(f'{fam}: {key} agent {s1[key]}..{s2[key]} vs node_exporter {ns[key]}')
        print(f'\ncompared {len(shared)} families with {os.path.basename(NODE_EXPORTER)}: '
              f'{", ".join(shared)}')
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
