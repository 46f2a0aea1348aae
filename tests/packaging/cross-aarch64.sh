#!/usr/bin/env bash
# The aarch64 (Graviton) build, cross-compiled here and run under qemu user emulation:
#   1. ARCH=aarch64 packaging/package.sh (Debian's cross toolchain through
#      packaging/cmake/toolchain-aarch64.cmake, in build-static-aarch64/, node-agent
#      target only) into DIST_DIR;
#   2. the artifacts: .aarch64.rpm, _arm64.deb, linux-arm64.tar.gz with an ARM aarch64
#      binary that is statically linked (no NEEDED) and stripped;
#   3. a smoke test: the binary under qemu-aarch64-static on 127.0.0.1 serves /metrics
#      with node_cpu_seconds_total and node_agent_build_info;
#   4. when ../shared/conformance exists: its hardware profile through a wrapper that
#      runs the binary under qemu; every family must pass.
# Each check prints "ok", "FAIL" or "skip"; exits non-zero when any check failed.
#   tests/packaging/cross-aarch64.sh [--no-build] [DIST_DIR]
# DIST_DIR defaults to dist/aarch64, so dist/node-agent.rpm and .deb (links to the
# last package.sh run's packages) stay the host's. --no-build tests DIST_DIR as it is.
# Needs packaging/deps.sh --cross-aarch64.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
build=1
[ "${1:-}" = "--no-build" ] && { build=; shift; }
dist=$(realpath -m "${1:-dist/aarch64}")
shared="$root/../shared"
version=$(sed -nE 's/^project\(node-agent VERSION ([^ )]+).*/\1/p' CMakeLists.txt)
bin=$dist/node-agent-aarch64
qemu="qemu-aarch64-static"

fails=0
ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "skip - $*"; }

command -v $qemu >/dev/null || { fail "$qemu missing (packaging/deps.sh --cross-aarch64)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/node-agent-aarch64.XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. build and package ---------------------------------------------------------
if [ -n "$build" ]; then
  start=$SECONDS
  if ARCH=aarch64 DIST="$dist" JOBS=${JOBS:-$(nproc)} packaging/package.sh >"$tmp/package.log" 2>&1; then
    ok "ARCH=aarch64 packaging/package.sh ($((SECONDS - start))s)"
  else
    fail "ARCH=aarch64 packaging/package.sh"
    tail -n 40 "$tmp/package.log" | sed 's/^/       /'
    exit 1
  fi
fi

# --- 2. artifacts -------------------------------------------------------------------
rpm_file=$dist/node-agent-$version-1.aarch64.rpm
deb_file=$dist/node-agent_${version}_arm64.deb
tar_file=$dist/node-agent-$version.linux-arm64.tar.gz
for f in "$rpm_file" "$deb_file" "$tar_file" "$bin"; do
  [ -f "$f" ] || { fail "$f missing"; exit 1; }
done
echo "# $(file -b "$bin" | cut -d, -f1-5)"
echo "# size $(stat -c %s "$bin") bytes (stripped)"
if file -b "$bin" | grep -q 'ARM aarch64' && file -b "$bin" | grep -qE 'static(ally|-pie) linked' &&
   file -b "$bin" | grep -q ', stripped' && ! readelf -d "$bin" | grep -q NEEDED; then
  ok "binary: ARM aarch64, statically linked, no NEEDED, stripped"
else
  fail "binary: $(file -b "$bin")"
fi
a=$(rpm -qp --qf '%{ARCH}' "$rpm_file" 2>/dev/null)
if [ "$a" = aarch64 ]; then ok "rpm: arch aarch64"; else fail "rpm: arch '$a'"; fi
if rpm -qpR "$rpm_file" 2>/dev/null | grep -qE '\.so|rtld|libc'; then
  fail "rpm: requires a shared library: $(rpm -qpR "$rpm_file" | tr '\n' ' ')"
else
  ok "rpm -qpR: no shared library"
fi
a=$(dpkg-deb -f "$deb_file" Architecture)
if [ "$a" = arm64 ]; then ok "deb: Architecture arm64"; else fail "deb: Architecture '$a'"; fi
mkdir "$tmp/tar" && tar -xzf "$tar_file" -C "$tmp/tar"
if cmp -s "$tmp/tar/node-agent-$version.linux-arm64/node-agent" "$bin"; then
  ok "tarball: holds the binary"
else
  fail "tarball: node-agent-$version.linux-arm64/node-agent is not $bin"
fi

# --- 3. smoke test under qemu -------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$qemu "$bin" --web.listen-address="127.0.0.1:$port" >"$tmp/agent.log" 2>&1 &
pid=$!
body=
for _ in $(seq 100); do  # qemu starts slower than the native binary: up to 10 s
  body=$(curl -sf "http://127.0.0.1:$port/metrics") && break
  sleep 0.1
done
if grep -q '^node_cpu_seconds_total{' <<<"$body" &&
   grep -q "^node_agent_build_info{.*version=\"$version\"" <<<"$body"; then
  ok "qemu smoke: /metrics has node_cpu_seconds_total and node_agent_build_info $version"
else
  fail "qemu smoke: /metrics on 127.0.0.1:$port"
  tail -n 20 "$tmp/agent.log" | sed 's/^/       /'
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=

# --- 4. conformance under qemu ------------------------------------------------------
# The fixture's /proc/cpuinfo is an x86 one; node-agent picks its cpuinfo parser by the
# file's layout (not, as procfs does, by build architecture), so the aarch64 build must
# give node_exporter's amd64 output on it too: the whole profile passes.
if [ -x "$shared/conformance/run.sh" ]; then
  wrapper=$tmp/node-agent-qemu
  printf '#!/bin/sh\nexec %s %q "$@"\n' "$qemu" "$bin" >"$wrapper"
  chmod +x "$wrapper"
  "$shared/conformance/run.sh" "$wrapper" hardware >"$tmp/conf.out" 2>&1
  summary=$(tail -n 1 "$tmp/conf.out")
  if grep -qE '^[0-9]+ passed, 0 failed$' <<<"$summary"; then
    ok "conformance hardware under qemu: $summary"
  else
    fail "conformance hardware under qemu: $summary"
    grep -A5 '^FAIL ' "$tmp/conf.out" | head -n 30 | sed 's/^/       /'
  fi
else
  skip "conformance: $shared/conformance not present"
fi

echo "cross-aarch64: $fails failed"
[ "$fails" -eq 0 ]
