#!/usr/bin/env python3
"""Start-up cost of machina-system-x86_64 on KVM, measured on a tiny guest.

For each run: time from exec to the first byte the guest writes to COM1 (the guest's first
instructions write it, so this bounds the time to the first guest instruction), time to exit, and
the VMM's peak resident memory. The tiny guest touches only the pages it is loaded into (a few KiB),
so peak RSS is, to within those pages, the VMM's own memory. Medians over --runs.

  bench/kvm_startup.py [--machina PATH] [--guest hello.bzImage] [--runs N] [--markdown]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(machina, guest, mem):
    cmd = [machina, "-kernel", guest, "-m", mem, "-nographic", "-device", "isa-debug-exit"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    first = proc.stdout.read(1)
    first_byte = time.perf_counter() - start
    proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    total = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if first != b"H" or code != 33:
        sys.exit(f"kvm_startup: unexpected run (first byte {first!r}, exit {code}): {' '.join(cmd)}")
    return first_byte, total, usage.ru_maxrss  # ru_maxrss is in KiB on Linux


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--machina", default=os.path.join(ROOT, "build/release/apps/machina-system-x86_64/machina-system-x86_64"))
    ap.add_argument("--guest", default=os.path.join(ROOT, "build/release/tests/guests/x86_64/hello.bzImage"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--markdown", action="store_true")
    opts = ap.parse_args()
    for path in (opts.machina, opts.guest):
        if not os.path.exists(path):
            sys.exit(f"kvm_startup: {path} is missing (build the release preset first)")
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        sys.exit("kvm_startup: /dev/kvm is not usable here")

    rows = []
    for mem in ("64M", "1G"):
        samples = [run_once(opts.machina, opts.guest, mem) for _ in range(opts.runs)]
        rows.append((mem,
                     statistics.median(s[0] for s in samples) * 1000,
                     statistics.median(s[1] for s in samples) * 1000,
                     statistics.median(s[2] for s in samples) / 1024))
    if opts.markdown:
        print("| guest RAM | exec → first serial byte (ms) | exec → exit (ms) | VMM peak RSS (MiB) |")
        print("|---|---:|---:|---:|")
        for mem, first, total, rss in rows:
            print(f"| {mem} | {first:.1f} | {total:.1f} | {rss:.1f} |")
    else:
        for mem, first, total, rss in rows:
            print(f"-m {mem:>4}: first byte {first:6.1f} ms, exit {total:6.1f} ms, peak RSS {rss:5.1f} MiB")


if __name__ == "__main__":
    main()
