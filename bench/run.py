#!/usr/bin/env python3
"""Measures machina-riscv64 against qemu-riscv64 and native x86-64 on real programs and CPU kernels.

For each workload (bench/workloads.py) it runs the native build, qemu-riscv64 and machina-riscv64
(-accel interp, and -accel dbt when that works) N times, takes the median wall time, checks every run
printed the same bytes as the native run, and prints a table with ratios and geometric means.
Assets come from scripts/assets/build-all.sh. Benchmarks are never ctest tests.

    bench/run.py [--machina PATH] [--only NAME[,NAME]] [--runs N] [--markdown]
                 [--modes native,qemu,interp,dbt] [--metric wall|cpu] [--size full|small]
"""

import argparse
import datetime
import hashlib
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
from workloads import REPO, WORKLOADS, prepare_inputs  # noqa: E402

MODES = ["native", "qemu", "interp", "dbt"]


def find_machina(explicit):
    """--machina, else $MACHINA_RISCV64, else the newest non-sanitizer build/*/apps/machina-riscv64/..."""
    # Absolute paths: workloads run with their own working directory.
    if explicit:
        return os.path.abspath(explicit)
    if os.environ.get("MACHINA_RISCV64"):
        return os.path.abspath(os.environ["MACHINA_RISCV64"])
    found = sorted((p for p in REPO.glob("build/*/apps/machina-riscv64/machina-riscv64")
                    if "san" not in p.parts[-4]),  # never a sanitizer build
                   key=lambda p: p.stat().st_mtime)
    return str(found[-1]) if found else ""


class Runner:
    """Turns (workload, mode) into a command line."""

    def __init__(self, cache, qemu, machina):
        self.cache, self.qemu, self.machina = cache, qemu, machina

    def command(self, wl, mode, inputs):
        args = wl.argv(inputs)
        if mode == "native":
            return [str(wl.program(self.cache, "native")), *args]
        prog = str(wl.program(self.cache, "riscv64"))
        if mode == "qemu":
            return [self.qemu, prog, *args]
        return [self.machina, "-accel", mode, prog, *args]


