"""Benchmark workloads for bench/run.py: which asset program runs, with which arguments and inputs.

Every workload writes its result to stdout, so runs are compared by hashing stdout. Inputs are
generated deterministically once into $MACHINA_CACHE/bench-inputs/ (keyed by INPUTS_VERSION).
"""

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL_PROGRAMS = REPO / "tests" / "integration" / "real_programs"
sys.path.insert(0, str(REAL_PROGRAMS))
from run_real_program import mixed_data  # noqa: E402  (one definition of the test corpus)

INPUTS_VERSION = "v1"
ESBUILD_MODULES = 1500


@dataclass
class Workload:
    """One benchmark: `asset`/<arch>/`prog` run with `args` (strings; "{inputs}" is substituted)."""

    name: str
    asset: str
    prog: str
    args: list
    cwd: str = ""  # relative to the inputs dir, or "lua" for the Lua script folder
    note: str = ""
    inputs: list = field(default_factory=list)  # names of input builders this needs
    small: list = None  # args for `--size small` (about 1/10 of the work); None = same as args
    small_inputs: list = None

    def sized(self, size):
        """This workload at `size` ("full" or "small")."""
        if size == "full" or self.small is None:
            return self
        inputs = self.inputs if self.small_inputs is None else self.small_inputs
        return Workload(self.name, self.asset, self.prog, self.small, self.cwd, self.note, inputs)

    def program(self, cache, arch):
        """Path of the program for arch ("riscv64" or "native")."""
        return Path(cache) / self.asset / arch / self.prog

    def argv(self, inputs_dir):
        """Arguments with the inputs folder substituted."""
        return [a.replace("{inputs}", str(inputs_dir)) for a in self.args]

    def workdir(self, inputs_dir):
        """Working directory for the run."""
        if self.cwd == "lua":
            return REAL_PROGRAMS / "lua"
        return Path(inputs_dir) / self.cwd if self.cwd else Path(inputs_dir)


WORKLOADS = [
    Workload("lua", "lua", "lua", ["workload.lua"], cwd="lua",
             note="tests/integration/real_programs/lua/workload.lua: spectral norm, fib(30), strings, sort",
             small=["workload.lua", "0.1"]),
    Workload("zstd_compress", "zstd", "zstd", ["-q", "-9", "-c", "{inputs}/mix32.bin"],
             note="zstd -9 of 32 MiB mixed data", inputs=["mix32"],
             small=["-q", "-9", "-c", "{inputs}/mix4.bin"], small_inputs=["mix4"]),
    Workload("zstd_decompress", "zstd", "zstd", ["-q", "-d", "-c", "{inputs}/mix128.bin.zst"],
             note="zstd -d to 128 MiB", inputs=["mix128_zst"],
             small=["-q", "-d", "-c", "{inputs}/mix32.bin.zst"], small_inputs=["mix32_zst"]),
    Workload("xz_compress", "xz", "xz", ["-6", "-T1", "-c", "{inputs}/mix4.bin"],
             note="xz -6 of 4 MiB mixed data", inputs=["mix4"],
             small=["-3", "-T1", "-c", "{inputs}/mix4.bin"]),
    Workload("xz_decompress", "xz", "xz", ["-d", "-c", "{inputs}/mix32.bin.xz"],
             note="xz -d to 32 MiB", inputs=["mix32_xz"],
             small=["-d", "-c", "{inputs}/mix4.bin.xz"], small_inputs=["mix4_xz"]),
    Workload("esbuild", "esbuild", "esbuild",
             ["src/index.tsx", "--bundle", "--minify", "--format=esm", "--jsx-factory=h", "--log-level=warning"],
             cwd="esbuild_project", note=f"bundle + minify a generated {ESBUILD_MODULES}-module TSX project",
             inputs=["esbuild_project"]),
    Workload("kernel_sha256", "kernels", "sha256", [], note="bench/kernels/sha256.c: 128 MiB hashed",
             small=["12"]),
    Workload("kernel_qsort", "kernels", "qsort", [], note="bench/kernels/qsort.c: 20 x 200k ints", small=["2"]),
    Workload("kernel_intmix", "kernels", "intmix", [], note="bench/kernels/intmix.c: Dhrystone-like mix",
             small=["3000000"]),
    Workload("kernel_nbody", "kernels", "nbody", [], note="bench/kernels/nbody.c: 1.5M steps, double",
             small=["150000"]),
]


