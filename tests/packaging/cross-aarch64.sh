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
#      runs the binary under qemu (see below for the cpuinfo families).
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
# The fixture's /proc/cpuinfo is an x86 one, and node_exporter's expected output for it
# comes from an amd64 build. procfs, like node-agent, picks its cpuinfo parser by build
# architecture: the ARM parser reads only processor, model name, BogoMIPS and Features.
# So on arm64 the families built from x86 cpuinfo fields (node_cpu_info,
# node_cpu_flag_info, node_cpu_bug_info and node_cpu_frequency_hertz from "cpu MHz")
# cannot match. (node_exporter's own arm64 build gets no further: procfs's
# parseCPUInfoARM indexes the missing Features line and panics.) Those families must
# instead be exactly what the ARM parser gives for the fixture: one node_cpu_info per
# processor with its model name and empty x86 labels, frequency 0, no flag or bug
# info. Every other family must pass.
if [ -x "$shared/conformance/run.sh" ]; then
  wrapper=$tmp/node-agent-qemu
  printf '#!/bin/sh\nexec %s %q "$@"\n' "$qemu" "$bin" >"$wrapper"
  chmod +x "$wrapper"
  "$shared/conformance/run.sh" "$wrapper" hardware -v >"$tmp/conf.out" 2>&1
  summary=$(tail -n 1 "$tmp/conf.out")
  cpuinfo_families='node_cpu_info|node_cpu_flag_info|node_cpu_bug_info|node_cpu_frequency_hertz'
  others=$(grep '^FAIL ' "$tmp/conf.out" | grep -vE "^FAIL ($cpuinfo_families):")
  if [ -z "$others" ] && grep -qE '^[0-9]+ passed, [0-9]+ failed$' <<<"$summary"; then
    ok "conformance hardware under qemu: $summary; all failures are x86-cpuinfo families"
  else
    fail "conformance hardware under qemu: $summary"
    echo "$others" | sed 's/^/       /'
  fi
  # What the ARM parser must give for the fixture (procfs parseCPUInfoARM).
  cpuinfo=$shared/conformance/node_exporter/fixtures/proc/cpuinfo
  awk -F': ' '/^processor/ {p=$2} /^model name/ {
      printf "node_cpu_info{cachesize=\"\",core=\"\",cpu=\"%s\",family=\"\",microcode=\"\",model=\"\",model_name=\"%s\",package=\"\",stepping=\"\",vendor=\"\"} 1.0\n", p, $2
      printf "node_cpu_frequency_hertz{core=\"\",cpu=\"%s\",package=\"\"} 0.0\n", p }' \
    "$cpuinfo" | sort >"$tmp/arm.want"
  sed -nE 's/^ +extra +(node_cpu_(info|frequency_hertz)\{)/\1/p' "$tmp/conf.out" | sort >"$tmp/arm.got"
  if [ -s "$tmp/arm.want" ] && cmp -s "$tmp/arm.want" "$tmp/arm.got" &&
     ! grep -qE '^ +extra +node_cpu_(flag|bug)_info' "$tmp/conf.out"; then
    ok "cpuinfo families: the ARM parser's output for the x86 fixture ($(grep -c '^node_cpu_info' "$tmp/arm.want") CPUs, model name only, no flags/bugs)"
  else
    fail "cpuinfo families: not the ARM parser's output"
    diff "$tmp/arm.want" "$tmp/arm.got" | head -n 20 | sed 's/^/       /'
  fi
else
  skip "conformance: $shared/conformance not present"
fi

echo "cross-aarch64: $fails failed"
[ "$fails" -eq 0 ]
