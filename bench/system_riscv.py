#!/usr/bin/env python3
"""Measures machina-system-riscv64 against qemu-system-riscv64 booting the same Linux guest.

Both emulators get the same command line: `-M virt`, OpenSBI fw_dynamic.bin, the kernel Image and
initramfs from scripts/assets/ (linux-riscv.sh, initramfs-riscv.sh), and
`-append "console=ttyS0 machina.script=NAME"`. The guest's /init runs /etc/machina/NAME.sh and
powers off. For each workload and emulator it takes the median of N runs of:
  boot  wall time from exec to the "machina-guest: init reached" line, and to the emulator's exit
  lua   the Lua CPU workload: wall time from exec to the end of the script, and the time the
        guest measured itself
  zstd  zstd compress/decompress of 4 MiB: the same two figures
and prints a table with machina/qemu ratios. A missing or failing machina is reported, and QEMU is
still measured. Benchmarks are never ctest tests.

    bench/system_riscv.py [--machina PATH] [--qemu PATH] [--only boot,lua,zstd] [--runs N]
                          [--smp N] [--emulators qemu,machina] [--markdown]
"""

import argparse
import datetime
import os
import re
import statistics
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts" / "assets" / "riscv-guest"))
from guest_console import Console, ConsoleError  # noqa: E402
from smoke import FIRMWARE, MARKER, guest_argv  # noqa: E402
from run import cpu_model  # noqa: E402  (bench/run.py)

WORKLOADS = {
    "boot": "OpenSBI + Linux to /init's marker line, then poweroff",
    "lua": "workload.lua (spectral norm, fib, strings, sort) inside the guest",
    "zstd": "zstd -9 -T1, -3 -T0 and -d of 4 MiB mixed data inside the guest",
}
RESULT = re.compile(r"machina-guest: result (\S+) (ok|FAIL) ([0-9.]+) s")


def find_machina(explicit):
    """--machina, else $MACHINA_SYSTEM_RISCV64, else the newest build/*/... that is not a
    sanitizer build (a stale build/release must not win over a fresh one)."""
    if explicit:
        return os.path.abspath(explicit)
    if os.environ.get("MACHINA_SYSTEM_RISCV64"):
        return os.path.abspath(os.environ["MACHINA_SYSTEM_RISCV64"])
    rel = "apps/machina-system-riscv64/machina-system-riscv64"
    found = sorted((p for p in REPO.glob(f"build/*/{rel}") if "san" not in p.parts[-4]),
                   key=lambda p: p.stat().st_mtime)
    return str(found[-1]) if found else ""


def one_run(emulator, name, opts, notes, label):
    """Boots the guest with machina.script=name once. Returns {metric: seconds}; raises ConsoleError
    when the guest does not get through its script. An emulator that does not exit after the guest
    powered off is noted (its "to exit" figure is missing) but its other figures count."""
    append = f"console=ttyS0 machina.script={name}"
    argv = guest_argv(emulator, opts.smp, opts.mem, opts.kernel, opts.initrd, opts.bios, append)
    con = Console(argv)
    try:
        m = con.expect(MARKER + r".*guest uptime ([0-9.]+) s", opts.timeout)
        figures = {"to init marker": con.elapsed(), "guest uptime at marker": float(m.group(1))}
        if name != "boot":
            r = con.expect(RESULT.pattern, opts.timeout)
            if r.group(1) != name or r.group(2) != "ok":
                raise ConsoleError(f"guest reported {r.group(0)!r}\n{con.tail()}")
            figures["guest-timed"] = float(r.group(3))
        con.expect(rf"machina-guest: script {name} exit 0", opts.timeout)
        if name != "boot":
            figures["wall to script end"] = con.elapsed()
        try:
            status = con.wait_exit(opts.exit_timeout)
        except ConsoleError:
            notes.append(f"{label} {name}: still running {opts.exit_timeout:.0f} s after the guest "
                         "powered off (killed)")
            return figures
        if status != 0:
            notes.append(f"{label} {name}: exit status {status} after the guest powered off")
            return figures
        figures["to exit"] = con.elapsed()
        return figures
    finally:
        con.kill()


def measure(emulators, name, opts, notes):
    """opts.runs runs of workload `name` on every emulator, interleaved (qemu, machina, qemu, ...)
    so that both see the same host conditions (this machine is shared and its speed drifts).
    Returns {label: {metric: median seconds}} with None for an emulator that failed (noted)."""
    samples = {label: [] for label in emulators}
    failed = set()
    for _ in range(opts.runs):
        for label, emulator in emulators.items():
            if label in failed:
                continue
            try:
                samples[label].append(one_run(emulator, name, opts, notes, label))
            except ConsoleError as e:
                lines = str(e).strip().splitlines()
                notes.append(f"{label} {name}: FAILED: {lines[0]}\n    " + "\n    ".join(lines[-8:]))
                failed.add(label)
    results = {}
    for label in emulators:
        if label in failed:
            results[label] = None
            continue
        runs = samples[label]
        keys = [k for k in runs[0] if all(k in r for r in runs)]
        result = {k: statistics.median(r[k] for r in runs) for k in keys}
        shown = ", ".join(f"{k} {v:.2f} s" for k, v in result.items())
        print(f"  {label:8} {name:5} {shown}", file=sys.stderr, flush=True)
        results[label] = result
    return results


