# shellcheck shell=bash
# Shared helpers for the guest-asset builders in scripts/assets/ (source it, do not run it).
#
# Every builder writes only below $MACHINA_CACHE (default ~/.cache/machina), never into the repo.
# Layout:  $MACHINA_CACHE/src/<name>/     unpacked sources (from `apt-get source`, npm tarballs)
#          $MACHINA_CACHE/<name>/          finished assets: riscv64/<prog>, native/<prog>, ...
#          $MACHINA_CACHE/<name>/.stamp    the version string the assets were built from
#          $MACHINA_CACHE/logs/<name>.log  full output of the last build (printed only on failure)

MACHINA_CACHE="${MACHINA_CACHE:-$HOME/.cache/machina}"
export MACHINA_CACHE
# shellcheck disable=SC2034  # used by the scripts that source this file
ASSETS_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ASSETS_RISCV_CC="${ASSETS_RISCV_CC:-riscv64-linux-gnu-gcc}"
ASSETS_NATIVE_CC="${ASSETS_NATIVE_CC:-gcc}"
ASSETS_JOBS="${ASSETS_JOBS:-$(nproc)}"

# assets_init NAME: sets ASSET_NAME, ASSET_DIR, ASSET_LOG and starts the timer.
assets_init() {
  ASSET_NAME="$1"
  ASSET_DIR="$MACHINA_CACHE/$ASSET_NAME"
  ASSET_LOG="$MACHINA_CACHE/logs/$ASSET_NAME.log"
  ASSET_START=$(date +%s)
  mkdir -p "$ASSET_DIR" "$MACHINA_CACHE/logs" "$MACHINA_CACHE/src"
  : >"$ASSET_LOG"
}

# assets_up_to_date VERSION: true when the stamp says VERSION was already built.
assets_up_to_date() {
  [[ -f "$ASSET_DIR/.stamp" && "$(cat "$ASSET_DIR/.stamp")" == "$1" ]]
}

# assets_done VERSION WHAT: write the stamp and print the one summary line.
assets_done() {
  printf '%s\n' "$1" >"$ASSET_DIR/.stamp"
  echo "$ASSET_NAME: built $2 ($1) in $(($(date +%s) - ASSET_START)) s -> $ASSET_DIR"
}

# assets_skip VERSION: print the one summary line for an asset already built.
assets_skip() {
  echo "$ASSET_NAME: up to date ($1) in $ASSET_DIR"
}

# run CMD...: run quietly, appending to the log; on failure show the log tail and exit.
run() {
  if ! "$@" >>"$ASSET_LOG" 2>&1; then
    echo "$ASSET_NAME: FAILED: $*" >&2
    tail -n 15 "$ASSET_LOG" >&2
    echo "$ASSET_NAME: full log in $ASSET_LOG" >&2
    exit 1
  fi
}

# die MSG: one-line failure.
die() {
  echo "${ASSET_NAME:-assets}: error: $*" >&2
  exit 1
}

# apt_retry ARGS...: apt-get that waits for other users of the apt/dpkg locks.
apt_retry() {
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q -y "$@" >>"$ASSET_LOG" 2>&1; then
      return 0
    fi
    sleep $((i * 3))
  done
  echo "$ASSET_NAME: FAILED: apt-get $*" >&2
  tail -n 20 "$ASSET_LOG" >&2
  exit 1
}

# need_packages PKG...: apt-get install the packages that are missing.
need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "missing packages ${missing[*]} (run as root or install them)"
  apt_retry install --no-install-recommends "${missing[@]}"
}

# ensure_deb_src: make `apt-get source` work (adds a deb822 deb-src entry once, then apt-get update).
ensure_deb_src() {
  if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    [[ $(id -u) == 0 ]] || die "no deb-src entry in /etc/apt and not root to add one"
    local uris='http://deb.debian.org/debian'
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
      # Reuse the main archive's URIs and key (first stanza) so mirrors/snapshots stay consistent.
      uris=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    cat >/etc/apt/sources.list.d/machina-deb-src.sources <<EOF
Types: deb-src
URIs: $uris
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    rm -f "$MACHINA_CACHE/.apt-src-updated"
  fi
  if [[ ! -f "$MACHINA_CACHE/.apt-src-updated" ]] || ! apt-cache showsrc lua5.4 >/dev/null 2>&1; then
    apt_retry update
    touch "$MACHINA_CACHE/.apt-src-updated"
  fi
}

# src_version PKG: the source version apt would fetch (e.g. 5.4.4-3+deb12u1).
src_version() {
  apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -V | tail -n 1
}

# fetch_source PKG: unpack Debian source PKG into $MACHINA_CACHE/src/PKG-<version>; sets SRC_DIR.
fetch_source() {
  local pkg="$1" ver upstream
  ver=$(src_version "$pkg")
  [[ -n "$ver" ]] || die "apt-cache showsrc $pkg found nothing (is deb-src configured?)"
  upstream=${ver#*:}
  upstream=${upstream%-*}
  local base="$MACHINA_CACHE/src/$pkg"
  SRC_DIR="$base/$pkg-$upstream"
  if [[ ! -f "$SRC_DIR/.unpacked" ]]; then
    rm -rf "$base"
    mkdir -p "$base"
    (cd "$base" && run apt-get -q source "$pkg=$ver")
    [[ -d "$SRC_DIR" ]] || die "apt-get source $pkg did not produce $SRC_DIR"
    touch "$SRC_DIR/.unpacked"
  fi
}

# check_static_riscv FILE: assert FILE is a static riscv64 ELF.
check_static_riscv() {
  local info
  command -v file >/dev/null || need_packages file
  info=$(file -b "$1")
  [[ "$info" == *RISC-V* && "$info" == *statically* ]] || die "$1 is not a static riscv64 ELF: $info"
}
