#!/usr/bin/env bash
# Builds the riscv64 system guest kernel from Debian's linux-source-6.1 package:
#   $MACHINA_CACHE/linux-riscv64/Image        the flat `Image` that -kernel loads (no modules)
#   $MACHINA_CACHE/linux-riscv64/config       the final .config, for reference
#   $MACHINA_CACHE/linux-riscv64/System.map   symbols, for reading guest PCs in machina traces
# Config: `allnoconfig` + scripts/assets/riscv-guest/linux.config (merge_config.sh) + olddefconfig.
# Every option the fragment sets is checked in the final .config (a dropped option fails the build).
# First build: a few minutes on 2 cores; afterwards the stamp (source version + fragment + this
# script) makes it a no-op.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init linux-riscv64

FRAGMENT="$ASSETS_REPO_ROOT/scripts/assets/riscv-guest/linux.config"
TARBALL=/usr/src/linux-source-6.1.tar.xz
need_packages linux-source-6.1 bc bison flex xz-utils make
SRC_VER=$(dpkg-query -W -f='${Version}' linux-source-6.1)
VERSION="linux-source-6.1-$SRC_VER-$(cat "$FRAGMENT" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)"
if assets_up_to_date "$VERSION" && [[ -f "$ASSET_DIR/Image" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
[[ -f "$TARBALL" ]] || die "$TARBALL missing (apt-get install linux-source-6.1)"
command -v "${ASSETS_RISCV_CC}" >/dev/null || die "$ASSETS_RISCV_CC missing (gcc-riscv64-linux-gnu)"
CROSS="${ASSETS_RISCV_CC%gcc}"

# Unpack once per source package version (the tree is never modified: the build is out of tree).
base="$MACHINA_CACHE/src/linux-source-6.1"
SRC_DIR="$base/linux-source-6.1"
if [[ ! -f "$SRC_DIR/.unpacked" || "$(cat "$SRC_DIR/.unpacked")" != "$SRC_VER" ]]; then
  rm -rf "$base"
  mkdir -p "$base"
  run tar -C "$base" -xf "$TARBALL"
  [[ -d "$SRC_DIR" ]] || die "$TARBALL did not unpack to $SRC_DIR"
  echo "$SRC_VER" >"$SRC_DIR/.unpacked"
fi

# The object tree is kept between builds (a fragment change rebuilds incrementally); it is wiped
# when the source version changes.
OUT="$MACHINA_CACHE/src/linux-riscv64-build"
[[ -f "$OUT/.srcver" && "$(cat "$OUT/.srcver")" == "$SRC_VER" ]] || rm -rf "$OUT"
mkdir -p "$OUT"
echo "$SRC_VER" >"$OUT/.srcver"
# Fixed build identity: the version banner does not depend on who built it or when.
export KBUILD_BUILD_USER=machina KBUILD_BUILD_HOST=machina KBUILD_BUILD_TIMESTAMP="Debian $SRC_VER"
kmake() { run make -C "$SRC_DIR" O="$OUT" ARCH=riscv CROSS_COMPILE="$CROSS" "$@"; }
kmake allnoconfig
run env ARCH=riscv CROSS_COMPILE="$CROSS" "$SRC_DIR/scripts/kconfig/merge_config.sh" -m -O "$OUT" \
  "$OUT/.config" "$FRAGMENT"
kmake olddefconfig

# check_config: every CONFIG_X=V line of the fragment must be in .config, and every
# "# CONFIG_X is not set" must not be enabled.
bad=()
while IFS= read -r line; do
  if [[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
    grep -qxF "$line" "$OUT/.config" || bad+=("$line")
  elif [[ "$line" =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
    grep -qE "^${BASH_REMATCH[1]}=" "$OUT/.config" && bad+=("$line")
  fi
done <"$FRAGMENT"
((${#bad[@]} == 0)) || die "options dropped by Kconfig (unmet dependencies?): ${bad[*]}"

kmake -j"$ASSETS_JOBS" Image
cp "$OUT/arch/riscv/boot/Image" "$ASSET_DIR/Image.tmp"
mv "$ASSET_DIR/Image.tmp" "$ASSET_DIR/Image"
cp "$OUT/.config" "$ASSET_DIR/config"
cp "$OUT/System.map" "$ASSET_DIR/System.map"
size=$(($(stat -c %s "$ASSET_DIR/Image") / 1024))
assets_done "$VERSION" "Linux $(grep -m1 -oE '[0-9]+\.[0-9]+\.[0-9]+' "$ASSET_DIR/config" || echo 6.1) Image (${size} KiB)"