def render(rows, markdown):
    """rows: [(label, qemu seconds or None/str, machina seconds or None/str)] -> table text."""
    header = ["measurement", "qemu s", "machina s", "machina/qemu"]
    body = []
    for label, q, m in rows:
        cell = lambda v: f"{v:.2f}" if isinstance(v, float) else (v or "-")
        ratio = f"{m / q:.2f}x" if isinstance(q, float) and isinstance(m, float) and q > 0 else "-"
        body.append([label, cell(q), cell(m), ratio])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---|---:|---:|---:|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *[fmt(r) for r in body]])


def main():
    cache = Path(os.environ.get("MACHINA_CACHE", Path.home() / ".cache" / "machina"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--machina", default="", help="machina-system-riscv64 binary (default: the newest non-sanitizer build/*)")
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--emulators", default="qemu,machina", help="which to run (default: %(default)s)")
    ap.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated subset of boot,lua,zstd")
    ap.add_argument("--runs", type=int, default=3, help="runs per workload and emulator; median reported")
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--kernel", default=str(cache / "linux-riscv64" / "Image"))
    ap.add_argument("--initrd", default=str(cache / "initramfs-riscv64" / "initramfs.cpio.gz"))
    ap.add_argument("--bios", default=FIRMWARE)
    ap.add_argument("--timeout", type=float, default=600, help="seconds for one phase of one run")
    ap.add_argument("--exit-timeout", type=float, default=15,
                    help="seconds the emulator gets to exit after the guest powered off")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table for docs/PERFORMANCE.md")
    opts = ap.parse_args()
    names = [n for n in opts.only.split(",") if n]
    if any(n not in WORKLOADS for n in names) or not names:
        ap.error(f"--only takes a subset of {','.join(WORKLOADS)}")
    if opts.runs < 1:
        ap.error("--runs must be at least 1")
    for path, how in ((opts.kernel, "scripts/assets/linux-riscv.sh"),
                      (opts.initrd, "scripts/assets/initramfs-riscv.sh"), (opts.bios, "apt-get install opensbi")):
        if not Path(path).is_file():
            print(f"system_riscv: {path} missing ({how})", file=sys.stderr)
            return 2

    notes = []
    wanted = [e for e in opts.emulators.split(",") if e]
    if not wanted or any(e not in ("qemu", "machina") for e in wanted):
        ap.error("--emulators takes qemu, machina or both")
    emulators = {"qemu": opts.qemu} if "qemu" in wanted else {}
    machina = find_machina(opts.machina)
    if "machina" not in wanted:
        pass
    elif not machina or not os.access(machina, os.X_OK):
        notes.append(f"machina: skipped, {machina or 'machina-system-riscv64'} not found "
                     "(build it or pass --machina)")
    else:
        emulators["machina"] = machina
    results = {}
    for name in names:
        for label, result in measure(emulators, name, opts, notes).items():
            results[(label, name)] = result
        if "machina" in emulators and results.get(("machina", "boot"), {}) is None:
            notes.append("machina: boot failed, its other workloads were not run")
            emulators.pop("machina")

    rows = []
    for name in names:
        metrics = []
        for label in emulators:
            for k in results.get((label, name)) or {}:
                if k not in metrics:
                    metrics.append(k)
        for k in metrics or ["(no result)"]:
            cells = []
            for label in ("qemu", "machina"):
                r = results.get((label, name))
                cells.append(r.get(k) if r else ("FAIL" if (label, name) in results else None))
            rows.append((f"{name}: {k}", *cells))

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"machina system bench (riscv64 virt), {when}, {cpu_model()}, {os.cpu_count()} CPUs, "
          f"median of {opts.runs} interleaved run(s), -smp {opts.smp} -m {opts.mem}, wall-clock seconds unless "
          f"guest-timed, load average {os.getloadavg()[0]:.1f}")
    print(f"qemu = {opts.qemu}; machina = {emulators.get('machina', 'not run')}")
    print()
    print(render(rows, opts.markdown))
    if notes:
        print()
        for n in dict.fromkeys(notes):
            print(f"{'- ' if opts.markdown else ''}note: {n}")
    failed = any(v is None for v in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
