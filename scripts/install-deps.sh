#!/usr/bin/env bash
# Installs the Debian 12 packages that building, testing and packaging machina need.
# Idempotent: packages already present are not reinstalled, and apt-get update runs only when
# something is missing.
set -euo pipefail

packages=(
  # toolchain and build
  build-essential cmake ninja-build pkg-config clang-format git ca-certificates python3
  # libraries machina links
  libfmt-dev libxbyak-dev libzydis-dev libfdt-dev libslirp-dev liburing-dev nlohmann-json3-dev
  # tests and benchmarks
  googletest libgtest-dev libbenchmark-dev
  # guests: RISC-V cross toolchain and sysroot, x86 assembler
  gcc-riscv64-linux-gnu g++-riscv64-linux-gnu libc6-dev-riscv64-cross nasm
  # reference emulators and firmware (bench/ and integration tests compare against them)
  qemu-user qemu-system-misc qemu-utils opensbi u-boot-qemu e2fsprogs device-tree-compiler
  # riscv64 system guest (scripts/assets/linux-riscv.sh, busybox-riscv.sh): kernel source and its
  # host build tools
  linux-source-6.1 bc bison flex make xz-utils
  # packaging
  dpkg-dev file
)
# npm fetches riscv64 programs for the tests (esbuild); machines that already have Node.js with
# npm from elsewhere keep theirs.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
