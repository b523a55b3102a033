#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR: runs machina's main job on the embedded demo guest.
# Today that is machina-riscv64 running the riscv64 demo program (tests/guests/demo/demo.c)
# through the interpreter; it grows with the project.
set -euo pipefail
build=${1:-build/release}
user=$build/apps/machina-riscv64/machina-riscv64
guest=$build/tests/guests/demo/machina-demo-riscv64

for f in "$user" "$guest"; do
  [ -x "$f" ] || { echo "demo: $f is missing (did the build succeed?)" >&2; exit 1; }
done
echo "demo: $user $guest"
"$user" "$guest"
