#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   unit tests (GoogleTest, via ctest), the same under ASan+UBSan (LeakSanitizer
#   on), the hostile-input test against the ASan agent, the libFuzzer targets for
#   a few seconds each (tests/fuzz/run.sh, needs clang), end-to-end
#   tests (real HTTP clients, a real Prometheus, the reference node_exporter),
#   bench/compare --quick (node-agent beside node_exporter; no timing assertions),
#   a short bench/soak (RSS, fds, threads flat over 2,000 scrapes),
#   the packages (packaging/package.sh, then tests/packaging/run.sh: static
#   binary, unit score, rpmlint, dnf --installroot, dpkg --root, install.sh),
#   the aarch64 cross build (tests/packaging/cross-aarch64.sh: ARCH=aarch64
#   packaging/package.sh into dist/aarch64/, the artifacts, a smoke test and, with
#   ../shared, the hardware conformance profile under qemu-aarch64-static),
#   and node_exporter conformance when ../shared is beside the checkout (also
#   for the static binary of the packages).
# Ends with 'N passed, M failed' over the steps; exit 0 only when all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared"
jobs=$(nproc)
# ccache (CMakeLists.txt uses it where installed) keys objects on paths
# relative to the checkout, so a fresh clone reuses an earlier run's objects.
export CCACHE_BASEDIR="$root"

passed=0
failed=0
failed_steps=()
step() {
  local name=$1
  shift
  echo "=== $name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: ok ($((SECONDS - start))s)"
  else
    failed=$((failed + 1))
    failed_steps+=("$name")
    echo "=== $name: FAILED ($((SECONDS - start))s)"
  fi
}

build() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && ninja -C build -j "$jobs"
}
# One clang build serves the ASan+UBSan unit tests, the hostile-input test and
# the libFuzzer targets (their instrumentation does not change what the tests
# see): a fourth full build of every collector would not fit CI's time.
build_asan() {
  if ! command -v clang++ >/dev/null; then
    echo "build-asan: clang++ not found (packaging/deps.sh --test installs it)"
    return 1
  fi
  cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNODE_AGENT_SANITIZE=ON -DNODE_AGENT_FUZZ=ON -DNODE_AGENT_BENCH=OFF >/dev/null &&
    ninja -C build-asan -j "$jobs" unit_tests node-agent fuzz
}
unit() { ctest --test-dir build --output-on-failure -j "$jobs"; }
unit_asan() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    build-asan/unit_tests --gtest_brief=1
}
e2e() { python3 -m unittest discover -s tests/e2e -p 'test_*.py' -v; }
# The hostile-input e2e test against the ASan+UBSan agent: a memory error
# that the release binary survives silently aborts this one.
# (RSS not bounded there: ASan's quarantine keeps freed memory resident.)
hostile_asan() { HOSTILE_CHECK_RSS=0 NODE_AGENT_BINARY="$root/build-asan/node-agent" python3 -m unittest discover -s tests/e2e -p test_hostile.py -v; }
# Every libFuzzer target for a few seconds (tests/fuzz/run.sh), from build-asan.
fuzz() { FUZZ_BUILD_DIR=build-asan JOBS=$jobs tests/fuzz/run.sh 2; }
# RSS, descriptors and threads flat over 2,000 scrapes (bench/soak; 100,000 by hand).
soak_short() { bench/soak --scrapes 2000; }
# node-agent beside node_exporter and the naive floor; checks only that every
# figure came out (no timing assertions).
compare_quick() { bench/compare --quick; }
conformance() { "$shared/conformance/run.sh" "${2:-$root/build/node-agent}" "$1"; }
packaging() { JOBS=$jobs packaging/package.sh && tests/packaging/run.sh; }
# Builds only the node-agent target (prometheus-cpp's core with it) in
# build-static-aarch64/, from the prometheus-cpp source already in build-cache/.
cross_aarch64() { JOBS=$jobs tests/packaging/cross-aarch64.sh; }

if ! packaging/deps.sh --test; then
  echo "dependency installation failed"
  echo "0 passed, 1 failed"
  exit 1
fi
step build build
step unit unit
step build-asan build_asan
step unit-asan unit_asan
step hostile-asan hostile_asan
step fuzz fuzz
step e2e e2e
step soak soak_short
step bench-compare compare_quick
step packaging packaging
# The cross build compiles every collector again for aarch64; past this many
# minutes (a machine without a warm ccache) it is skipped, saying so, so the
# whole run stays inside CI's 90 minutes. By hand: tests/packaging/cross-aarch64.sh
cross_budget_min=${NODE_AGENT_CROSS_BUDGET_MIN:-55}
if [ $((SECONDS / 60)) -lt "$cross_budget_min" ]; then
  step cross-aarch64 cross_aarch64
else
  echo "=== cross-aarch64: SKIPPED ($((SECONDS / 60)) min elapsed >= ${cross_budget_min}; run tests/packaging/cross-aarch64.sh)"
fi
if [ -x "$shared/conformance/run.sh" ]; then
  step conformance-hardware conformance hardware
  step conformance-system conformance system
  step conformance-static conformance hardware "$root/dist/node-agent-$(uname -m)"
else
  echo "=== conformance: skipped ($shared/conformance not present)"
fi

[ ${#failed_steps[@]} -gt 0 ] && echo "failed steps: ${failed_steps[*]}"
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
