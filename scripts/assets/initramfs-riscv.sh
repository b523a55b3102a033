#!/usr/bin/env bash
# Packs the riscv64 system guest's initramfs:
#   $MACHINA_CACHE/initramfs-riscv64/initramfs.cpio.gz   gzip newc cpio
# Contents: static busybox (busybox-riscv.sh) with its applet links, static lua and zstd (lua.sh,
# zstd.sh), /init and /etc from scripts/assets/riscv-guest/, udhcpc's default script, and the
# in-guest workload inputs (/usr/share/machina: workload.lua + its expected output, mix.bin + its
# SHA-256). Boot it with `-append "console=ttyS0 [machina.script=boot|lua|zstd]"`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init initramfs-riscv64

GUEST="$ASSETS_REPO_ROOT/scripts/assets/riscv-guest"
LUA_WORKLOAD="$ASSETS_REPO_ROOT/tests/integration/real_programs/lua/workload.lua"
LUA_SCALE=1 # workload.lua scale: the same work as bench/run.py's lua (~1 s native, ~25 s in QEMU)
MIX_BYTES=$((4 << 20)) # zstd input size (gzip keeps ~1.4 MB of it in the archive)
BUSYBOX="$MACHINA_CACHE/busybox/riscv64/busybox"
LUA_RV="$MACHINA_CACHE/lua/riscv64/lua"
LUA_NATIVE="$MACHINA_CACHE/lua/native/lua"
ZSTD_RV="$MACHINA_CACHE/zstd/riscv64/zstd"
for f in "$BUSYBOX" "$LUA_RV" "$LUA_NATIVE" "$ZSTD_RV"; do
  [[ -x "$f" ]] || die "$f missing (run scripts/assets/build-all.sh busybox-riscv lua zstd first)"
done

inputs_hash=$({
  cat "$MACHINA_CACHE"/{busybox,lua,zstd}/.stamp "${BASH_SOURCE[0]}" "$LUA_WORKLOAD" \
    "$GUEST/init" "$GUEST/mkcpio.py" "$ASSETS_REPO_ROOT/tests/integration/real_programs/run_real_program.py"
  find "$GUEST/etc" -type f -print0 | sort -z | xargs -0 cat
} | sha256sum | cut -c1-16)
VERSION="initramfs-$inputs_hash"
if assets_up_to_date "$VERSION" && [[ -f "$ASSET_DIR/initramfs.cpio.gz" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
check_static_riscv "$BUSYBOX"
check_static_riscv "$LUA_RV"
check_static_riscv "$ZSTD_RV"

ROOT="$MACHINA_CACHE/src/initramfs-riscv64/root"
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc/machina,var} \
  "$ROOT"/usr/share/{udhcpc,machina}
chmod 1777 "$ROOT/tmp"
ln -s ../run "$ROOT/var/run"
STRIP="${ASSETS_RISCV_CC%gcc}strip"
install -m 0755 "$BUSYBOX" "$ROOT/bin/busybox"
# Applet links from the list the build wrote (paths like /bin/ls), relative to /bin/busybox.
while read -r applet; do
  [[ -n "$applet" && "$applet" != /bin/busybox ]] || continue
  dir=$(dirname "$applet")
  up=$(echo "${dir#/}" | sed -E 's#[^/]+#..#g')
  mkdir -p "$ROOT$dir"
  [[ -e "$ROOT$applet" ]] || ln -s "$up/bin/busybox" "$ROOT$applet"
done <"$MACHINA_CACHE/busybox/busybox.links"
install -m 0755 "$LUA_RV" "$ROOT/usr/bin/lua"
install -m 0755 "$ZSTD_RV" "$ROOT/usr/bin/zstd"
run "$STRIP" "$ROOT/bin/busybox" "$ROOT/usr/bin/lua" "$ROOT/usr/bin/zstd"
install -m 0755 "$GUEST/init" "$ROOT/init"
cp -r "$GUEST/etc/." "$ROOT/etc/"
install -m 0755 "$MACHINA_CACHE/busybox/simple.script" "$ROOT/usr/share/udhcpc/default.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\n' >"$ROOT/etc/group"

# Workload inputs and the answers the guest checks against.
share="$ROOT/usr/share/machina"
cp "$LUA_WORKLOAD" "$share/workload.lua"
echo "$LUA_SCALE" >"$share/lua.scale"
(cd "$share" && "$LUA_NATIVE" workload.lua "$LUA_SCALE" >lua.expected) || die "native lua workload failed"
run python3 -c "
import sys; sys.path.insert(0, '$ASSETS_REPO_ROOT/tests/integration/real_programs')
from run_real_program import mixed_data
open('$share/mix.bin', 'wb').write(mixed_data($MIX_BYTES))"
sha256sum <"$share/mix.bin" | cut -d' ' -f1 >"$share/mix.sha256"

run python3 "$GUEST/mkcpio.py" "$ROOT" "$ASSET_DIR/initramfs.cpio.gz"
rm -rf "$ROOT"
size=$(($(stat -c %s "$ASSET_DIR/initramfs.cpio.gz") / 1024))
assets_done "$VERSION" "initramfs.cpio.gz (${size} KiB)"
