#!/usr/bin/env bash
# check_debs.sh BUILD_DIR MANIFEST META_DEPENDS
# Runs cpack in BUILD_DIR, unpacks every .deb into its own scratch root with dpkg -x, and checks:
#  - every "package path" line of MANIFEST is a file in that package (binaries are executable ELF);
#  - no file is shipped by two packages;
#  - the meta-package "machina" depends on exactly META_DEPENDS.
set -euo pipefail
build=$1 manifest=$2 meta_depends=$(cat "$3")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

(cd "$build" && cpack -G DEB -B "$out/debs" >"$out/cpack.log" 2>&1) || {
  cat "$out/cpack.log"; echo "FAIL: cpack failed"; exit 1; }

fail=0
declare -A owner
for deb in "$out"/debs/*.deb; do
  pkg=$(dpkg-deb -f "$deb" Package)
  mkdir -p "$out/root/$pkg"
  dpkg -x "$deb" "$out/root/$pkg"
  while IFS= read -r f; do
    rel=${f#"$out/root/$pkg/"}
    if [ -n "${owner[$rel]:-}" ]; then
      echo "FAIL: $rel is in both ${owner[$rel]} and $pkg"; fail=1
    fi
    owner[$rel]=$pkg
  done < <(find "$out/root/$pkg" -type f)
  echo "package $pkg: $(find "$out/root/$pkg" -type f | wc -l) files"
done

while read -r pkg path; do
  [ -z "$pkg" ] && continue
  f="$out/root/$pkg/$path"
  if [ ! -f "$f" ]; then
    echo "FAIL: $path is not in package $pkg"; fail=1; continue
  fi
  if [[ "$path" == usr/bin/* ]]; then
    [ -x "$f" ] || { echo "FAIL: $path is not executable"; fail=1; }
    file -b "$f" | grep -q '^ELF 64-bit LSB' || { echo "FAIL: $path is not an x86-64 ELF"; fail=1; }
    "$f" --version >/dev/null 2>&1 || { echo "FAIL: $path --version did not run"; fail=1; }
  fi
  echo "ok: $pkg ships $path"
done < "$manifest"

meta_deb=$(ls "$out"/debs/machina_*.deb)
got=$(dpkg-deb -f "$meta_deb" Depends)
if [ "$got" != "$meta_depends" ]; then
  echo "FAIL: machina depends on '$got', expected '$meta_depends'"; fail=1
else
  echo "ok: machina depends on $got"
fi
[ $fail -eq 0 ] && echo "packaging: all checks passed"
exit $fail
