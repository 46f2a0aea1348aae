"""Shared helpers for the end-to-end tests: start real processes on loopback,
scrape them with real HTTP clients, parse the exposition, and compare
node-agent's families with the reference node_exporter's (the live tests)."""
import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENT = os.environ.get('NODE_AGENT_BINARY', os.path.join(ROOT, 'build', 'node-agent'))
SHARED = os.path.join(os.path.dirname(ROOT), 'shared')
NODE_EXPORTER = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')

# Families that are about the exporter process or scrape timing, not the node.
NOT_COMPARED = re.compile(r'^(go_|process_|promhttp_|node_exporter_|node_agent_|'
                          r'node_scrape_collector_duration_seconds)')

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)\s*$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Process:
    """A child process with its output in a temp file, killed at exit."""

    def __init__(self, argv, env=None, preexec_fn=None):
        self.log = tempfile.NamedTemporaryFile(prefix='e2e-', suffix='.log', delete=False)
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     preexec_fn=preexec_fn)

    def output(self):
        with open(self.log.name, encoding='utf-8', errors='replace') as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log.name)
        return self.proc.returncode


def connection(host, port, timeout, ssl_context=None):
    """HTTP, or HTTPS with this ssl.SSLContext (a TLS agent: --web.config.file)."""
    if ssl_context is not None:
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl_context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def wait_http(port, path='/metrics', host='127.0.0.1', timeout=10.0, proc=None, ssl_context=None, headers=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.proc.poll() is not None:
            raise RuntimeError('process exited early:\n' + proc.output())
        try:
            conn = connection(host, port, 2, ssl_context)
            conn.request('GET', path, headers=headers or {})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f'nothing served on {host}:{port}{path} within {timeout}s')


def proc_status(pid, keys=('VmRSS', 'VmHWM', 'Threads')):
    """Fields of /proc/PID/status as ints (kB for the Vm* ones)."""
    out = {}
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key in keys:
                out[key] = int(value.split()[0])
    return out


def fd_count(pid):
    return len(os.listdir(f'/proc/{pid}/fd'))


def start_agent(*args, port=None, ssl_context=None, headers=None, env=None):
    """An agent on a free loopback port, once it serves /metrics (over TLS with
    ssl_context, with these request headers, e.g. basic auth)."""
    port = port or free_port()
    argv = [AGENT, f'--web.listen-address=127.0.0.1:{port}'] + list(args)
    # A test agent never follows (or writes beside) this machine's real Ray
    # files unless the test asks for Ray discovery itself.
    if not any(a.startswith('--ray.sd-file') for a in args):
        argv.append('--ray.sd-file=')
    p = Process(argv, env=env)
    try:
        wait_http(port, proc=p, ssl_context=ssl_context, headers=headers)
    except BaseException:
        p.stop()  # the caller never gets it to stop: no agent left behind
        raise
    return p, port


def get(port, path='/metrics', method='GET', headers=None, host='127.0.0.1', ssl_context=None):
    conn = connection(host, port, 10, ssl_context)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def parse(text):
    """{family_or_sample_name: {'type': t, 'samples': {(name, labels): value}}} keyed by family."""
    types, samples = {}, []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith('#'):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == 'TYPE':
                types[parts[2]] = parts[3].strip()
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise ValueError('not a sample line: %r' % line)
        labels = tuple(sorted(LABEL_RE.findall(m.group(2) or '')))
        samples.append((m.group(1), labels, float(m.group(3))))
    fams = {}
    for name, labels, value in samples:
        fam = name
        if fam not in types:
            for suffix in ('_total', '_bucket', '_sum', '_count'):
                if name.endswith(suffix) and name[:-len(suffix)] in types:
                    fam = name[:-len(suffix)]
        fams.setdefault(fam, {'type': types.get(fam), 'samples': {}})['samples'][(name, labels)] = value
    return fams


# node_exporter 1.12's upstream defaults of the filesystem collector's
# excludes. Debian patches 1.5's mount-point default (adds /mnt, /media, /run),
# so a live comparison gives both sides these explicitly: what is compared
# must not depend on the host's mounts.
FILESYSTEM_MOUNT_POINTS_EXCLUDE = ('^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|'
                                   'var/lib/containers/storage/.+)($|/)')
FILESYSTEM_FS_TYPES_EXCLUDE = ('^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|'
                               'hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|'
                               'selinuxfs|squashfs|erofs|sysfs|tracefs)$')


def collector_flags(collectors, *extra):
    """Flags enabling exactly `collectors`, followed by `extra`. With the
    filesystem collector, its excludes are explicit unless `extra` sets them."""
    flags = ['--collector.disable-defaults'] + [f'--collector.{c}' for c in collectors] + list(extra)
    if 'filesystem' in collectors:
        for name, value in (('mount-points-exclude', FILESYSTEM_MOUNT_POINTS_EXCLUDE),
                            ('fs-types-exclude', FILESYSTEM_FS_TYPES_EXCLUDE)):
            if not any(f.startswith(f'--collector.filesystem.{name}=') for f in extra):
                flags.append(f'--collector.filesystem.{name}={value}')
    return flags


