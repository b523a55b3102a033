#!/usr/bin/env bash
# The x86-64 Linux guest for tests/integration/kvm/kvm_linux_test.cc (MACHINA_KVM_LINUX_TEST=1):
#   $MACHINA_CACHE/linux-x86_64/vmlinuz            Debian's cloud kernel (linux-image-cloud-amd64)
#   $MACHINA_CACHE/linux-x86_64/config             its config-* file
#   $MACHINA_CACHE/linux-x86_64/modules.txt        the modules /init loads, in load order
#   $MACHINA_CACHE/linux-x86_64/initramfs.cpio.gz  Debian's busybox-static, those modules, /init
# The two .deb files come from `apt-get download` (nothing is installed system-wide) and stay in
# $MACHINA_CACHE/src/linux-x86_64/. The virtio drivers and their dependencies are resolved with a
# modules.dep written by busybox's depmod; drivers the config builds in are left out.
# /init (below) prints `machina-x86: ...` lines: the modules it loaded, the CPUs, every virtio
# device with its driver, the first and last sector of /dev/vda, a DHCP lease on eth0 and the
# hw_random source; then `poweroff -f` (ACPI S5). About 10 s (a 27 MB download) the first time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
assets_init linux-x86_64

META=linux-image-cloud-amd64
# Drivers /init loads, with the config symbol that decides whether each is a module.
WANTED=(virtio_mmio:VIRTIO_MMIO virtio_blk:VIRTIO_BLK virtio_net:VIRTIO_NET
  virtio_console:VIRTIO_CONSOLE virtio_rng:HW_RANDOM_VIRTIO)

# The versioned package the meta-package points at (linux-image-6.1.0-NN-cloud-amd64).
kernel_package() {
  apt-cache depends "$META" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}
KPKG=$(kernel_package)
if [[ -z "$KPKG" ]]; then
  [[ $(id -u) == 0 ]] || die "apt-cache knows no $META (run apt-get update as root)"
  apt_retry update
  KPKG=$(kernel_package)
  [[ -n "$KPKG" ]] || die "apt-cache depends $META names no linux-image-* package"
fi
candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }
KVER_DEB=$(candidate "$KPKG")
BB_VER=$(candidate busybox-static)
[[ -n "$KVER_DEB" && "$KVER_DEB" != "(none)" ]] || die "no candidate version of $KPKG"
[[ -n "$BB_VER" && "$BB_VER" != "(none)" ]] || die "no candidate version of busybox-static"
VERSION="$KPKG-$KVER_DEB+busybox-$BB_VER-$(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-12)"
if assets_up_to_date "$VERSION" && [[ -f "$ASSET_DIR/vmlinuz" && -f "$ASSET_DIR/initramfs.cpio.gz" ]]; then
  assets_skip "$VERSION"
  exit 0
fi
command -v file >/dev/null || need_packages file

# download PKG VERSION: the .deb in $DEBS (apt-get download names it PKG_VERSION_amd64.deb, with
# the epoch's colon as %3a); prints its path.
DEBS="$MACHINA_CACHE/src/linux-x86_64"
mkdir -p "$DEBS"
download() {
  local deb="$DEBS/${1}_${2//:/%3a}_amd64.deb"
  if [[ ! -f "$deb" ]]; then
    rm -f "$DEBS/${1}"_*.deb
    (cd "$DEBS" && run apt-get -q download "$1=$2")
    [[ -f "$deb" ]] || die "apt-get download $1=$2 did not write $deb"
  fi
  echo "$deb"
}
KDEB=$(download "$KPKG" "$KVER_DEB")
BBDEB=$(download busybox-static "$BB_VER")

WORK="$DEBS/work"
rm -rf "$WORK"
mkdir -p "$WORK/kernel" "$WORK/busybox"
run dpkg-deb -x "$KDEB" "$WORK/kernel"
run dpkg-deb -x "$BBDEB" "$WORK/busybox"
BUSYBOX="$WORK/busybox/bin/busybox"
info=$(file -b "$BUSYBOX")
[[ "$info" == *x86-64* && "$info" == *statically* ]] || die "$BUSYBOX is not a static x86-64 ELF: $info"
VMLINUZ=$(find "$WORK/kernel/boot" -name 'vmlinuz-*' | head -n 1)
[[ -n "$VMLINUZ" ]] || die "$KDEB has no boot/vmlinuz-*"
KREL=${VMLINUZ##*/vmlinuz-}
CONFIG="$WORK/kernel/boot/config-$KREL"
MODDIR="$WORK/kernel/lib/modules/$KREL"
[[ -f "$CONFIG" && -d "$MODDIR" ]] || die "$KDEB lacks config-$KREL or lib/modules/$KREL"

# The package ships no modules.dep (the postinst runs depmod): busybox's depmod writes one.
run "$BUSYBOX" depmod -b "$WORK/kernel" "$KREL"
[[ -s "$MODDIR/modules.dep" ]] || die "depmod wrote no $MODDIR/modules.dep"

# resolve PATH: append PATH's dependencies (from modules.dep), then PATH, to ORDER, once each.
ORDER=()
resolve() {
  local path="$1" line dep seen
  for seen in ${ORDER[@]+"${ORDER[@]}"}; do [[ "$seen" == "$path" ]] && return 0; done
  line=$(grep -m1 "^$path:" "$MODDIR/modules.dep") || die "modules.dep has no entry for $path"
  for dep in ${line#*:}; do resolve "$dep"; done
  ORDER+=("$path")
}
BUILTIN=()
for entry in "${WANTED[@]}"; do
  mod=${entry%%:*} sym=CONFIG_${entry#*:}
  setting=$(grep -m1 -E "^$sym=" "$CONFIG" | cut -d= -f2 || true)
  case "$setting" in
    y) BUILTIN+=("$mod") ;;
    m)
      # Module names use '_' where file names may use '-' (virtio_rng is virtio-rng.ko).
      path=$(grep -m1 -E "/${mod//_/[-_]}\.ko:" "$MODDIR/modules.dep" | cut -d: -f1) ||
        die "$sym=m but no ${mod}.ko in modules.dep"
      resolve "$path"
      ;;
    *) die "$KREL does not build $mod ($sym is '${setting:-unset}')" ;;
  esac
