#!/usr/bin/env bash
# Installs the Debian 12 packages node-agent builds and tests with, only
# those missing. Run as root (or with sudo available).
#   packaging/deps.sh          build dependencies (incl. packaging/package.sh's: dpkg-dev
#                              for the prometheus-cpp source package, rpm for rpmbuild, file)
#   packaging/deps.sh --test   build + test dependencies (Prometheus + promtool, node_exporter,
#                              dbus-daemon with python3-dbus/python3-gi for the systemd and logind
#                              collectors' fake services, PyYAML, the openssl CLI (test_web makes its certificates); for tests/packaging: rpmlint, createrepo-c, dnf, lintian, man-db (man -l),
#                              busybox-static, systemd for systemd-analyze; clang and lld for
#                              the libFuzzer targets), and --cross-aarch64's
#   packaging/deps.sh --cross-aarch64
#                              the aarch64 cross build (ARCH=aarch64 packaging/package.sh): adds
#                              dpkg's arm64 architecture, Debian's g++-aarch64-linux-gnu, the
#                              arm64 multiarch -dev packages the static link needs (libsensors,
#                              libdeflate, openssl, libyaml, libxcrypt; fmt for its arch-specific CMake config) and
#                              qemu-user-static to run the result (qemu-aarch64-static BINARY)
# --test includes --cross-aarch64 (tests/run.sh cross-aarch64 step). Fast when all is installed.
set -euo pipefail
build_pkgs=(cmake ninja-build ccache g++ pkg-config git
            prometheus-cpp-dev libboost-dev libsensors-dev libfmt-dev nlohmann-json3-dev
            libcli11-dev libdeflate-dev libre2-dev libdbus-1-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev zlib1g-dev libssl-dev libyaml-dev libcrypt-dev libgtest-dev libgmock-dev libbenchmark-dev
            dpkg-dev rpm file binutils)
test_pkgs=(prometheus prometheus-node-exporter dbus-daemon python3-dbus python3-gi curl python3 python3-yaml openssl
           rpmlint createrepo-c dnf lintian busybox-static systemd man-db
           clang libclang-rt-14-dev lld)  # libFuzzer targets (tests/fuzz/run.sh): clang, its fuzzer/sanitizer runtimes, lld
# Header-only dependencies (Boost, CLI11, nlohmann-json) come from the host's
# headers; prometheus-cpp's core is compiled for the target by the static build.
cross_pkgs=(g++-aarch64-linux-gnu libsensors-dev:arm64 libdeflate-dev:arm64 libre2-dev:arm64 libdbus-1-dev:arm64 libnl-3-dev:arm64 libnl-genl-3-dev:arm64 libnl-route-3-dev:arm64 libfmt-dev:arm64
            libssl-dev:arm64 libyaml-dev:arm64 libcrypt-dev:arm64 qemu-user-static)
pkgs=("${build_pkgs[@]}")
cross=
for arg in "$@"; do
  case $arg in
    --test) pkgs+=("${test_pkgs[@]}") cross=1 ;;
    --cross-aarch64) cross=1 ;;
    *) echo "deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
[ -n "$cross" ] && pkgs+=("${cross_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
# The arm64 -dev packages are multiarch: dpkg must know the architecture first
# (apt-get update below then fetches its package lists).
if [ -n "$cross" ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "adding dpkg architecture arm64" >&2
  $sudo dpkg --add-architecture arm64
fi
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
