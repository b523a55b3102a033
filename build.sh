#!/usr/bin/env bash
# machina's one entry point for developers and CI.
#   ./build.sh demo     install deps, build, fetch/build the demo guest, run it
#   ./build.sh test     install deps, build (warnings are errors), build guest assets, check
#                       formatting, run every test
#   ./build.sh asan     the same tests on the ASan+UBSan build
#   ./build.sh package  build the Debian packages into build/release/packages
#   ./build.sh format   reformat the sources with clang-format
set -euo pipefail
cd "$(dirname "$0")"
jobs=$(nproc)

configure() { # preset [extra cmake args]
  local preset=$1; shift
  cmake --preset "$preset" "$@" >/dev/null
}
build() { cmake --build --preset "$1" -j "$jobs"; }

case "${1:-}" in
demo)
  scripts/install-deps.sh
  configure release
  build release
  scripts/demo.sh build/release
  ;;
test)
  scripts/install-deps.sh
  configure release -DMACHINA_WERROR=ON
  build release
  scripts/assets/build-all.sh
  scripts/check-format.sh
  ctest --preset release -j "$jobs" --timeout 900
  ;;
asan)
  scripts/install-deps.sh
  configure asan -DMACHINA_WERROR=ON
  build asan
  scripts/assets/build-all.sh
  ASAN_OPTIONS=detect_leaks=1 ctest --preset asan -j "$jobs" --timeout 1800 -LE packaging
  ;;
package)
  scripts/install-deps.sh
  configure release
  build release
  (cd build/release && cpack -G DEB)
  ls -1 build/release/packages/*.deb
  ;;
format)
  scripts/check-format.sh --fix
  ;;
*)
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
