#!/usr/bin/env python3
"""Attributes perf samples to translated blocks by guest pc.

perf cannot use /tmp/perf-PID.map for machina's code cache (it is a memfd mapping, which perf
treats as a file), so this joins `perf script` sample addresses with the map itself:

    MACHINA_PERFMAP=1 perf record -e cpu-clock -o perf.data machina-riscv64 prog args
    scripts/dev/jit_profile.py perf.data [--top N]

Prints the hottest blocks (share of all samples, guest pc, host entry, host size).
"""
import argparse
import bisect
import collections
import glob
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default="perf.data")
    ap.add_argument("--map", help="perf map file (default: the newest /tmp/perf-*.map)")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    path = args.map or max(glob.glob("/tmp/perf-*.map"), key=os.path.getmtime)
    entries = []
    with open(path) as f:
        for line in f:
            addr, size, name = line.split()
            entries.append((int(addr, 16), int(size, 16), name))
    entries.sort()
    starts = [e[0] for e in entries]
    out = subprocess.run(["perf", "script", "-i", args.data, "-F", "ip,dso"], capture_output=True,
                         text=True, check=True).stdout
    counts = collections.Counter()
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if not parts:
            continue
        total += 1
        ip = int(parts[0], 16)
        i = bisect.bisect_right(starts, ip) - 1
        if i >= 0 and ip < entries[i][0] + entries[i][1]:
            counts[i] += 1
        else:
            counts[parts[1] if len(parts) > 1 else "?"] += 1
    for key, n in counts.most_common(args.top):
        if isinstance(key, int):
            addr, size, name = entries[key]
            print(f"{100.0 * n / total:6.2f}%  {name:24} host {addr:#x} size {size}")
        else:
            print(f"{100.0 * n / total:6.2f}%  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
