#!/usr/bin/env bash
# Installs the Debian 12 packages node-agent builds and tests with, only
# those missing. Run as root (or with sudo available).
#   packaging/deps.sh          build dependencies (incl. packaging/package.sh's: dpkg-dev
#                              for the prometheus-cpp source package, rpm for rpmbuild, file)
#   packaging/deps.sh --test   build + test dependencies (Prometheus + promtool, node_exporter,
#                              PyYAML; for tests/packaging: rpmlint, createrepo-c, dnf, lintian,
#                              busybox-static, systemd for systemd-analyze)
set -euo pipefail
build_pkgs=(cmake ninja-build g++ pkg-config git
            prometheus-cpp-dev libboost-dev libsensors-dev libfmt-dev nlohmann-json3-dev
            libcli11-dev zlib1g-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
            dpkg-dev rpm file binutils)
test_pkgs=(prometheus prometheus-node-exporter curl python3 python3-yaml
           rpmlint createrepo-c dnf lintian busybox-static systemd)
pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --no-install-recommends keeps Prometheus' and node_exporter's optional extras out.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian packages start their services on install where systemd runs;
# the tests start their own instances on loopback, so stop those.
if [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now prometheus prometheus-node-exporter 2>/dev/null || true
fi
