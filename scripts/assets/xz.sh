#!/usr/bin/env bash
# Builds the `xz` program from Debian's xz-utils source, twice with the same flags:
#   $MACHINA_CACHE/xz/riscv64/xz   static riscv64 (multithreaded encoder/decoder)
#   $MACHINA_CACHE/xz/native/xz    static x86-64 reference
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init xz

need_packages dpkg-dev
ensure_deb_src
VERSION="xz-utils-$(src_version xz-utils)-v1"
if assets_up_to_date "$VERSION" && [[ -x "$ASSET_DIR/riscv64/xz" && -x "$ASSET_DIR/native/xz" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
fetch_source xz-utils

# build_xz HOST OUTDIR: configure out of tree for HOST, build liblzma (static) and xz only.
build_xz() {
  local host="$1" out="$2" work
  work="$MACHINA_CACHE/src/xz-utils/build-$(basename "$2")"
  rm -rf "$work"
  mkdir -p "$work"
  (cd "$work" && run "$SRC_DIR/configure" --host="$host" --disable-shared --enable-static \
    --disable-nls --disable-doc --disable-scripts --disable-xzdec --disable-lzmadec \
    --disable-lzmainfo --disable-lzma-links --disable-rpath \
    CFLAGS="-O2 -ffp-contract=off")
  run make -C "$work/src/liblzma" -j"$ASSETS_JOBS"
  run make -C "$work/src/xz" -j"$ASSETS_JOBS" LDFLAGS="-all-static"
  mkdir -p "$out"
  cp "$work/src/xz/xz" "$out/xz.tmp"
  mv "$out/xz.tmp" "$out/xz"
  rm -rf "$work"
}
build_xz riscv64-linux-gnu "$ASSET_DIR/riscv64" &
riscv_pid=$!
build_xz x86_64-linux-gnu "$ASSET_DIR/native"
wait "$riscv_pid"
check_static_riscv "$ASSET_DIR/riscv64/xz"
"$ASSET_DIR/native/xz" --version >/dev/null || die "native xz does not run"
assets_done "$VERSION" "xz (riscv64 + native)"