done

ROOT="$WORK/root"
mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,etc/machina,"lib/modules/$KREL"}
ln -s bin "$ROOT/sbin"
install -m 0755 "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [[ "$applet" == busybox || -e "$ROOT/bin/$applet" ]] || ln -s busybox "$ROOT/bin/$applet"
done
: >"$ASSET_DIR/modules.txt.tmp"
for path in "${ORDER[@]}"; do
  mkdir -p "$(dirname "$ROOT/lib/modules/$KREL/$path")"
  cp "$MODDIR/$path" "$ROOT/lib/modules/$KREL/$path"
  echo "/lib/modules/$KREL/$path" >>"$ROOT/etc/machina/modules"
  echo "$path" >>"$ASSET_DIR/modules.txt.tmp"
done
touch "$ROOT/etc/machina/modules"

cat >"$ROOT/etc/machina/udhcpc.sh" <<'EOF'
#!/bin/sh
# udhcpc's event script: record the lease for /init, configure nothing.
[ "$1" = bound ] && echo "$interface $ip router $router" >/tmp/dhcp
exit 0
EOF
chmod 0755 "$ROOT/etc/machina/udhcpc.sh"

cat >"$ROOT/init" <<'EOF'
#!/bin/sh
# /init of machina's x86-64 test initramfs (written by scripts/assets/linux-x86.sh): loads the
# virtio modules, reports what the guest sees as `machina-x86: ...` lines, and powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
dmesg -n 1 # keep kernel messages from splitting the report lines
say() { echo "machina-x86: $*"; }
say "init reached (Linux $(uname -r), pid $$)"
while read -r mod; do
  name=${mod##*/}
  if insmod "$mod"; then say "insmod ${name%.ko} ok"; else say "insmod ${name%.ko} FAILED"; fi
done </etc/machina/modules
say "cpus $(nproc) online $(cat /sys/devices/system/cpu/online)"

count=0
for dev in /sys/bus/virtio/devices/*; do
  [ -e "$dev/device" ] || continue
  count=$((count + 1))
  driver=none
  [ -e "$dev/driver" ] && driver=$(basename "$(readlink "$dev/driver")")
  say "virtio ${dev##*/} device $(cat "$dev/device") driver $driver"
done
say "virtio devices $count"

i=0
while [ ! -b /dev/vda ] && [ $i -lt 20 ]; do sleep 0.25; i=$((i + 1)); done
if [ -b /dev/vda ]; then
  sectors=$(cat /sys/block/vda/size)
  say "disk vda sectors $sectors"
  say "disk head: $(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1)"
  say "disk tail: $(dd if=/dev/vda bs=512 skip=$((sectors - 1)) count=1 2>/dev/null | head -n 1)"
else
  say "disk vda missing"
fi

if ip link show eth0 >/dev/null 2>&1; then
  say "net eth0 $(cat /sys/class/net/eth0/address)"
  ip link set lo up
  ip link set eth0 up
  udhcpc -i eth0 -f -q -n -t 5 -T 2 -s /etc/machina/udhcpc.sh >/dev/null 2>&1
  if [ -s /tmp/dhcp ]; then say "dhcp $(cat /tmp/dhcp)"; else say "dhcp eth0 failed"; fi
else
  say "net eth0 missing"
fi

rng=/sys/class/misc/hw_random/rng_current
[ -r $rng ] && say "rng $(cat $rng)"

say "done, powering off"
sync
poweroff -f
EOF
chmod 0755 "$ROOT/init"

run python3 "$ASSETS_REPO_ROOT/scripts/assets/riscv-guest/mkcpio.py" "$ROOT" "$ASSET_DIR/initramfs.cpio.gz.tmp"
mv "$ASSET_DIR/initramfs.cpio.gz.tmp" "$ASSET_DIR/initramfs.cpio.gz"
mv "$ASSET_DIR/modules.txt.tmp" "$ASSET_DIR/modules.txt"
cp "$CONFIG" "$ASSET_DIR/config"
cp "$VMLINUZ" "$ASSET_DIR/vmlinuz.tmp"
mv "$ASSET_DIR/vmlinuz.tmp" "$ASSET_DIR/vmlinuz"
rm -rf "$WORK"
builtin_note=${BUILTIN[*]:+, built in: ${BUILTIN[*]}}
size=$(($(stat -c %s "$ASSET_DIR/initramfs.cpio.gz") / 1024))
assets_done "$VERSION" "vmlinuz $KREL + initramfs (${size} KiB, ${#ORDER[@]} modules$builtin_note)"
