#!/usr/bin/env python3
"""Runs one real program (built by scripts/assets/*.sh) under the riscv64 user-mode emulator and
checks it against the native x86-64 build of the same source: same stdout, same bytes.

    run_real_program.py [--emulator PATH] [--cache DIR] CASE

The emulator comes from $MACHINA_RISCV64 (wins) or --emulator (CMake passes the machina-riscv64
target); extra emulator arguments from $MACHINA_RISCV64_ARGS (e.g. "-accel interp"). Assets come from
$MACHINA_CACHE or --cache. Exit 0 = pass, 1 = fail, 77 = skipped (CTest SKIP_RETURN_CODE).
riscv64 programs are only ever started through the emulator, never directly (binfmt would pick QEMU).
"""

import argparse
import os
import random
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

SKIP = 77
HERE = Path(__file__).resolve().parent
LUA_DIR = HERE / "lua"
ESBUILD_PROJECT = HERE / "esbuild_project"
ESBUILD_ARGS = ["src/main.tsx", "--bundle", "--format=esm", "--target=es2019", "--jsx-factory=h",
                "--jsx-fragment=Fragment", "--loader:.txt=text", "--log-level=warning"]
TIMEOUT = 900


class Skip(Exception):
    """The test cannot run here (missing emulator or asset); the message says how to fix that."""


class Fail(Exception):
    """The emulated program disagreed with the native one."""


class Context:
    """Where the emulator and the assets are."""

    def __init__(self, emulator, cache):
        self.emulator = emulator
        self.cache = Path(cache)

    def asset(self, name, prog):
        """Returns (riscv64 path, native path) of an asset program, or raises Skip."""
        rv = self.cache / name / "riscv64" / prog
        native = self.cache / name / "native" / prog
        for p in (rv, native):
            if not p.is_file():
                raise Skip(f"asset {p} missing: run scripts/assets/{name}.sh "
                           f"(or scripts/assets/build-all.sh)")
        return rv, native

    def emulated(self, prog, args):
        """The command line that runs riscv64 `prog` under the emulator."""
        extra = shlex.split(os.environ.get("MACHINA_RISCV64_ARGS", ""))
        return [self.emulator, *extra, str(prog), *args]


def run(cmd, cwd=None, stdin=None):
    """Runs cmd, returns CompletedProcess with bytes stdout/stderr."""
    try:
        return subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Fail(f"timed out after {TIMEOUT} s: {shlex.join(map(str, cmd))}")


def describe_diff(a, b):
    """A one-line description of where two byte strings first differ."""
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    return (f"lengths {len(a)} vs {len(b)}, first difference at byte {i}: "
            f"{a[max(0, i - 40):i + 40]!r} vs {b[max(0, i - 40):i + 40]!r}")


def expect_same_run(label, emu, native):
    """Fails unless two runs agree on exit status, stdout and stderr."""
    if emu.returncode != native.returncode:
        raise Fail(f"{label}: exit status {emu.returncode} under the emulator, {native.returncode} natively\n"
                   f"emulator stderr: {emu.stderr.decode(errors='replace')[-2000:]}")
    if emu.stdout != native.stdout:
        raise Fail(f"{label}: stdout differs ({describe_diff(emu.stdout, native.stdout)})")
    if emu.stderr != native.stderr:
        raise Fail(f"{label}: stderr differs ({describe_diff(emu.stderr, native.stderr)})")


def expect_ok(label, proc):
    """Fails unless proc exited 0."""
    if proc.returncode != 0:
        raise Fail(f"{label}: exit status {proc.returncode}\n{proc.stderr.decode(errors='replace')[-2000:]}")


def mixed_data(size):
    """Deterministic mixed input: log-like text, random bytes, zero runs and repeated binary records."""
    rnd = random.Random(20261122)
    chunks, total = [], 0
    words = ["machina", "riscv", "emulator", "guest", "host", "page", "fault", "block", "cache", "trap"]
    while total < size:
        kind = rnd.randrange(4)
        if kind == 0:
            lines = [f"{rnd.randrange(10**9):09d} {rnd.choice(words)} {rnd.choice(words)}="
                     f"{rnd.random():.6f} pc=0x{rnd.randrange(1 << 40):010x}\n" for _ in range(400)]
            chunk = "".join(lines).encode()
        elif kind == 1:
            chunk = rnd.randbytes(rnd.randrange(1000, 64000))
        elif kind == 2:
            chunk = bytes(rnd.randrange(1000, 100000))
        else:
            rec = rnd.randbytes(rnd.randrange(16, 200))
            chunk = rec * rnd.randrange(10, 300)
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)[:size]


def case_lua(ctx, script, args=(), stdin=None, status=0):
    """Runs a script from lua/ under both builds; stdout, stderr and exit status must agree."""
    rv, native = ctx.asset("lua", "lua")
    if not (LUA_DIR / script).is_file():
        raise Fail(f"no Lua script {LUA_DIR / script}")
    cmd_args = [script, *args]
    emu = run(ctx.emulated(rv, cmd_args), cwd=LUA_DIR, stdin=stdin)
    ref = run([str(native), *cmd_args], cwd=LUA_DIR, stdin=stdin)
    # lua names itself (argv[0]) in error messages; the two builds live at different paths.
    emu.stderr = emu.stderr.replace(str(rv).encode(), b"lua")
    ref.stderr = ref.stderr.replace(str(native).encode(), b"lua")
    if ref.returncode != status:
        raise Fail(f"native lua {script} exited {ref.returncode}, expected {status}: {ref.stderr[-500:]!r}")
    expect_same_run(f"lua {script}", emu, ref)
    return f"{len(ref.stdout)} bytes of identical output, exit status {status}"


