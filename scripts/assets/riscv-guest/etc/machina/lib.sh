# Helpers for the /etc/machina/*.sh workload scripts (sourced).
# Each script prints exactly one result line that bench/system_riscv.py parses:
#   machina-guest: result NAME ok|FAIL SECONDS s
# SECONDS is measured by the guest itself (/proc/uptime, 10 ms resolution).

# now: guest uptime in seconds (two decimals).
now() {
  read -r up _ </proc/uptime
  echo "$up"
}

# result NAME STATUS T0 T1: print the result line.
result() {
  echo "machina-guest: result $1 $2 $(awk "BEGIN { printf \"%.2f\", $4 - $3 }") s"
}
