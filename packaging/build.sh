#!/usr/bin/env bash
# Installs missing build dependencies and builds node-agent into build/.
#   packaging/build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C build node-agent
