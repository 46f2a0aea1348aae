"""The Ray examples in packaging/: promtool accepts every Prometheus config; the
cluster.yaml fragments, docker-compose.yml and Grafana provisioning parse and
point at files that exist; the hashmod shard configs split targets among
shards, as real Prometheus servers apply them; and every query of the Grafana
dashboard, evaluated by a real Prometheus that runs the example prometheus.yml
(its file_sd paths moved to a temp dir) and discovers simulated Ray nodes from a
static file_sd file, is valid and returns data.

The simulated nodes: an agent on this host (ray_node_type="head") and agents on
fixture trees with hwmon temperatures, thermal zones and throttle counters
(ray_node_type="worker"): node_exporter's fixture tree when ../shared sits
beside the checkout, else the project's own tests/fixtures (set
NODE_AGENT_RAY_FIXTURES=own to force those)."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from common import ROOT, SHARED, start_agent, start_prometheus

try:
    import yaml
except ImportError:  # Debian: python3-yaml
    yaml = None

PROMTOOL = shutil.which('promtool')
PROMETHEUS = shutil.which('prometheus')
EXAMPLES = os.path.join(ROOT, 'packaging', 'examples')
GRAFANA = os.path.join(ROOT, 'packaging', 'grafana')
DASHBOARD = os.path.join(GRAFANA, 'ray-nodes.json')
SHARD_CONFIGS = sorted(glob.glob(os.path.join(EXAMPLES, 'thanos-shards', '*.yml')))
PROMETHEUS_CONFIGS = [os.path.join(EXAMPLES, 'prometheus.yml')] + SHARD_CONFIGS
NE_FIXTURES = os.path.join(SHARED, 'conformance', 'node_exporter', 'fixtures')
OWN_FIXTURES = os.path.join(ROOT, 'tests', 'fixtures')

# What the test substitutes for Grafana's variables: "All" (allValue .*) for the
# dashboard's multi-value variables, and a window holding ~10 samples at the
# test's 1 s scrape interval for $__rate_interval.
RATE_INTERVAL = '10s'
WAIT_S = 60

ENA = ('EC2 ENA driver statistics, read with the SIOCETHTOOL ioctl from a live ENA interface: '
       'only an EC2 host with an ENA NIC has them, a fixture tree cannot provide them')
# Metrics that neither this host nor a fixture-tree agent can have: queries made
# only of these are checked for validity, not for data.
VALIDITY_ONLY = {
    'node_ethtool_bw_in_allowance_exceeded': ENA,
    'node_ethtool_bw_out_allowance_exceeded': ENA,
    'node_ethtool_pps_allowance_exceeded': ENA,
    'node_ethtool_conntrack_allowance_exceeded': ENA,
    'node_ethtool_linklocal_allowance_exceeded': ENA,
    'node_ethtool_conntrack_allowance_available': ENA,
}
GPU = ('NVIDIA GPU metrics (nvidia collector): only a host with an NVIDIA driver and GPU has them; '
       'tests/unit/collectors/nvidia_test.cc and tests/e2e/test_nvidia.py check them against a fake NVML')
VALIDITY_ONLY.update({name: GPU for name in (
    'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_MEMORY_TEMP', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_GPU_UTIL',
    'DCGM_FI_DEV_MEM_COPY_UTIL', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS',
    'DCGM_FI_DEV_XID_ERRORS')})
# Metrics every Linux host with a network interface has: their queries must
# return data for the live host ("head") on its own, not only for a fixture.
LIVE = {'up', 'node_cpu_seconds_total', 'node_network_up', 'node_network_receive_bytes_total',
        'node_network_transmit_bytes_total', 'node_network_receive_errs_total',
        'node_network_transmit_errs_total', 'node_network_receive_drop_total',
        'node_network_transmit_drop_total', 'node_network_carrier_changes_total'}
# Metrics this host may lack (temperatures, throttling, ...) and that the
# fixture-tree agents do have: their queries must return data for the
# "worker" nodes on their own.
FIXTURE = {'node_hwmon_temp_celsius', 'node_thermal_zone_temp', 'node_cpu_core_throttles_total',
           'node_cpu_package_throttles_total', 'node_disk_read_bytes_total', 'node_disk_written_bytes_total',
           'node_disk_reads_completed_total', 'node_disk_writes_completed_total',
           'node_disk_read_time_seconds_total', 'node_disk_write_time_seconds_total',
           'node_disk_io_time_seconds_total', 'node_disk_io_time_weighted_seconds_total',
           'node_network_carrier', 'node_network_speed_bytes'}

METRIC_RE = re.compile(r'\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{')
VAR_RE = re.compile(r'\$\{?(\w+)\}?')


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def all_panels(dash):
    for p in dash['panels']:
        yield p
        yield from p.get('panels', [])


def dashboard_queries(dash):
    """(panel title, refId, expr) of every query target."""
    return [(p['title'], t['refId'], t['expr']) for p in all_panels(dash) for t in p.get('targets', [])]


def metrics_of(expr):
    return set(METRIC_RE.findall(expr)) - {'by', 'without', 'on', 'ignoring', 'group_left', 'group_right'}


def render(expr, instance='.*', ray_node_type='.*', instance_type='.*'):
    values = {'__rate_interval': RATE_INTERVAL, 'instance': instance, 'ray_node_type': ray_node_type,
              'instance_type': instance_type}
    out = VAR_RE.sub(lambda m: values[m.group(1)], expr)
    assert '$' not in out, out
    return out


def fixture_agents():
    """[(name, flags)] of the fixture-tree agents."""
    if os.path.isdir(NE_FIXTURES) and os.environ.get('NODE_AGENT_RAY_FIXTURES') != 'own':
        fx = NE_FIXTURES  # flags as in ../shared/conformance/run.sh
        return [('node_exporter', [
            f'--path.rootfs={fx}', f'--path.procfs={fx}/proc', f'--path.sysfs={fx}/sys',
            f'--path.udev.data={fx}/udev/data', '--collector.disable-defaults',
            '--collector.cpu', '--collector.hwmon', '--collector.thermal_zone', '--collector.diskstats',
            '--collector.netclass', '--collector.netclass.ignore-invalid-speed',
            '--collector.dmi'])]  # a node with an instance type (product_name)
    fx = OWN_FIXTURES
    return [
        ('cpu', [f'--path.procfs={fx}/cpu/proc', f'--path.sysfs={fx}/cpu/sys',
                 '--collector.disable-defaults', '--collector.cpu']),
        ('hwmon', [f'--path.sysfs={fx}/hwmon/sys', '--collector.disable-defaults',
                   '--collector.hwmon', '--no-collector.hwmon.libsensors', '--collector.thermal_zone']),
        ('disk', [f'--path.procfs={fx}/disk/proc', f'--path.sysfs={fx}/disk/sys',
                  f'--path.udev.data={fx}/disk/udev/data', '--collector.disable-defaults',
                  '--collector.diskstats']),
        ('net', [f'--path.procfs={fx}/net/ec2/proc', f'--path.sysfs={fx}/net/ec2/sys',
                 '--collector.disable-defaults', '--collector.netclass', '--collector.netdev']),
    ]


def prom_regex(values):
    """Grafana's regex format of a multi-value variable, as a PromQL string:
    values escaped, alternated, backslashes doubled for the double-quoted string."""
    return '|'.join(re.escape(v) for v in values).replace('\\', '\\\\')


def write_atomically(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.rename(tmp, path)


def api(port, path, **params):
    url = f'http://127.0.0.1:{port}/api/v1/{path}?' + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # 400 for a bad query, with a JSON body
        return json.load(e)


def config_for_test(example_text, dir_):
    """The example config with its /tmp/ray file_sd paths moved to dir_ and a 1 s
    scrape interval."""
    assert example_text.count('/tmp/ray/') >= 1
    assert '  scrape_interval: 15s\n' in example_text
    return (example_text.replace('/tmp/ray/', dir_ + '/')
            .replace('  scrape_interval: 15s\n', '  scrape_interval: 1s\n  scrape_timeout: 1s\n'))


class PromtoolTest(unittest.TestCase):
    @unittest.skipUnless(PROMTOOL, 'promtool is not installed')
    def test_every_prometheus_config_passes_promtool(self):
        self.assertGreaterEqual(len(SHARD_CONFIGS), 2)
        for path in PROMETHEUS_CONFIGS:
            with self.subTest(config=os.path.relpath(path, ROOT)):
                r = subprocess.run([PROMTOOL, 'check', 'config', path], capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn('SUCCESS', r.stdout + r.stderr)


@unittest.skipUnless(yaml, 'python3-yaml is not installed')
class ExampleFilesTest(unittest.TestCase):
    def test_prometheus_yml_has_both_file_sd_jobs(self):
        config = load_yaml(os.path.join(EXAMPLES, 'prometheus.yml'))
        files = {j['job_name']: [f for sd in j['file_sd_configs'] for f in sd['files']]
                 for j in config['scrape_configs']}
        self.assertEqual(files, {'ray': ['/tmp/ray/prom_metrics_service_discovery.json'],
                                 'node': ['/tmp/ray/node_agent_service_discovery.json']})

    def test_shard_configs_partition_by_hashmod(self):
        main = load_yaml(os.path.join(EXAMPLES, 'prometheus.yml'))
        main_files = {j['job_name']: j['file_sd_configs'] for j in main['scrape_configs']}
        n = len(SHARD_CONFIGS)
        kept, shard_labels = set(), set()
        for path in SHARD_CONFIGS:
            config = load_yaml(path)
            labels = config['global']['external_labels']
            shard_labels.add(tuple(sorted(labels.items())))
            jobs = {j['job_name']: j for j in config['scrape_configs']}
            self.assertEqual(set(jobs), set(main_files), path)
            shard_of_job = set()
            for name, job in jobs.items():
                self.assertEqual(job['file_sd_configs'], main_files[name], f'{path} {name}: same files')
                hashmod, keep = job['relabel_configs']
                self.assertEqual((hashmod['action'], hashmod['source_labels'], hashmod['modulus']),
                                 ('hashmod', ['__address__'], n), f'{path} {name}')
                self.assertEqual((keep['action'], keep['source_labels']),
                                 ('keep', [hashmod['target_label']]), f'{path} {name}')
                shard_of_job.add(keep['regex'])
            self.assertEqual(len(shard_of_job), 1, f'{path}: all jobs keep the same shard')
            shard = shard_of_job.pop()
            self.assertEqual(str(labels['shard']), shard, f'{path}: external label shard')
            kept.add(shard)
        self.assertEqual(kept, {str(i) for i in range(n)}, 'every shard 0..N-1 exactly once')
        self.assertEqual(len(shard_labels), n, 'external_labels unique per shard')

    def test_docker_compose_and_grafana_provisioning(self):
        compose = load_yaml(os.path.join(EXAMPLES, 'docker-compose.yml'))
        prom, graf = compose['services']['prometheus'], compose['services']['grafana']

        def mounts(service):
            out = {}
            for v in service['volumes']:
                parts = v.split(':')
                src, dst = parts[0], parts[1]
                if src.startswith('.'):
                    self.assertTrue(os.path.exists(os.path.join(EXAMPLES, src)), f'{v}: source exists')
                out[dst] = (src, parts[2:])
            return out

        pm, gm = mounts(prom), mounts(graf)
        self.assertEqual(pm['/tmp/ray'], ('/tmp/ray', ['ro']), 'Ray dir read-only at the same path')
        self.assertEqual(pm['/etc/prometheus/prometheus.yml'][0], './prometheus.yml')
        self.assertIn('--config.file=/etc/prometheus/prometheus.yml', prom['command'])
        self.assertEqual(prom['network_mode'], 'host')
        self.assertEqual(gm['/etc/grafana/provisioning'][0], '../grafana/provisioning')

        prov = os.path.join(GRAFANA, 'provisioning')
        datasources = load_yaml(os.path.join(prov, 'datasources', 'prometheus.yml'))['datasources']
        providers = [p for f in glob.glob(os.path.join(prov, 'dashboards', '*.yml'))
                     for p in load_yaml(f)['providers']]
        self.assertEqual(len(providers), 1)
        # The provider's directory is where compose mounts the dashboard.
        dash_dst = [dst for dst, (src, _) in gm.items() if src == '../grafana/ray-nodes.json']
        self.assertEqual(len(dash_dst), 1)
        self.assertEqual(os.path.dirname(dash_dst[0]), providers[0]['options']['path'])
        # The dashboard's datasource variable defaults to the provisioned Prometheus.
        ds_var = next(v for v in dashboard()['templating']['list'] if v['type'] == 'datasource')
        prometheus_ds = [d for d in datasources if d['type'] == 'prometheus']
        self.assertEqual(len(prometheus_ds), 1)
        self.assertEqual(ds_var['current']['value'], prometheus_ds[0]['uid'])
        self.assertEqual(prometheus_ds[0]['url'], 'http://localhost:9090')

    def test_cluster_yaml_fragments(self):
        for name, commands_key in (('cluster-host.yaml', 'setup_commands'),
                                   ('cluster-docker.yaml', 'initialization_commands')):
            with self.subTest(example=name):
                c = load_yaml(os.path.join(EXAMPLES, name))
                mounts = c['file_mounts']
                self.assertIn('/tmp/node-agent/install.sh', mounts)
                self.assertEqual(mounts['/tmp/node-agent/install.sh'], 'packaging/install.sh')
                self.assertEqual({os.path.basename(p) for p in mounts},
                                 {'install.sh', 'node-agent.rpm', 'node-agent.deb'})
                install = [cmd for cmd in c[commands_key] if 'install.sh' in cmd]
                self.assertEqual(len(install), 1, 'one install line')
                # In docker mode initialization commands run on the host, where
                # Ray puts file_mounts under /tmp/ray_tmp_mount/<cluster_name>/.
                prefix = f'/tmp/ray_tmp_mount/{c["cluster_name"]}' if 'docker' in c else ''
                self.assertIn(f'sudo bash {prefix}/tmp/node-agent/install.sh {prefix}/tmp/node-agent/node-agent.',
                              install[0])
                if 'docker' in c:
                    self.assertNotIn('setup_commands', c, 'the agent is not installed in the container')
                    run_options = c['docker'].get('run_options', []) + c['docker'].get('head_run_options', [])
                    self.assertIn('-v /tmp/ray:/tmp/ray', run_options)

    def test_dashboard_structure(self):
        dash = dashboard()
        self.assertGreaterEqual(dash['schemaVersion'], 36)
        self.assertLessEqual(len(dash['uid']), 40)
        names = [v['name'] for v in dash['templating']['list']]
        self.assertEqual(names, ['datasource', 'ray_node_type', 'instance_type', 'instance'])
        ids = [p['id'] for p in all_panels(dash)]
        self.assertEqual(len(ids), len(set(ids)), 'unique panel ids')
        cells = set()
        for p in all_panels(dash):
            g = p['gridPos']
            self.assertLessEqual(g['x'] + g['w'], 24, p['title'])
            for x in range(g['x'], g['x'] + g['w']):
                for y in range(g['y'], g['y'] + g['h']):
                    self.assertNotIn((x, y), cells, f'{p["title"]} overlaps another panel')
                    cells.add((x, y))
            if p['type'] == 'row':
                continue
            self.assertEqual(p['datasource'], {'type': 'prometheus', 'uid': '${datasource}'}, p['title'])
            refids = [t['refId'] for t in p['targets']]
            self.assertEqual(len(refids), len(set(refids)), p['title'])
            for t in p['targets']:
                self.assertEqual(t['datasource']['uid'], '${datasource}', p['title'])
                # Every query is per node: filtered by the job and both variables.
                for m in metrics_of(t['expr']):
                    for sel in re.findall(re.escape(m) + r'\{([^}]*)\}', t['expr']):
                        for want in ('job="node"', 'instance=~"$instance"', 'ray_node_type=~"$ray_node_type"'):
                            self.assertIn(want, sel, f'{p["title"]}: {t["expr"]}')
        used = set().union(*(metrics_of(e) for _, _, e in dashboard_queries(dash)))
        self.assertEqual(set(VALIDITY_ONLY) - used, set(), 'VALIDITY_ONLY lists only metrics the dashboard uses')


@unittest.skipUnless(PROMETHEUS, 'prometheus is not installed')
class DashboardQueriesTest(unittest.TestCase):
    """A real Prometheus on the example prometheus.yml, scraping simulated Ray
    nodes found through file_sd, evaluates every dashboard query."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='e2e-rayex-')
        cls.agents = []
        cls.prom = None
        try:
            live, live_port = start_agent()
            cls.agents.append(live)
            cls.head = f'127.0.0.1:{live_port}'
            cls.workers = {}
            for name, flags in fixture_agents():
                agent, port = start_agent(*flags)
                cls.agents.append(agent)
                cls.workers[f'127.0.0.1:{port}'] = name
            groups = [{'targets': [cls.head], 'labels': {'job': 'node', 'ray_node_type': 'head'}}]
            groups += [{'targets': [t], 'labels': {'job': 'node', 'ray_node_type': 'worker'}} for t in cls.workers]
            write_atomically(os.path.join(cls.dir, 'node_agent_service_discovery.json'), json.dumps(groups))
            write_atomically(os.path.join(cls.dir, 'prom_metrics_service_discovery.json'),
                             json.dumps([{'labels': {'job': 'ray'}, 'targets': []}]))
            with open(os.path.join(EXAMPLES, 'prometheus.yml')) as f:
                config = config_for_test(f.read(), cls.dir)
            cls.prom, cls.port = start_prometheus(config, cls.dir)
            deadline = time.monotonic() + WAIT_S
            cls.targets = [cls.head] + list(cls.workers)
            while True:
                up = api(cls.port, 'query', query='up{job="node"} == 1')['data']['result']
                if {r['metric']['instance'] for r in up} == set(cls.targets):
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f'not all of {cls.targets} up within {WAIT_S}s: {up}\n'
                                         + json.dumps(api(cls.port, 'targets'), indent=1)[:4000])
                time.sleep(0.5)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.prom:
            cls.prom.stop()
        for a in cls.agents:
            a.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def query(self, expr):
        r = api(self.port, 'query', query=expr)
        self.assertEqual(r.get('status'), 'success', f'{expr}: {r.get("error")}')
        return r['data']['result']

    def poll(self, checks):
        """checks: {key: (expr, predicate on the result)}. Polls until every
        predicate holds, for at most WAIT_S; returns {key: (expr, last result)}
        of those that never held."""
        pending, last = dict(checks), {}
        deadline = time.monotonic() + WAIT_S
        while pending:
            for key, (expr, ok) in list(pending.items()):
                result = self.query(expr)
                if ok(result):
                    del pending[key]
                else:
                    last[key] = result
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1)
        return {key: (pending[key][0], last.get(key)) for key in pending}

    def test_template_variables(self):
        variables = {v['name']: v for v in dashboard()['templating']['list']}
        for name, expected in (('ray_node_type', {'head', 'worker'}), ('instance', set(self.targets))):
            self.assertEqual(variables[name]['query']['query'], variables[name]['definition'])
            m = re.fullmatch(r'label_values\((.*),\s*(\w+)\)', variables[name]['definition'])
            if not m:  # query_result(EXPR) with a regex capturing the label's value
                m = re.fullmatch(r'query_result\((.*)\)', variables[name]['definition'])
                label = re.fullmatch(r'/(\w+)="\(\[\^"\]\+\)"/', variables[name]['regex'])
                self.assertTrue(m and label, variables[name]['definition'])
                m = (m.group(1), label.group(1))
            else:
                m = (m.group(1), m.group(2))
            result = self.query(render(m[0]))
            self.assertEqual({r['metric'].get(m[1]) for r in result}, expected, name)
        # Instance types: node_dmi_info's product_name; a node without DMI is
        # still listed (above), and choosing a type keeps only its nodes and those.
        itype = variables['instance_type']
        m = re.fullmatch(r'label_values\((.*),\s*product_name\)', itype['definition'])
        self.assertTrue(m, itype['definition'])
        self.assertEqual(itype['query']['query'], itype['definition'])
        self.query(render(m.group(1)))
        none = self.query(render(variables['instance']['definition'][len('query_result('):-1],
                                 instance_type='no-such-type'))
        with_dmi = {r['metric']['instance'] for r in self.query('node_dmi_info{job="node"}')}
        self.assertEqual({r['metric'].get('instance') for r in none}, set(self.targets) - with_dmi)
        if os.path.isdir(NE_FIXTURES) and os.environ.get('NODE_AGENT_RAY_FIXTURES') != 'own':
            self.assertTrue(with_dmi, 'the node_exporter fixture agent has DMI')

    def test_every_dashboard_query_is_valid_and_returns_data(self):
        queries = dashboard_queries(dashboard())
        checks, validity_only, report = {}, [], []
        workers = prom_regex(self.workers)
        for title, ref, expr in queries:
            metrics = metrics_of(expr)
            self.assertTrue(metrics, f'{title} {ref}: no metric in {expr}')
            key = f'{title} [{ref}]'
            if metrics <= set(VALIDITY_ONLY):
                self.query(render(expr))  # valid: status success
                validity_only.append(f'{key} ({", ".join(sorted(metrics))})')
                continue
            self.assertFalse(metrics & set(VALIDITY_ONLY), f'{key} mixes validity-only metrics with others')
            checks[key] = (render(expr), bool)  # all nodes ("All")
            if metrics & LIVE:
                checks[key + ' head'] = (render(expr, ray_node_type='head'), bool)
                checks[key + ' head instance'] = (render(expr, instance=prom_regex([self.head])), bool)
            if metrics & FIXTURE:
                checks[key + ' workers'] = (render(expr, ray_node_type='worker'), bool)
                checks[key + ' worker instances'] = (render(expr, instance=workers), bool)
        failed = self.poll(checks)
        for key, (expr, _) in sorted(checks.items()):
            if key in failed:
                report.append(f'  NO DATA {key}')
                continue
            values = [float(r['value'][1]) for r in self.query(expr)]
            nan = sum(v != v for v in values)
            report.append(f'  {len(values):3} series{f" ({nan} NaN: 0/0, no I/O)" if nan else ""}: {key}')
        print(f'\n{len(queries)} dashboard queries, {len(checks)} evaluations with data expected, '
              f'{len(validity_only)} checked for validity only; fixture agents: {sorted(self.workers.values())}\n'
              + '\n'.join(report) + f'\nvalidity only ({ENA}):\n  ' + '\n  '.join(validity_only))
        self.assertEqual(failed, {}, f'queries with no data within {WAIT_S}s')