def timed_run(cmd, cwd, timeout, metric):
    """Runs cmd with stdout to a temp file; returns (seconds, exit status, sha256 of stdout, stderr tail).
    metric "wall" is elapsed time; "cpu" is the child's user + system time (steadier on a busy host)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        except OSError as e:
            return 0.0, f"exec failed: {e}", "", ""
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, wait_status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        timed_out = not timer.is_alive()
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(wait_status)
        if timed_out:
            return timeout, "timeout", "", ""
        out.seek(0)
        digest = hashlib.sha256()
        for block in iter(lambda: out.read(1 << 20), b""):
            digest.update(block)
        err.seek(0)
        tail = err.read()[-300:].decode(errors="replace")
    secs = usage.ru_utime + usage.ru_stime if metric == "cpu" else elapsed
    return secs, proc.returncode, digest.hexdigest(), tail


def probe_machina(runner, timeout):
    """Which machina modes run a small kernel correctly: {mode: None or reason it is unavailable}."""
    result = {}
    if not runner.machina:
        return {m: "machina-riscv64 not found (build it or pass --machina)" for m in ("interp", "dbt")}
    if not os.access(runner.machina, os.X_OK):
        return {m: f"{runner.machina} is not executable" for m in ("interp", "dbt")}
    native = Path(runner.cache) / "kernels" / "native" / "intmix"
    rv = Path(runner.cache) / "kernels" / "riscv64" / "intmix"
    if not native.exists() or not rv.exists():
        return {m: "probe needs scripts/assets/kernels.sh" for m in ("interp", "dbt")}
    want = subprocess.run([str(native), "20000"], capture_output=True).stdout
    for mode in ("interp", "dbt"):
        try:
            got = subprocess.run([runner.machina, "-accel", mode, str(rv), "20000"], capture_output=True,
                                 timeout=timeout)
            ok = got.returncode == 0 and got.stdout == want
            result[mode] = None if ok else (f"-accel {mode} probe failed (exit {got.returncode}): "
                                            f"{got.stderr.decode(errors='replace').strip()[-120:]}")
        except subprocess.TimeoutExpired:
            result[mode] = f"-accel {mode} probe timed out"
    return result


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def ratio_columns(modes):
    """(label, numerator mode, denominator mode) for every ratio worth printing."""
    cols = []
    if "qemu" in modes:
        cols.append(("qemu/native", "qemu", "native"))
    for m in ("interp", "dbt"):
        if m in modes:
            cols.append((f"{m}/native", m, "native"))
            if "qemu" in modes:
                cols.append((f"{m}/qemu", m, "qemu"))
    return cols


def render_table(rows, modes, markdown):
    """rows: [(workload name, {mode: seconds or error string})] -> table text with ratios and geomeans."""
    rcols = ratio_columns(modes)
    header = ["workload", *[f"{m} s" for m in modes], *[c[0] for c in rcols]]
    body, ratios = [], {c[0]: [] for c in rcols}
    for name, times in rows:
        cells = [name]
        for m in modes:
            t = times.get(m)
            cells.append(f"{t:.3f}" if isinstance(t, float) else (t or "-"))
        for label, a, b in rcols:
            ta, tb = times.get(a), times.get(b)
            if isinstance(ta, float) and isinstance(tb, float) and tb > 0:
                ratios[label].append(ta / tb)
                cells.append(f"{ta / tb:.2f}x")
            else:
                cells.append("-")
        body.append(cells)
    geo = ["geomean", *["" for _ in modes]]
    for label, _, _ in rcols:
        g = geomean(ratios[label])
        geo.append(f"{g:.2f}x" if g else "-")
    body.append(geo)
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *[fmt(r) for r in body]])


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--machina", default="", help="machina-riscv64 binary (default: $MACHINA_RISCV64 or build/*)")
    ap.add_argument("--qemu", default="qemu-riscv64", help="qemu-riscv64 binary (default: %(default)s)")
    ap.add_argument("--only", default="", help="comma-separated workload names or prefixes (see --list)")
    ap.add_argument("--modes", default=",".join(MODES), help="subset of native,qemu,interp,dbt")
    ap.add_argument("--size", choices=["full", "small"], default="full",
                    help="small = about a tenth of the work (for slow engines such as the interpreter)")
    ap.add_argument("--runs", type=int, default=3, help="runs per workload and mode; median is reported")
    ap.add_argument("--metric", choices=["wall", "cpu"], default="wall",
                    help="wall-clock time (default) or user+system CPU time of the program")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before one run counts as failed")
    ap.add_argument("--cache", default=os.environ.get("MACHINA_CACHE", str(Path.home() / ".cache" / "machina")))
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table for docs/PERFORMANCE.md")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    opts = ap.parse_args()

    if opts.list:
        for wl in WORKLOADS:
            print(f"{wl.name:16} {wl.note}")
        return 0
    if opts.runs < 1:
        ap.error("--runs must be at least 1")
    wanted = [w for w in opts.only.split(",") if w]
    selected = [wl.sized(opts.size) for wl in WORKLOADS
                if not wanted or any(wl.name.startswith(w) for w in wanted)]
    if not selected:
        ap.error(f"--only {opts.only!r} matches no workload (see --list)")
    requested = [m for m in opts.modes.split(",") if m]
    bad = [m for m in requested if m not in MODES]
    modes = [m for m in MODES if m in requested]  # native first: it is the reference output
    if bad or "native" not in modes:
        ap.error(f"--modes must include native and only use {','.join(MODES)}")

    runner = Runner(opts.cache, opts.qemu, find_machina(opts.machina))
    notes = []
    machina_modes = [m for m in modes if m in ("interp", "dbt")]
    if machina_modes:
        status = probe_machina(runner, min(opts.timeout, 120))
        for m in machina_modes:
            if status[m]:
                notes.append(f"machina {m}: skipped, {status[m]}")
                modes.remove(m)
    if "qemu" in modes and subprocess.run(["sh", "-c", f"command -v {shlex.quote(opts.qemu)}"],
                                          capture_output=True).returncode != 0:
        notes.append(f"qemu: skipped, {opts.qemu} not found")
        modes.remove("qemu")

    runnable = []
    for wl in selected:
        missing = [str(wl.program(opts.cache, a)) for a in ("native", "riscv64")
                   if not wl.program(opts.cache, a).exists()]
        if missing:
            notes.append(f"{wl.name}: skipped, {missing[0]} missing (run scripts/assets/{wl.asset}.sh)")
        else:
            runnable.append(wl)
    inputs = prepare_inputs(opts.cache, sorted({i for wl in runnable for i in wl.inputs}))

    rows, failures = [], 0
    for wl in runnable:
        times, reference = {}, None
        for mode in modes:
            cmd = runner.command(wl, mode, inputs)
            samples, problem = [], None
            for _ in range(opts.runs):
                secs, status, digest, err = timed_run(cmd, wl.workdir(inputs), opts.timeout, opts.metric)
                if status != 0:
                    problem = f"FAIL({status})"
                    notes.append(f"{wl.name} {mode}: exit {status}: {shlex.join(cmd)}: {err.strip()[-200:]}")
                    break
                if mode == "native" and reference is None:
                    reference = digest
                if reference is not None and digest != reference:
                    problem = "MISMATCH"
                    notes.append(f"{wl.name} {mode}: output differs from native: {shlex.join(cmd)}")
                    break
                samples.append(secs)
            times[mode] = problem or statistics.median(samples)
            failures += problem is not None
            print(f"  {wl.name:16} {mode:7} {times[mode] if problem else f'{times[mode]:.3f} s'}",
                  file=sys.stderr, flush=True)
        rows.append((wl.name, times))

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"machina bench, {when}, {cpu_model()}, {os.cpu_count()} CPUs, median of {opts.runs} run(s), "
          f"{'wall-clock' if opts.metric == 'wall' else 'user+system CPU'} seconds, "
          f"{opts.size} size, load average {os.getloadavg()[0]:.1f}")
    print(f"native = static x86-64 build of the same source; qemu = {opts.qemu}; "
          f"machina = {runner.machina or 'not found'}")
    print()
    print(render_table(rows, modes, opts.markdown))
    if notes:
        print()
        for n in notes:
            print(f"{'- ' if opts.markdown else ''}note: {n}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