def _write(path, data):
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _compress_native(cache, tool, args, data, out):
    proc = subprocess.run([str(Path(cache) / tool / "native" / tool), *args], input=data,
                          capture_output=True, check=True)
    _write(out, proc.stdout)


def _esbuild_project(root):
    """A synthetic TSX project: modules with enums, generics, classes, JSX, importing earlier ones."""
    src = root / "src"
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for i in range(ESBUILD_MODULES):
        deps = sorted({j for j in (i // 2, i // 3) if j < i})
        imports = "".join(f'import {{ Widget{j}, helper{j} }} from "./m{j}";\n' for j in deps)
        uses = " + ".join(f"new Widget{j}().total() + helper{j}([]).size" for j in deps) or "0"
        (src / f"m{i}.tsx").write_text(f"""{imports}
export enum Kind{i} {{ A = {i}, B, C }}
export interface Shape{i} {{ id: number; label: string; tags?: string[] }}
export function helper{i}<T extends Shape{i}>(xs: T[]): Map<string, number> {{
  const m = new Map<string, number>();
  for (const x of xs) m.set(x.label, (m.get(x.label) ?? 0) + x.id * {i % 17 + 1});
  return m;
}}
export class Widget{i} {{
  private items: Shape{i}[] = [];
  constructor(public readonly name = "w{i}") {{}}
  add(label: string, id = {i}): this {{ this.items.push({{ id, label, tags: [label.toUpperCase()] }}); return this; }}
  render() {{ return <div class={{`w{i} ${{this.name}}`}} data-n={{this.items.length}}>{{this.items.map((s) => <span>{{s.label}}</span>)}}</div>; }}
  total(): number {{ return [...helper{i}(this.items).values()].reduce((a, b) => a + b, Kind{i}.B); }}
  deps(): number {{ return {uses}; }}
}}
""")
    (src / "index.tsx").write_text(
        "".join(f'import {{ Widget{i} }} from "./m{i}";\n' for i in range(ESBUILD_MODULES)) +
        "export const all = [" + ",".join(f"new Widget{i}().add('x').total()" for i in range(ESBUILD_MODULES)) +
        "];\n")


def prepare_inputs(cache, needed):
    """Builds the named inputs (idempotent) and returns the inputs folder."""
    root = Path(cache) / "bench-inputs" / INPUTS_VERSION
    root.mkdir(parents=True, exist_ok=True)
    builders = {
        "mix4": ("mix4.bin", lambda p: _write(p, mixed_data(4 << 20))),
        "mix32": ("mix32.bin", lambda p: _write(p, mixed_data(32 << 20))),
        "mix128_zst": ("mix128.bin.zst",
                       lambda p: _compress_native(cache, "zstd", ["-q", "-3", "-c"], mixed_data(128 << 20), p)),
        "mix32_zst": ("mix32.bin.zst",
                      lambda p: _compress_native(cache, "zstd", ["-q", "-3", "-c"], mixed_data(32 << 20), p)),
        "mix4_xz": ("mix4.bin.xz",
                    lambda p: _compress_native(cache, "xz", ["-3", "-T1", "-c"], mixed_data(4 << 20), p)),
        "mix32_xz": ("mix32.bin.xz",
                     lambda p: _compress_native(cache, "xz", ["-3", "-T1", "-c"], mixed_data(32 << 20), p)),
        "esbuild_project": ("esbuild_project/.done", None),
    }
    for name in needed:
        fname, build = builders[name]
        path = root / fname
        if path.exists():
            continue
        if name == "esbuild_project":
            _esbuild_project(path.parent)
            path.write_text("ok\n")
        else:
            build(path)
    return root