def scrape_side_by_side(flags, timeout=20):
    """Start node-agent and node_exporter with the same flags and scrape the
    agent, node_exporter, then the agent again. Returns the parsed (a1, ne, a2):
    a value that moves between scrapes should have node_exporter's between the
    agent's two."""
    agent, agent_port = start_agent(*flags)
    try:
        ne_port = free_port()
        ne = Process([NODE_EXPORTER, f'--web.listen-address=127.0.0.1:{ne_port}'] + list(flags))
        try:
            wait_http(ne_port, proc=ne, timeout=timeout)
            a1 = parse(get(agent_port)[1].decode())
            n = parse(get(ne_port)[1].decode())
            a2 = parse(get(agent_port)[1].decode())
        finally:
            ne.stop()
    finally:
        agent.stop()
    return a1, n, a2


def family_matcher(spec):
    """A predicate on family names from a regex (str or compiled, re.match
    semantics), a callable, a collection of names, or None (matches nothing)."""
    if spec is None:
        return lambda fam: False
    if isinstance(spec, (str, re.Pattern)):
        pattern = re.compile(spec)
        return lambda fam: pattern.match(fam) is not None
    if callable(spec):
        return spec
    names = frozenset(spec)
    return names.__contains__


def _selected(compared, not_compared):
    want = family_matcher(compared) if compared is not None else (lambda fam: True)
    skip = family_matcher(not_compared)
    return lambda fam: want(fam) and not skip(fam)


def shared_families(a1, ne, compared=None, not_compared=NOT_COMPARED):
    """Sorted families both export that are compared (all by default) and not
    in not_compared."""
    selected = _selected(compared, not_compared)
    return sorted(f for f in ne if f in a1 and selected(f))


def strip_labels(samples, names):
    """samples without the label names `names`."""
    if not names:
        return samples
    return {(k[0], tuple(l for l in k[1] if l[0] not in names)): v for k, v in samples.items()}


def bracketed(a1, ne, a2, slack):
    """ne lies between a1 and a2, give or take a relative slack."""
    lo, hi = min(a1, a2), max(a1, a2)
    eps = slack * max(abs(lo), abs(hi)) + 1e-9
    return lo - eps <= ne <= hi + eps


def compare_families(a1, ne, a2, compared=None, not_compared=NOT_COMPARED, ignore_labels=None,
                     volatile=None, slack=None, default_slack=1e-6, varying_series=None):
    """Problems (strings) in the families both sides export (see shared_families):
    a different type, a series only one side has, or node_exporter's value
    outside the agent's two values.

    ignore_labels: {family regex: label names} dropped from the agent's series
      first (labels node_exporter added after the reference version).
    volatile: families (see family_matcher) checked for type and series only,
      as their values go up and down between scrapes.
    varying_series: families whose set of series itself follows the moment
      (node_processes_state has a series per state some process is in), so a
      series only one side has is no problem.
    slack: {family regex: relative slack} for the value bracket, the first
      match wins; default_slack for the others."""
    ignore_labels = [(re.compile(k), set(v)) for k, v in (ignore_labels or {}).items()]
    slack = [(re.compile(k), v) for k, v in (slack or {}).items()]
    is_volatile = family_matcher(volatile)
    series_vary = family_matcher(varying_series)
    problems = []
    for fam in shared_families(a1, ne, compared, not_compared):
        if a1[fam]['type'] != ne[fam]['type']:
            problems.append(f'{fam}: type {a1[fam]["type"]} != node_exporter {ne[fam]["type"]}')
            continue
        drop = set().union(*(names for pattern, names in ignore_labels if pattern.match(fam)))
        ns = ne[fam]['samples']
        s1, s2 = (strip_labels(a[fam]['samples'], drop) for a in (a1, a2))
        if series_vary(fam):
            continue
        for key in sorted(set(ns) - set(s1)):
            problems.append(f'{fam}: missing {key}')
        for key in sorted(set(s1) - set(ns)):
            problems.append(f'{fam}: extra {key}')
        if is_volatile(fam):
            continue
        eps = next((v for pattern, v in slack if pattern.match(fam)), default_slack)
        for key in sorted(set(ns) & set(s1) & set(s2)):
            if not bracketed(s1[key], ns[key], s2[key], eps):
                problems.append(f'{fam}: {key} agent {s1[key]}..{s2[key]} vs node_exporter {ns[key]}')
    return problems


def presence_problems(a1, ne, compared=None, not_compared=NOT_COMPARED, agent_only_ok=None,
                      ne_only_ok=None):
    """Problems (strings) for the compared families that only one side exports,
    less those allowed (see family_matcher) by agent_only_ok / ne_only_ok."""
    selected = _selected(compared, not_compared)
    agent_ok, ne_ok = family_matcher(agent_only_ok), family_matcher(ne_only_ok)
    problems = [f'{fam}: exported by node_exporter only'
                for fam in sorted(set(ne) - set(a1)) if selected(fam) and not ne_ok(fam)]
    problems += [f'{fam}: exported by node-agent only'
                 for fam in sorted(set(a1) - set(ne)) if selected(fam) and not agent_ok(fam)]
    return problems


def report_compared(shared):
    print(f'\ncompared {len(shared)} families with {os.path.basename(NODE_EXPORTER)}: {", ".join(shared)}')


def start_prometheus(config_text, dir_):
    """A real Prometheus on a free loopback port with this config and its data
    in dir_; returns (process, port) once it reports ready."""
    port = free_port()
    config = os.path.join(dir_, 'prometheus.yml')
    with open(config, 'w') as f:
        f.write(config_text)
    proc = Process([shutil.which('prometheus'), f'--config.file={config}', f'--storage.tsdb.path={dir_}/data',
                    f'--web.listen-address=127.0.0.1:{port}'])
    try:
        wait_http(port, '/-/ready', proc=proc, timeout=30)
    except Exception:
        proc.stop()
        raise
    return proc, port