def compressor_roundtrip(ctx, name, compress_args, decompress_args, size):
    """Compress with both builds (same bytes), decompress under the emulator (byte-identical)."""
    rv, native = ctx.asset(name, name)
    data = mixed_data(size)
    emu_c = run(ctx.emulated(rv, [*compress_args, "-c"]), stdin=data)
    expect_ok(f"{name} {' '.join(compress_args)} under the emulator", emu_c)
    ref_c = run([str(native), *compress_args, "-c"], stdin=data)
    expect_ok(f"native {name}", ref_c)
    if emu_c.stdout != ref_c.stdout:
        raise Fail(f"compressed bytes differ from native {name} ({describe_diff(emu_c.stdout, ref_c.stdout)})")
    emu_d = run(ctx.emulated(rv, [*decompress_args, "-c"]), stdin=emu_c.stdout)
    expect_ok(f"{name} decompress under the emulator", emu_d)
    if emu_d.stdout != data:
        raise Fail(f"round trip is not byte-identical ({describe_diff(emu_d.stdout, data)})")
    return f"{len(data)} -> {len(emu_c.stdout)} bytes, identical to native, round trip exact"


def case_esbuild(ctx, extra):
    rv, native = ctx.asset("esbuild", "esbuild")
    with tempfile.TemporaryDirectory() as tmp:
        outs = []
        for cmd in (ctx.emulated(rv, []), [str(native)]):
            out = Path(tmp) / f"out{len(outs)}.js"
            proc = run([*cmd, *ESBUILD_ARGS, *extra, f"--outfile={out}"], cwd=ESBUILD_PROJECT)
            expect_ok(f"esbuild {shlex.join(cmd)}", proc)
            outs.append(out.read_bytes())
        emu_out, ref_out = outs
    if emu_out != ref_out:
        raise Fail(f"bundle differs from native esbuild ({describe_diff(emu_out, ref_out)})")
    if b"tree-shaken away" in ref_out:
        raise Fail("native bundle kept an unused export: project or flags are wrong")
    return f"{len(ref_out)}-byte bundle identical to native"


def case_kernel(ctx, kernel, arg):
    rv, native = ctx.asset("kernels", kernel)
    emu = run(ctx.emulated(rv, [arg]))
    ref = run([str(native), arg])
    expect_ok(f"native {kernel}", ref)
    expect_same_run(kernel, emu, ref)
    return ref.stdout.decode().strip().replace("\n", " | ")


CASES = {
    "lua.strings": lambda c: case_lua(c, "strings.lua"),
    "lua.tables": lambda c: case_lua(c, "tables.lua"),
    "lua.closures": lambda c: case_lua(c, "closures.lua"),
    "lua.coroutines": lambda c: case_lua(c, "coroutines.lua"),
    "lua.math": lambda c: case_lua(c, "math.lua"),
    "lua.workload_short": lambda c: case_lua(c, "workload.lua", ["0.01"]),
    "lua.io": lambda c: case_lua(c, "io.lua", stdin=(LUA_DIR / "io.lua").read_bytes(), status=3),
    "lua.error": lambda c: case_lua(c, "error.lua", status=1),
    "zstd.level3": lambda c: compressor_roundtrip(c, "zstd", ["-3", "-q"], ["-d", "-q"], 4 << 20),
    "zstd.level12_threads": lambda c: compressor_roundtrip(c, "zstd", ["-12", "-T2", "-q"], ["-d", "-q"], 2 << 20),
    "xz.level6": lambda c: compressor_roundtrip(c, "xz", ["-6", "-T1"], ["-d"], 1 << 20),
    "xz.threads": lambda c: compressor_roundtrip(c, "xz", ["-3", "-T2", "--block-size=1MiB"], ["-d", "-T2"],
                                                 2 << 20),
    "esbuild.bundle": lambda c: case_esbuild(c, []),
    "esbuild.bundle_minify": lambda c: case_esbuild(c, ["--minify", "--sourcemap=inline"]),
    "kernels.sha256": lambda c: case_kernel(c, "sha256", "2"),
    "kernels.qsort": lambda c: case_kernel(c, "qsort", "2"),
    "kernels.intmix": lambda c: case_kernel(c, "intmix", "300000"),
    "kernels.nbody": lambda c: case_kernel(c, "nbody", "20000"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulator", default="", help="riscv64 user-mode emulator (overridden by $MACHINA_RISCV64)")
    ap.add_argument("--cache", default="", help="asset cache (overridden by $MACHINA_CACHE)")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ap.add_argument("case", nargs="?", help="one of --list")
    opts = ap.parse_args()
    if opts.list:
        print("\n".join(CASES))
        return 0
    if opts.case not in CASES:
        print(f"run_real_program: unknown case {opts.case!r} (see --list)", file=sys.stderr)
        return 2
    emulator = os.environ.get("MACHINA_RISCV64") or opts.emulator
    cache = os.environ.get("MACHINA_CACHE") or opts.cache or str(Path.home() / ".cache" / "machina")
    try:
        if not emulator:
            raise Skip("machina-riscv64 is not built (no CMake target machina-riscv64); "
                       "set MACHINA_RISCV64=/path/to/emulator to run against another one")
        if not os.access(emulator, os.X_OK):
            raise Skip(f"emulator {emulator} does not exist or is not executable "
                       f"(build the machina-riscv64 target, or set MACHINA_RISCV64)")
        summary = CASES[opts.case](Context(emulator, cache))
    except Skip as e:
        print(f"SKIPPED {opts.case}: {e}")
        return SKIP
    except Fail as e:
        print(f"FAILED {opts.case} under {emulator}: {e}")
        return 1
    print(f"PASSED {opts.case} under {emulator}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
