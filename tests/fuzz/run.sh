#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cc) in build-fuzz/ and runs
# each for SECONDS, one after the other (2 cores are shared):
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      (default 5 s, every target)
# Each target starts from its corpus in build-fuzz/corpus/NAME (kept between
# runs, libFuzzer adds to it) plus the fixture directories its `// seeds:` line
# names under tests/fixtures, which are only read. Findings are saved under
# build-fuzz/findings/NAME/; reproduce one with build-fuzz/fuzz/NAME FILE.
# Prints executions and executions/s per target; exits 1 when any target
# found something. Without clang it says so and exits 0 (a skip).
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}
shift $(( $# > 0 ? 1 : 0 ))
build=${FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang++ >/dev/null; then
  echo "fuzz: SKIPPED: clang++ not found (libFuzzer needs clang; packaging/deps.sh --test installs it)"
  exit 0
fi
# A build directory configured already (tests/run.sh's build-asan, which has
# NODE_AGENT_FUZZ on) is used as it is.
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNODE_AGENT_FUZZ=ON -DNODE_AGENT_TESTS=OFF -DNODE_AGENT_BENCH=OFF >/dev/null || exit 1
fi
ninja -C "$build" -j "${JOBS:-$(nproc)}" fuzz || exit 1

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for src in tests/fuzz/*_fuzz.cc; do
    name=$(basename "$src" _fuzz.cc)
    targets+=("$name")
  done
fi

failed=()
printf '%-18s %12s %10s %8s  %s\n' target execs exec/s corpus result
for name in "${targets[@]}"; do
  src=tests/fuzz/${name}_fuzz.cc
  [ -f "$src" ] || { echo "fuzz: no target $name ($src)"; failed+=("$name"); continue; }
  corpus=$build/corpus/$name
  findings=$build/findings/$name
  log=$build/logs/$name.log
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  seeds=()
  for dir in $(sed -n 's|^// seeds:||p' "$src"); do
    seeds+=("tests/fixtures/$dir")
  done
  # The first directory is the one libFuzzer writes to: never a fixture one.
  "$build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  size=$(find "$corpus" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    result="FAILED (rc $rc, log $log)"
    failed+=("$name")
  fi
  printf '%-18s %12s %10s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "$size" "$result"
  if [ $rc -ne 0 ]; then
    grep -E 'ERROR: |runtime error|FUZZ_CHECK|Test unit written|terminate called' "$log" | head -8
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no findings"
