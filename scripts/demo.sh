#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR: runs machina's main job on the embedded default guest: the RISC-V
# `virt` machine (machina-system-riscv64, translator engine) boots Debian's OpenSBI, a Linux
# kernel built from Debian's linux-source and a busybox initramfs (scripts/assets/) to its shell.
# Interactive on a terminal (Ctrl-A X quits, Ctrl-A C opens the monitor; `poweroff` ends it);
# without a terminal the guest runs its boot script and powers off by itself.
# MACHINA_DEMO=user runs the older user-mode demo instead (machina-riscv64 on tests/guests/demo).
set -euo pipefail
build=${1:-build/release}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${MACHINA_CACHE:-$HOME/.cache/machina}"

if [[ "${MACHINA_DEMO:-system}" == user ]]; then
  user=$build/apps/machina-riscv64/machina-riscv64
  guest=$build/tests/guests/demo/machina-demo-riscv64
  for f in "$user" "$guest"; do
    [ -x "$f" ] || { echo "demo: $f is missing (did the build succeed?)" >&2; exit 1; }
  done
  exec "$user" "$guest"
fi

system=$build/apps/machina-system-riscv64/machina-system-riscv64
[ -x "$system" ] || { echo "demo: $system is missing (did the build succeed?)" >&2; exit 1; }
# The guest: kernel and initramfs (the first kernel build takes a few minutes; cached after).
"$here/assets/build-all.sh" lua zstd busybox-riscv initramfs-riscv linux-riscv
append="console=ttyS0"
if [[ ! -t 0 ]]; then
  append+=" machina.script=boot"
  echo "demo: stdin is not a terminal: the guest boots, runs its boot script and powers off"
else
  echo "demo: booting the riscv64 guest; at the 'machina#' prompt try uname -a, cat /proc/cpuinfo;"
  echo "demo: 'poweroff' or Ctrl-A X ends it"
fi
set -x
exec "$system" -M virt -smp 2 -m 512M -nographic \
  -kernel "$cache/linux-riscv64/Image" -initrd "$cache/initramfs-riscv64/initramfs.cpio.gz" \
  -append "$append" -netdev user,id=net0 -device virtio-net-device,netdev=net0
