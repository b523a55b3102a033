#!/usr/bin/env bash
# Builds the `zstd` program from Debian's libzstd source, twice with the same flags:
#   $MACHINA_CACHE/zstd/riscv64/zstd   static riscv64, multithreaded (pthreads)
#   $MACHINA_CACHE/zstd/native/zstd    static x86-64 reference
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init zstd

need_packages dpkg-dev
ensure_deb_src
VERSION="libzstd-$(src_version libzstd)-v1"
if assets_up_to_date "$VERSION" && [[ -x "$ASSET_DIR/riscv64/zstd" && -x "$ASSET_DIR/native/zstd" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
fetch_source libzstd

# build_zstd CC OUTDIR: out-of-tree copy (the Makefile builds in place), then `make zstd`.
build_zstd() {
  local cc="$1" out="$2" work
  work="$MACHINA_CACHE/src/libzstd/build-$(basename "$2")"
  rm -rf "$work"
  cp -a "$SRC_DIR" "$work"
  # No optional compressors: the program must not depend on host zlib/lzma/lz4 archives.
  run make -C "$work/programs" -j"$ASSETS_JOBS" zstd CC="$cc" \
    CFLAGS="-O2 -ffp-contract=off" LDFLAGS="-static" \
    HAVE_ZLIB=0 HAVE_LZMA=0 HAVE_LZ4=0 ZSTD_LEGACY_SUPPORT=0 MOREFLAGS=
  mkdir -p "$out"
  cp "$work/programs/zstd" "$out/zstd.tmp"
  mv "$out/zstd.tmp" "$out/zstd"
  rm -rf "$work"
}
build_zstd "$ASSETS_RISCV_CC" "$ASSET_DIR/riscv64" &
riscv_pid=$!
build_zstd "$ASSETS_NATIVE_CC" "$ASSET_DIR/native"
wait "$riscv_pid"
check_static_riscv "$ASSET_DIR/riscv64/zstd"
"$ASSET_DIR/native/zstd" -V >/dev/null || die "native zstd does not run"
assets_done "$VERSION" "zstd (riscv64 + native)"
