#!/usr/bin/env python3
"""Interactive smoke test of the riscv64 system guest (kernel Image + busybox initramfs) on any
QEMU-compatible emulator: boots to the shell, checks uname/nproc, mounts a virtio-blk ext4 image,
gets a DHCP lease over virtio-net (-netdev user) and fetches a file from a host HTTP server at
10.0.2.2, then powers off. Prints the time to the init marker and to the first prompt.

    smoke.py [--emulator qemu-system-riscv64] [--smp 4] [--no-net] [--no-disk] [--log FILE]
"""

import argparse
import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from guest_console import Console, ConsoleError  # noqa: E402

CACHE = Path(os.environ.get("MACHINA_CACHE", Path.home() / ".cache" / "machina"))
FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
PROMPT = "machina# "
MARKER = "machina-guest: init reached"


def guest_argv(emulator, smp, mem, kernel, initrd, bios, append, disk=None, net=False):
    """QEMU-style command line for the `virt` board with the guest assets (virtio over MMIO)."""
    argv = [emulator, "-M", "virt", "-smp", str(smp), "-m", mem, "-nographic", "-bios", bios,
            "-kernel", str(kernel), "-initrd", str(initrd), "-append", append]
    if disk:
        argv += ["-drive", f"file={disk},format=raw,if=none,id=hd0", "-device", "virtio-blk-device,drive=hd0"]
    if net:
        argv += ["-netdev", "user,id=net0", "-device", "virtio-net-device,netdev=net0"]
    return argv


def make_disk(tmp):
    """A 16 MiB ext4 image holding hello.txt, built without root (mkfs.ext4 -d)."""
    content = Path(tmp) / "disk"
    content.mkdir()
    (content / "hello.txt").write_text("hello from the host disk\n")
    image = Path(tmp) / "disk.img"
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "machina", "-d", str(content), str(image), "16M"],
                   check=True, stdout=subprocess.DEVNULL)
    return image


def start_http(tmp):
    """Serves tmp/www on 127.0.0.1 (the guest sees it as 10.0.2.2); returns (server, port)."""
    www = Path(tmp) / "www"
    www.mkdir()
    (www / "greeting.txt").write_text("hello over virtio-net\n")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def last(text):
    """The last line of a command's output (for PASS/FAIL details)."""
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no output)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulator", default="qemu-system-riscv64")
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--kernel", default=str(CACHE / "linux-riscv64" / "Image"))
    ap.add_argument("--initrd", default=str(CACHE / "initramfs-riscv64" / "initramfs.cpio.gz"))
    ap.add_argument("--bios", default=FIRMWARE)
    ap.add_argument("--append", default="console=ttyS0")
    ap.add_argument("--no-net", action="store_true")
    ap.add_argument("--no-disk", action="store_true")
    ap.add_argument("--timeout", type=float, default=120, help="seconds for the boot to reach the prompt")
    ap.add_argument("--log", help="copy the console output to this file")
    opts = ap.parse_args()

    failures = []

    def check(name, ok, detail=""):
        print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
        if not ok:
            failures.append(name)

    with tempfile.TemporaryDirectory() as tmp:
        disk = None if opts.no_disk else make_disk(tmp)
        server, port = (None, 0) if opts.no_net else start_http(tmp)
        argv = guest_argv(opts.emulator, opts.smp, opts.mem, opts.kernel, opts.initrd, opts.bios,
                          opts.append, disk, not opts.no_net)
        log = open(opts.log, "w") if opts.log else None
        con = Console(argv, log)
        try:
            con.expect(MARKER, opts.timeout)
            t_marker = con.elapsed()
            con.expect(PROMPT, opts.timeout)
            t_prompt = con.elapsed()
            print(f"boot: init marker after {t_marker:.2f} s, shell prompt after {t_prompt:.2f} s")
            check("uname -m", con.run("uname -m", PROMPT, 30) == "riscv64")
            got = con.run("nproc", PROMPT, 30)
            check("nproc", got == str(opts.smp), got)
            if disk:
                got = con.run("mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && cat /mnt/hello.txt",
                              PROMPT, 60)
                check("virtio-blk ext4 mount", "hello from the host disk" in got, last(got))
                got = con.run("echo written >/mnt/new.txt && umount /mnt && echo umounted", PROMPT, 60)
                check("ext4 write + umount", got.endswith("umounted"), last(got))
            if server:
                got = con.run("udhcpc -i eth0 -q -n -t 5 2>&1; ip -4 addr show eth0 | grep inet", PROMPT, 90)
                check("udhcpc lease", "10.0.2.15" in got, last(got))
                got = con.run(f"wget -q -O - http://10.0.2.2:{port}/greeting.txt", PROMPT, 60)
                check("wget from host", "hello over virtio-net" in got, last(got))
            con.send("poweroff\n")
            status = con.wait_exit(60)
            check("poweroff ends the emulator", True, f"exit status {status} after {con.elapsed():.2f} s")
        except ConsoleError as e:
            check("console", False, str(e))
        finally:
            con.kill()
            if server:
                server.shutdown()
            if log:
                log.close()
    print(f"smoke: {'all checks passed' if not failures else 'FAILED: ' + ', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
