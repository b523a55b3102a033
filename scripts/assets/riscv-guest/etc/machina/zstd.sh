# machina.script=zstd: compress the shipped 4 MiB mixed-data file with zstd (-15 on one thread,
# then -12 with one worker per CPU), decompress it, and check the round trip against the SHA-256
# recorded when the initramfs was built.
. /etc/machina/lib.sh
cd /tmp || exit 1
in=/usr/share/machina/mix.bin
t0=$(now)
zstd -q -f -T1 -15 "$in" -o mix.zst &&
  zstd -q -f -T0 -12 "$in" -o mix-mt.zst &&
  zstd -q -f -d mix.zst -o mix.out
rc=$?
t1=$(now)
status=ok
if [ $rc -ne 0 ] || [ "$(sha256sum <mix.out | cut -d' ' -f1)" != "$(cat /usr/share/machina/mix.sha256)" ]; then
  status=FAIL
fi
echo "machina-guest: zstd sizes $(wc -c <"$in") -> $(wc -c <mix.zst) (-15), $(wc -c <mix-mt.zst) (-12 -T0)"
result zstd $status "$t0" "$t1"
