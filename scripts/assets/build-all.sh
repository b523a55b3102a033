#!/usr/bin/env bash
# Builds every guest asset into ${MACHINA_CACHE:-~/.cache/machina}; each builder skips work already
# done (stamp files keyed by version), so running this again is cheap. One summary line per asset.
#   scripts/assets/build-all.sh [name...]
#     names: lua zstd xz esbuild kernels busybox-riscv initramfs-riscv linux-riscv linux-x86; default all
#     (initramfs-riscv packs busybox-riscv, lua and zstd: keep it after them)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
all=(lua zstd xz esbuild kernels busybox-riscv initramfs-riscv linux-riscv linux-x86)
names=("${@:-${all[@]}}")
start=$(date +%s)
for name in "${names[@]}"; do
  [[ -x "$here/$name.sh" ]] || { echo "build-all: unknown asset '$name' (known: ${all[*]})" >&2; exit 2; }
done
for name in "${names[@]}"; do
  "$here/$name.sh"
done
echo "build-all: ${#names[@]} assets ready in $(($(date +%s) - start)) s (cache ${MACHINA_CACHE:-$HOME/.cache/machina})"
