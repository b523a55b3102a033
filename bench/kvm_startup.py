#!/usr/bin/env python3
"""Start-up cost and memory of machina-system-x86_64 on KVM, measured on a tiny guest.

Times (medians over --runs, in ms, from the moment just before the spawn):
  exec -> main           process start: spawn, dynamic loading, static constructors
  exec -> first KVM_RUN  host-side set-up done: the vCPU thread enters KVM_RUN (the issue's
                         "first guest instruction"; the guest's first instruction runs inside it)
  exec -> first exit     KVM_RUN returned for the first time: the guest's first OUT to COM1
  exec -> serial byte    the first byte read from machina's stdout by this script
  exec -> exit           wait4 returned (includes KVM's VM teardown in the kernel)
machina stamps the milestones itself when MACHINA_STARTUP_TRACE=1 (CLOCK_MONOTONIC, the same
clock as time.monotonic_ns()), see src/boards/x86_pc/startup_trace.h.

Memory (KiB, medians): machina reads /proc/self/smaps when the guest stops: total RSS, private
pages, file-backed pages (executable + shared libraries), guest-RAM pages, VmHWM, and the
VMM's own memory = RSS - guest RAM touched. A second measurement reads /proc/PID/smaps from
outside while a guest waits for serial input, as a cross-check that does not trust machina.
(ru_maxrss from wait4 is not used: exec keeps the high-water mark of the image it replaces, so
it reports this Python process's size.)

  bench/kvm_startup.py [--build DIR] [--machina PATH] [--guest-dir DIR] [--runs N] [--fifo]
                       [--markdown]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACE_EVENTS = ("main", "first-kvm-run", "first-kvm-exit", "first-serial-byte", "torn-down")
# Milestones in order, for the breakdown of where the time goes (each from the one before).
PHASES = ("main", "board-start", "files-read", "kvm-opened", "memory-mapped", "guest-loaded",
          "irqchip-created", "machine-built", "first-kvm-run", "first-kvm-exit",
          "first-serial-byte", "guest-stopped", "torn-down")


def machina_cmd(machina, guest, mem):
    return [machina, "-kernel", guest, "-m", mem, "-nographic", "-device", "isa-debug-exit"]


def run_once(machina, guest, mem):
    """One traced run of the hello guest; returns a dict of figures."""
    cmd = machina_cmd(machina, guest, mem)
    env = dict(os.environ, MACHINA_STARTUP_TRACE="1")
    t0 = time.monotonic_ns()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)
    first = proc.stdout.read(1)
    t_byte = time.monotonic_ns()
    proc.stdout.read()
    err = proc.stderr.read().decode(errors="replace")
    _, status, _ = os.wait4(proc.pid, 0)
    t_exit = time.monotonic_ns()
    code = os.waitstatus_to_exitcode(status)
    if first != b"H" or code != 33:
        sys.exit(f"kvm_startup: unexpected run (first byte {first!r}, exit {code}): "
                 f"{' '.join(cmd)}\n{err}")
    stamps, memory, libs_seen = {}, {}, []
    for line in err.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[0] != "machina-trace:":
            continue
        if parts[1] == "memory":
            memory.update({k: int(v) for k, v in (p.split("=") for p in parts[2:])})
        elif parts[1] == "files":
            files = {k: int(v) for k, v in (p.rsplit("=", 1) for p in parts[2:])}
            memory["libs"] = sum(v for k, v in files.items() if ".so" in k)
            memory["exe"] = files.get(os.path.basename(machina), 0)
            libs_seen.append(" ".join(sorted(k for k in files if ".so" in k)))
        else:
            stamps[parts[1]] = int(parts[2])
    missing = [e for e in TRACE_EVENTS if e not in stamps]
    if missing or not memory:
        sys.exit(f"kvm_startup: machina did not report {missing or 'memory'} "
                 f"(built without MACHINA_STARTUP_TRACE support?)\n{err}")
    ms = lambda t: (t - t0) / 1e6
    phases = {}
    previous = t0
    for name in PHASES:
        if name in stamps:
            phases["phase_" + name] = (stamps[name] - previous) / 1e6
            previous = stamps[name]
    return {
        **phases,
        "main": ms(stamps["main"]),
        "built": ms(stamps.get("machine-built", stamps["first-kvm-run"])),
        "run": ms(stamps["first-kvm-run"]),
        "first_exit": ms(stamps["first-kvm-exit"]),
        "byte_host": ms(stamps["first-serial-byte"]),
        "byte": ms(t_byte),
        "torn_down": ms(stamps["torn-down"]),
        "exit": ms(t_exit),
        **{"mem_" + k: v for k, v in memory.items()},
        "libraries": libs_seen[0] if libs_seen else "",
    }


def smaps_outside(pid, ram_bytes):
    """RSS figures of a running machina from /proc/PID/smaps; guest RAM = the anonymous mapping
    of exactly the guest's RAM size."""
    out = {"rss": 0, "private": 0, "file": 0, "guest_ram": 0}
    guest = anon = False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                anon = head[4] == "0"
                guest = anon and hi - lo == ram_bytes
                continue
            if head[0] == "Rss:":
                kib = int(head[1])
                out["rss"] += kib
                out["guest_ram"] += kib if guest else 0
                out["file"] += 0 if anon else kib
            elif head[0] in ("Private_Clean:", "Private_Dirty:"):
                out["private"] += int(head[1])
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                out["hwm"] = int(line.split()[1])
    out["vmm_own"] = out["rss"] - out["guest_ram"]
    return out


