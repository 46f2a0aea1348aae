#!/usr/bin/env bash
# Regenerates docs/collectors.md and docs/node-agent.1 from the binary (its --help-json
# and, with ../shared beside the checkout, a scrape of node_exporter's fixture tree).
# tests/e2e/test_docs.py fails until the committed files match what this writes.
#   docs/gen-docs.sh            build/node-agent
#   BINARY=PATH docs/gen-docs.sh
#   docs/gen-docs.sh --check    print the difference and exit 1 instead of writing
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${BINARY:-build/node-agent}
[ -x "$binary" ] || { echo "gen-docs.sh: $binary missing (build it: ninja -C build node-agent)" >&2; exit 1; }
mode=--write
[ "${1:-}" = --check ] && mode=--check
exec python3 tests/e2e/docs_gen.py --binary "$binary" "$mode"
