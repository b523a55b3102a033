#!/usr/bin/env bash
# Builds BusyBox from Debian's busybox source as one static riscv64 binary (defconfig + STATIC):
#   $MACHINA_CACHE/busybox/riscv64/busybox
#   $MACHINA_CACHE/busybox/simple.script    udhcpc's default script (examples/udhcp/simple.script)
# The initramfs (initramfs-riscv.sh) installs it with its applet links.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init busybox

# Applets to switch off before the build (CONFIG_ names). With Debian 12's cross toolchain and
# static glibc the whole defconfig builds, so the list is empty; add any applet that stops building.
DISABLED=()

need_packages dpkg-dev make
ensure_deb_src
VERSION="busybox-$(src_version busybox)-$(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-12)"
if assets_up_to_date "$VERSION" && [[ -x "$ASSET_DIR/riscv64/busybox" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
fetch_source busybox
CROSS="${ASSETS_RISCV_CC%gcc}"

OUT="$MACHINA_CACHE/src/busybox/build-riscv64"
rm -rf "$OUT"
mkdir -p "$OUT"
bbmake() { run make -C "$SRC_DIR" O="$OUT" CROSS_COMPILE="$CROSS" "$@"; }
bbmake defconfig
cfg="$OUT/.config"
sed -i -e 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/' "$cfg"
for opt in ${DISABLED[@]+"${DISABLED[@]}"}; do
  sed -i -e "s/^$opt=y$/# $opt is not set/" "$cfg"
done
grep -qx 'CONFIG_STATIC=y' "$cfg" || die "could not enable CONFIG_STATIC in $cfg"
# Accept the defaults for anything the edits exposed.
run bash -c "yes '' | make -C '$SRC_DIR' O='$OUT' CROSS_COMPILE='$CROSS' oldconfig"
bbmake -j"$ASSETS_JOBS" busybox busybox.links
mkdir -p "$ASSET_DIR/riscv64"
cp "$OUT/busybox" "$ASSET_DIR/riscv64/busybox.tmp"
mv "$ASSET_DIR/riscv64/busybox.tmp" "$ASSET_DIR/riscv64/busybox"
cp "$SRC_DIR/examples/udhcp/simple.script" "$ASSET_DIR/simple.script"
cp "$OUT/busybox.links" "$ASSET_DIR/busybox.links"
check_static_riscv "$ASSET_DIR/riscv64/busybox"
rm -rf "$OUT"
assets_done "$VERSION" "static riscv64 busybox"
