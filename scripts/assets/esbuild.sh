#!/usr/bin/env bash
# Fetches esbuild's prebuilt Linux programs from npm (same version for both):
#   $MACHINA_CACHE/esbuild/riscv64/esbuild   @esbuild/linux-riscv64 (static Go binary: threads, signals)
#   $MACHINA_CACHE/esbuild/native/esbuild    @esbuild/linux-x64 reference
# The project it bundles lives in tests/integration/real_programs/esbuild_project/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init esbuild

ESBUILD_VERSION="${ESBUILD_VERSION:-0.28.2}"
VERSION="esbuild-$ESBUILD_VERSION-v1"
if assets_up_to_date "$VERSION" && [[ -x "$ASSET_DIR/riscv64/esbuild" && -x "$ASSET_DIR/native/esbuild" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
command -v npm >/dev/null || need_packages npm

# fetch_pkg NPM_NAME OUTDIR: `npm pack` the package into the cache and take bin/esbuild out of it.
fetch_pkg() {
  local name="$1" out="$2" dl="$MACHINA_CACHE/src/esbuild"
  mkdir -p "$dl" "$out"
  local tarball
  tarball="$dl/$(echo "${name#@}" | tr / -)-$ESBUILD_VERSION.tgz"
  if [[ ! -f "$tarball" ]]; then
    (cd "$dl" && run npm pack --silent "$name@$ESBUILD_VERSION")
  fi
  [[ -f "$tarball" ]] || die "npm pack $name@$ESBUILD_VERSION did not produce $tarball"
  run tar -xzf "$tarball" -C "$out" --strip-components=2 package/bin/esbuild
}
fetch_pkg @esbuild/linux-riscv64 "$ASSET_DIR/riscv64"
fetch_pkg @esbuild/linux-x64 "$ASSET_DIR/native"
check_static_riscv "$ASSET_DIR/riscv64/esbuild"
[[ "$("$ASSET_DIR/native/esbuild" --version)" == "$ESBUILD_VERSION" ]] || die "native esbuild does not run"
assets_done "$VERSION" "esbuild (riscv64 + native)"
