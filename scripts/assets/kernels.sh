#!/usr/bin/env bash
# Builds the CPU kernels in bench/kernels/*.c (our own code), twice with the same flags:
#   $MACHINA_CACHE/kernels/riscv64/<kernel>   static riscv64
#   $MACHINA_CACHE/kernels/native/<kernel>    static x86-64 reference
# Each prints a checksum; argv[1] scales the work (the defaults are the benchmark sizes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init kernels

KERNEL_DIR="$ASSETS_REPO_ROOT/bench/kernels"
CFLAGS=(-O2 -ffp-contract=off -static -std=gnu11 -Wall -Wextra)
VERSION="kernels-$(cat "$KERNEL_DIR"/*.c "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
if assets_up_to_date "$VERSION"; then
  assets_skip "$VERSION"
  exit 0
fi
mkdir -p "$ASSET_DIR/riscv64" "$ASSET_DIR/native"
names=()
for src in "$KERNEL_DIR"/*.c; do
  name=$(basename "$src" .c)
  names+=("$name")
  run "$ASSETS_RISCV_CC" "${CFLAGS[@]}" -o "$ASSET_DIR/riscv64/$name" "$src" -lm
  run "$ASSETS_NATIVE_CC" "${CFLAGS[@]}" -o "$ASSET_DIR/native/$name" "$src" -lm
  check_static_riscv "$ASSET_DIR/riscv64/$name"
done
assets_done "$VERSION" "${names[*]} (riscv64 + native)"