@unittest.skipUnless(PROMETHEUS and yaml, 'prometheus or python3-yaml is not installed')
class ShardsTest(unittest.TestCase):
    """Real Prometheus servers on the shard configs: each discovered target is
    active on exactly one shard."""

    def test_each_target_on_exactly_one_shard(self):
        dir_ = tempfile.mkdtemp(prefix='e2e-rayex-shards-')
        proms = []
        try:
            # Loopback addresses with nothing listening: refused at once.
            targets = [f'127.0.1.{i + 1}:9' for i in range(24)]
            write_atomically(os.path.join(dir_, 'node_agent_service_discovery.json'), json.dumps(
                [{'targets': [t], 'labels': {'job': 'node', 'ray_node_type': 'worker'}} for t in targets]))
            write_atomically(os.path.join(dir_, 'prom_metrics_service_discovery.json'), '[]')
            active = {}
            for path in SHARD_CONFIGS:
                sdir = os.path.join(dir_, os.path.basename(path))
                os.mkdir(sdir)
                with open(path) as f:
                    text = f.read().replace('/tmp/ray/', dir_ + '/')
                proms.append(start_prometheus(text, sdir))
            deadline = time.monotonic() + WAIT_S
            while True:
                active = {}
                for path, (_, port) in zip(SHARD_CONFIGS, proms):
                    r = api(port, 'targets', state='active')['data']['activeTargets']
                    active[os.path.basename(path)] = {t['labels']['instance'] for t in r
                                                      if t['labels']['job'] == 'node'}
                if sum(len(v) for v in active.values()) >= len(targets) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            union = set().union(*active.values())
            self.assertEqual(union, set(targets), active)
            self.assertEqual(sum(len(v) for v in active.values()), len(targets), f'disjoint: {active}')
            self.assertTrue(all(active.values()), f'every shard gets some of 24 targets: {active}')
            print('\n' + ', '.join(f'{k}: {len(v)} targets' for k, v in sorted(active.items())))
        finally:
            for p, _ in proms:
                p.stop()
            shutil.rmtree(dir_, ignore_errors=True)


if __name__ == '__main__':
    unittest.main()
