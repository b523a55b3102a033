#!/usr/bin/env bash
# Builds the Lua 5.4 interpreter from Debian's lua5.4 source, twice with the same flags:
#   $MACHINA_CACHE/lua/riscv64/lua   static riscv64 (riscv64-linux-gnu-gcc)
#   $MACHINA_CACHE/lua/native/lua    static x86-64 (the reference for output and timing)
# The scripts it runs live in tests/integration/real_programs/lua/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init lua

# -ffp-contract=off: no fused multiply-add, so both builds round every FP operation identically.
CFLAGS_COMMON=(-O2 -std=gnu99 -ffp-contract=off -DLUA_USE_POSIX -w)
need_packages dpkg-dev
ensure_deb_src
VERSION="lua5.4-$(src_version lua5.4)-v1"
if assets_up_to_date "$VERSION" && [[ -x "$ASSET_DIR/riscv64/lua" && -x "$ASSET_DIR/native/lua" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
fetch_source lua5.4

# build_lua CC OUTDIR: compile every library .c plus lua.c (not luac.c) straight into one binary.
build_lua() {
  local cc="$1" out="$2" srcs=()
  local f multiarch
  # Debian's luaconf.h patch includes a generated header naming the multiarch triplet.
  multiarch=$("$cc" -print-multiarch)
  mkdir -p "$out/include"
  echo "#define DEB_HOST_MULTIARCH \"${multiarch:-unknown}\"" >"$out/include/lua5.4-deb-multiarch.h"
  for f in "$SRC_DIR"/src/*.c; do
    case "$(basename "$f")" in luac.c | onelua.c) continue ;; esac
    srcs+=("$f")
  done
  mkdir -p "$out"
  run "$cc" "${CFLAGS_COMMON[@]}" -I"$out/include" -static -o "$out/lua.tmp" "${srcs[@]}" -lm
  mv "$out/lua.tmp" "$out/lua"
  rm -rf "$out/include"
}
build_lua "$ASSETS_RISCV_CC" "$ASSET_DIR/riscv64" &
riscv_pid=$!
build_lua "$ASSETS_NATIVE_CC" "$ASSET_DIR/native"
wait "$riscv_pid"
check_static_riscv "$ASSET_DIR/riscv64/lua"
[[ "$("$ASSET_DIR/native/lua" -e 'io.write(1+1)')" == 2 ]] || die "native lua does not run"
assets_done "$VERSION" "lua (riscv64 + native)"
