# machina.script=lua: the Lua CPU workload (tests/integration/real_programs/lua/workload.lua at the
# scale in lua.scale); its output must equal the native run's, recorded when the initramfs was built.
. /etc/machina/lib.sh
cd /usr/share/machina || exit 1
t0=$(now)
lua workload.lua "$(cat lua.scale)" >/tmp/lua.out
rc=$?
t1=$(now)
status=ok
if [ $rc -ne 0 ] || ! cmp -s /tmp/lua.out lua.expected; then
  status=FAIL
  cat /tmp/lua.out
fi
result lua $status "$t0" "$t1"
