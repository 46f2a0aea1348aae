# Cross-compiles node-agent for aarch64 (Graviton) on a Debian x86_64 host with
# Debian's cross toolchain and arm64 multiarch -dev packages (packaging/deps.sh
# --cross-aarch64), no sysroot:
#   cmake -DCMAKE_TOOLCHAIN_FILE=packaging/cmake/toolchain-aarch64.cmake ...
#   ARCH=aarch64 packaging/package.sh       (uses this file, builds in build-static-aarch64/)
# Target libraries (libsensors.a, libdeflate.a, libre2.a, fmt's CMake config) come from
# /usr/lib/aarch64-linux-gnu; glibc and libstdc++ from the cross toolchain's
# /usr/aarch64-linux-gnu; header-only dependencies (Boost, CLI11, nlohmann-json) from
# the host's /usr/include and /usr/share/cmake. prometheus-cpp's core is compiled for
# the target as a subproject of the static build (add_subdirectory), so it is built
# with this toolchain too.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Debian multiarch: <prefix>/lib/aarch64-linux-gnu is searched for libraries and
# CMake package configs, never the host's <prefix>/lib/x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# The toolchain's own binutils (strip for `cmake --install --strip`).
find_program(CMAKE_STRIP aarch64-linux-gnu-strip REQUIRED)
# try_run() and anything run at build time go through qemu.
find_program(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
# pkg-config (FindOpenSSL asks it first) must describe the target's libraries,
# not the host's /usr/lib/x86_64-linux-gnu ones.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