def memory_outside(machina, guest, mem, ram_bytes):
    """Starts the serial_echo guest, waits for its prompt (the guest is then idle, waiting for a
    line), reads smaps from outside, then sends the line that ends it."""
    cmd = machina_cmd(machina, guest, mem)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    buf = b""
    while b"ready" not in buf:
        chunk = proc.stdout.read1(256)
        if not chunk:
            sys.exit(f"kvm_startup: serial_echo guest ended early: {buf!r}")
        buf += chunk
    time.sleep(0.05)
    figures = smaps_outside(proc.pid, ram_bytes)
    proc.stdin.write(b"bye\n")
    proc.stdin.close()
    proc.stdout.read()
    proc.wait()
    return figures


def spawn_baseline(runs):
    """exec -> exit of /bin/true through the same spawn path: the floor under every figure."""
    samples = []
    for _ in range(runs):
        t0 = time.monotonic_ns()
        subprocess.run(["/bin/true"], stdin=subprocess.DEVNULL)
        samples.append((time.monotonic_ns() - t0) / 1e6)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build/release"),
                    help="build directory holding the emulator and the test guests")
    ap.add_argument("--machina", help="machina-system-x86_64 (default: from --build)")
    ap.add_argument("--guest-dir", help="built x86-64 test guests (default: from --build)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--fifo", action="store_true",
                    help="run this script and machina under SCHED_FIFO (needs root): less noise "
                    "from other load on a shared machine")
    ap.add_argument("--markdown", action="store_true")
    opts = ap.parse_args()
    machina = os.path.abspath(opts.machina or os.path.join(
        opts.build, "apps/machina-system-x86_64/machina-system-x86_64"))
    guests = os.path.abspath(opts.guest_dir or os.path.join(opts.build, "tests/guests/x86_64"))
    hello = os.path.join(guests, "hello.bzImage")
    echo = os.path.join(guests, "serial_echo.bzImage")
    for path in (machina, hello, echo):
        if not os.path.exists(path):
            sys.exit(f"kvm_startup: {path} is missing (build the release preset first)")
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        sys.exit("kvm_startup: /dev/kvm is not usable here")

    if opts.fifo:
        # Children inherit the policy; setting it here keeps subprocess's fast vfork path.
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    baseline = spawn_baseline(opts.runs)
    rows = []
    for mem, ram_bytes in (("64M", 64 << 20), ("1G", 1 << 30)):
        run_once(machina, hello, mem)  # warm the page cache
        samples = [run_once(machina, hello, mem) for _ in range(opts.runs)]
        med = {k: statistics.median(s[k] for s in samples) for k in samples[0] if k != "libraries"}
        med["libraries"] = samples[-1]["libraries"]
        med["run_max"] = max(s["run"] for s in samples)
        outside = memory_outside(machina, echo, mem, ram_bytes)
        rows.append((mem, med, outside))

    if opts.markdown:
        print(f"Medians of {opts.runs} runs; spawning /bin/true the same way takes "
              f"{baseline:.2f} ms (included below).\n")
        print("| guest RAM | exec → main | exec → first KVM_RUN | exec → first KVM exit | "
              "exec → first serial byte (written / read by bench) | exec → exit |")
        print("|---|---:|---:|---:|---:|---:|")
        for mem, m, _ in rows:
            print(f"| {mem} | {m['main']:.2f} | {m['run']:.2f} (max {m['run_max']:.2f}) | "
                  f"{m['first_exit']:.2f} | {m['byte_host']:.2f} / {m['byte']:.2f} | "
                  f"{m['exit']:.1f} |")
        print("\n| guest RAM | measured | RSS | private | PSS | file-backed (shared libs) | "
              "guest RAM | VmHWM | VMM own (RSS − guest RAM) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for mem, m, o in rows:
            print(f"| {mem} | inside, hello at exit | {m['mem_rss']/1024:.2f} | "
                  f"{m['mem_private']/1024:.2f} | {m['mem_pss']/1024:.2f} | "
                  f"{m['mem_file']/1024:.2f} ({m['mem_libs']/1024:.2f}) | "
                  f"{m['mem_guest_ram']/1024:.2f} | {m['mem_hwm']/1024:.2f} | "
                  f"**{m['mem_vmm_own']/1024:.2f}** |")
            print(f"| {mem} | outside, serial_echo idle | {o['rss']/1024:.2f} | "
                  f"{o['private']/1024:.2f} | – | {o['file']/1024:.2f} | "
                  f"{o['guest_ram']/1024:.2f} | {o['hwm']/1024:.2f} | **{o['vmm_own']/1024:.2f}** |")
        print(f"\nShared libraries mapped: {rows[0][1]['libraries']}")
        print("\nWhere the time goes (-m 64M, medians, ms from the previous milestone):\n")
        names = [n for n in PHASES if "phase_" + n in rows[0][1]]
        print("| " + " | ".join(names) + " |")
        print("|" + "---:|" * len(names))
        print("| " + " | ".join(f"{rows[0][1]['phase_' + n]:.2f}" for n in names) + " |")
        return
    print(f"spawn baseline (/bin/true): {baseline:.2f} ms; medians of {opts.runs} runs")
    print("phases (ms, median, each from the previous milestone): " + ", ".join(
        f"{name} {rows[0][1]['phase_' + name]:.2f}" for name in PHASES
        if "phase_" + name in rows[0][1]))
    for mem, m, o in rows:
        print(f"-m {mem:>3}: exec->main {m['main']:5.2f} ms, ->first KVM_RUN {m['run']:5.2f} ms "
              f"(max {m['run_max']:.2f}), ->first exit {m['first_exit']:5.2f} ms, "
              f"->serial byte {m['byte_host']:5.2f} ms (read {m['byte']:5.2f}), "
              f"->exit {m['exit']:5.1f} ms (torn down {m['torn_down']:.1f})")
        print(f"        inside:  RSS {m['mem_rss']/1024:.2f} MiB = guest RAM "
              f"{m['mem_guest_ram']/1024:.2f} + VMM own {m['mem_vmm_own']/1024:.2f} MiB "
              f"(private {m['mem_private']/1024:.2f}, file-backed {m['mem_file']/1024:.2f}, "
              f"PSS {m['mem_pss']/1024:.2f}, VmHWM {m['mem_hwm']/1024:.2f})")
        print(f"                 of which shared libraries {m['mem_libs']/1024:.2f} MiB, "
              f"executable {m['mem_exe']/1024:.2f} MiB, anonymous {m['mem_anon']/1024:.2f} MiB "
              f"(incl. guest RAM); libraries: {m['libraries']}")
        print(f"        outside: RSS {o['rss']/1024:.2f} MiB = guest RAM "
              f"{o['guest_ram']/1024:.2f} + VMM own {o['vmm_own']/1024:.2f} MiB "
              f"(private {o['private']/1024:.2f}, file-backed {o['file']/1024:.2f}, "
              f"VmHWM {o['hwm']/1024:.2f})")


if __name__ == "__main__":
    main()
