"""The documentation: links resolve, generated pages match the binary, README stays short.

- every relative link and #anchor in README.md, CHANGELOG.md and docs/*.md points at a file
  of the repository and, for an anchor, at a heading of that file (GitHub's slugs);
- docs/collectors.md and docs/node-agent.1 are what tests/e2e/docs_gen.py generates from the
  binary (NODE_AGENT_BINARY, default build/node-agent): regenerate with docs/gen-docs.sh;
- the man page renders with `man -l` without a warning;
- the families written by hand for collectors that cannot be scraped on a fixture tree are
  named in those collectors' source;
- docs/configuration.md names every flag that is not a collector's;
- README.md has at most 200 lines.
"""
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import docs_gen  # noqa: E402

ROOT = common.ROOT
FENCE = re.compile(r'^\s*(```|~~~)')
LINK = re.compile(r'!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
CODE_SPAN = re.compile(r'(`+)(.+?)\1')


def doc_files():
    files = [os.path.join(ROOT, 'README.md'), os.path.join(ROOT, 'CHANGELOG.md')]
    docs = os.path.join(ROOT, 'docs')
    files += sorted(os.path.join(docs, f) for f in os.listdir(docs) if f.endswith('.md'))
    return [f for f in files if os.path.exists(f)]


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for n, line in enumerate(text.split('\n'), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def slug(heading):
    """GitHub's anchor for a heading's text (github-slugger): the rendered text, lower
    case, without punctuation but '-' and '_', spaces as '-'."""
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)  # links: their text
    text = text.replace('`', '')
    text = re.sub(r'(\*\*|__)(.+?)\1', r'\2', text)
    text = re.sub(r'<[^>]+>', '', text)
    text = text.strip().lower()
    text = ''.join(c for c in text if c.isalnum() or c in '-_ ')
    return text.replace(' ', '-')


def anchors(path):
    """Every anchor GitHub makes for the headings of a Markdown file (duplicates get -1, -2)."""
    seen, out = {}, set()
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for _, line in prose_lines(text):
        m = re.match(r'^(#{1,6})\s+(.*?)\s*#*\s*$', line)
        if not m:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f'{base}-{n}')
    return out


def links(path):
    """(line number, target) of every Markdown link outside code."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for n, line in prose_lines(text):
        line = CODE_SPAN.sub('', line)
        for m in LINK.finditer(line):
            yield n, m.group(2)


def broken_links(path):
    """'file:line: target: why' for each relative link or anchor that does not resolve."""
    out, cache = [], {}
    for n, target in links(path):
        if re.match(r'^[a-z][a-z0-9+.-]*:', target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
        where = f'{os.path.relpath(path, ROOT)}:{n}: {target}'
        if not os.path.exists(dest):
            out.append(f'{where}: no such file')
            continue
        if not os.path.realpath(dest).startswith(os.path.realpath(ROOT) + os.sep):
            out.append(f'{where}: outside the repository')
            continue
        if anchor:
            if not dest.endswith('.md'):
                out.append(f'{where}: an anchor into a file that is not Markdown')
                continue
            if dest not in cache:
                cache[dest] = anchors(dest)
            if anchor not in cache[dest]:
                out.append(f'{where}: no heading with anchor #{anchor}')
    return out


class SlugTest(unittest.TestCase):
    """The checker itself, on headings and links whose GitHub anchors are known."""

    def test_github_slugs(self):
        self.assertEqual(slug('HTTP limits, TLS and basic auth'), 'http-limits-tls-and-basic-auth')
        self.assertEqual(slug('`thermal_zone`'), 'thermal_zone')
        self.assertEqual(slug("Where a scrape's CPU goes"), 'where-a-scrapes-cpu-goes')
        self.assertEqual(slug('aarch64 (Graviton)'), 'aarch64-graviton')
        self.assertEqual(slug('Fourth pass: tried and not kept'), 'fourth-pass-tried-and-not-kept')
        self.assertEqual(slug('0.1.0 — 2026-12-01'), '010--2026-12-01')

    def test_broken_links_are_found(self):
        import tempfile
        with tempfile.TemporaryDirectory(dir=ROOT) as d:
            page = os.path.join(d, 'page.md')
            with open(page, 'w') as f:
                f.write('# Title\n\n## Same\n\n## Same\n\n[ok](#title) [ok](#same-1) [bad](#nope)\n'
                        '[ok](page.md#same) [bad](missing.md) `[code](missing.md)`\n'
                        '```\n[fenced](missing.md)\n```\n[web](https://example.com/x#y)\n')
            bad = broken_links(page)
        self.assertEqual(len(bad), 2, bad)
        self.assertIn('#nope', bad[0])
        self.assertIn('missing.md: no such file', bad[1])


class DocsTest(unittest.TestCase):
    def test_links_resolve(self):
        bad = [b for path in doc_files() for b in broken_links(path)]
        self.assertEqual(bad, [], 'broken links:\n' + '\n'.join(bad))

    def test_readme_is_a_front_page(self):
        with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
            lines = f.read().split('\n')
        self.assertLessEqual(len(lines), 200)
        text = '\n'.join(lines)
        # The Quick start's two commands, exactly.
        self.assertIn('packaging/build.sh && build/node-agent', text)
        self.assertIn('\ntests/run.sh ', text)

    def test_generated_pages_match_the_binary(self):
        if not os.path.exists(common.AGENT):
            self.fail(f'{common.AGENT} missing: build it first')
        pages = docs_gen.generate(common.AGENT)
        if not os.path.isdir(docs_gen.FIXTURES):
            print(f'\n  {docs_gen.FIXTURES} missing: families taken from the committed page', file=sys.stderr)
        stale = {os.path.relpath(p, ROOT): docs_gen.diff(p, text) for p, text in pages.items()}
        stale = {p: d for p, d in stale.items() if d}
        self.assertEqual(stale, {}, 'generated pages differ from the committed ones; run docs/gen-docs.sh:\n' +
                         '\n'.join(d[:4000] for d in stale.values()))

    def test_configuration_lists_every_general_flag(self):
        """docs/configuration.md's flag table is written by hand: every flag that is not a
        collector's must be in it."""
        if not os.path.exists(common.AGENT):
            self.fail(f'{common.AGENT} missing: build it first')
        info = docs_gen.help_json(common.AGENT)
        own = {tuple(o['names']) for c in info['collectors'] for o in c['flags']}
        enable = re.compile(r'^--(no-)?collector\.[a-z0-9_]+$')
        with open(os.path.join(ROOT, 'docs', 'configuration.md'), encoding='utf-8') as f:
            text = f.read()
        missing = [o['names'][-1] for o in info['options'] if o['group'] and tuple(o['names']) not in own and
                   not all(enable.match(n) for n in o['names']) and f'`{o["names"][-1]}`' not in text]
        self.assertEqual(missing, [], 'flags missing from docs/configuration.md')

    def test_family_notes_name_real_families(self):
        """The hand-written families of collectors that are not scraped exist in their source."""
        notes = dict(docs_gen.LIVE_FAMILIES, **docs_gen.UNFIXTURED_FAMILIES)
        missing = []
        for name, note in notes.items():
            paths = [os.path.join(ROOT, 'collectors', name + ext) for ext in ('.cc', '.h')]
            folder = os.path.join(ROOT, 'collectors', name)
            if os.path.isdir(folder):
                paths += [os.path.join(folder, f) for f in os.listdir(folder)]
            source = ''
            for path in paths:
                if os.path.isfile(path):
                    with open(path, encoding='utf-8', errors='replace') as f:
                        source += f.read()
            self.assertTrue(source, f'no source for collector {name}')
            for token in re.findall(r'`((?:node|DCGM)_[A-Za-z0-9_*]+)`', note):
                # A wildcard names a namespace: its first two parts ("node_ethtool_") must be there.
                literal = token if '*' not in token else '_'.join(token.split('_')[:2]) + '_'
                if literal not in source:
                    missing.append(f'{name}: {token}')
        self.assertEqual(missing, [], 'families named in docs_gen notes but not in the collector source')

    @unittest.skipUnless(shutil.which('man'), 'man-db missing')
    def test_man_page_renders(self):
        page = os.path.join(ROOT, 'docs', 'node-agent.1')
        out = subprocess.run(['man', '--warnings', '-l', '-P', 'cat', page], capture_output=True, text=True,
                             timeout=60, env=dict(os.environ, MANWIDTH='100'))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr.strip(), '', 'groff warnings')
        self.assertIn('node-agent - ', out.stdout)
        self.assertIn('--web.listen-address', out.stdout)


if __name__ == '__main__':
    unittest.main()
