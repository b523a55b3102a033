#!/usr/bin/env python3
"""Full-system tests of machina-system-riscv64 on real firmware and a real kernel: Debian's OpenSBI
(fw_dynamic) boots the kernel Image and busybox initramfs built by scripts/assets/ (linux-riscv.sh,
initramfs-riscv.sh), and the test drives the guest's shell over the serial console; U-Boot from
Debian's u-boot-qemu answers at its prompt.

    riscv_linux_test.py --emulator PATH [--accel dbt|interp] CASE
    riscv_linux_test.py --list

Exit status: 0 pass, 1 fail, 77 skip (an asset or host tool is missing; the message says which).
"""

import argparse
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "scripts" / "assets" / "riscv-guest"))
from guest_console import Console, ConsoleError  # noqa: E402

CACHE = Path(os.environ.get("MACHINA_CACHE", Path.home() / ".cache" / "machina"))
KERNEL = CACHE / "linux-riscv64" / "Image"
INITRD = CACHE / "initramfs-riscv64" / "initramfs.cpio.gz"
FIRMWARE = Path("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin")
UBOOT = Path("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin")
PROMPT = "machina# "
BOOT_TIMEOUT = 240  # seconds to the shell prompt (the interpreter on a loaded 2-core host)
SKIP = 77


class Skip(Exception):
    """A prerequisite is missing."""


class Failure(Exception):
    """A check failed."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def need(path, how):
    if not Path(path).exists():
        raise Skip(f"{path} is missing ({how})")


def need_tool(tool, package):
    if shutil.which(tool) is None:
        raise Skip(f"'{tool}' is not installed (Debian package {package})")


class Guest:
    """A machina-system-riscv64 process booting the kernel and initramfs to the busybox shell."""

    def __init__(self, opts, extra=(), smp=1, mem="256M"):
        need(KERNEL, "run scripts/assets/build-all.sh linux-riscv")
        need(INITRD, "run scripts/assets/build-all.sh initramfs-riscv")
        need(FIRMWARE, "Debian package opensbi")
        argv = [opts.emulator, "-M", "virt", "-smp", str(smp), "-m", mem, "-nographic",
                "-accel", opts.accel, "-bios", str(FIRMWARE), "-kernel", str(KERNEL),
                "-initrd", str(INITRD), "-append", "console=ttyS0", *extra]
        self.log_path = Path(tempfile.gettempdir()) / f"riscv_linux_{opts.case}_{opts.accel}.log"
        self.log = open(self.log_path, "w")
        print("running:", " ".join(argv), flush=True)
        self.con = Console(argv, self.log)

    def boot(self):
        self.con.expect("machina-guest: init reached", BOOT_TIMEOUT)
        self.con.expect(PROMPT, 60)
        print(f"shell prompt after {self.con.elapsed():.1f} s", flush=True)

    def sh(self, command, timeout=120):
        out = self.con.run(command, PROMPT, timeout)
        print(f"$ {command}\n{out}", flush=True)
        return out

    def poweroff(self):
        self.con.send("poweroff\n")
        return self.con.wait_exit(120)

    def close(self):
        self.con.kill()
        self.log.close()


def case_shell_disk_poweroff(opts):
    """uname -m; mount a virtio-blk ext4 image, write and sync a file; poweroff exits 0; the host
    finds the file in the image with debugfs."""
    need_tool("mkfs.ext4", "e2fsprogs")
    need_tool("debugfs", "e2fsprogs")
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "disk.img"
        content = Path(tmp) / "content"
        content.mkdir()
        (content / "hello.txt").write_text("hello from the host\n")
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(content), str(image), "16M"], check=True)
        guest = Guest(opts, ["-drive", f"file={image},format=raw,if=virtio"])
        try:
            guest.boot()
            check(guest.sh("uname -m") == "riscv64", "uname -m prints riscv64")
            out = guest.sh("mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && cat /mnt/hello.txt")
            check("hello from the host" in out, "the ext4 image mounts and reads")
            guest.sh("echo 'written by the riscv64 guest' >/mnt/guest.txt && sync && umount /mnt")
            status = guest.poweroff()
            check(status == 0, f"poweroff ends machina with status 0 (got {status})")
        except ConsoleError as e:
            raise Failure(f"console: {e}") from e
        finally:
            guest.close()
            print(f"(console log: {guest.log_path})")
        out = subprocess.run(["debugfs", "-R", "cat /guest.txt", str(image)], capture_output=True,
                             text=True).stdout
        check("written by the riscv64 guest" in out, f"debugfs finds the guest's file (got {out!r})")


def case_smp4(opts):
    """-smp 4: the guest sees four CPUs and runs a task on each of them."""
    guest = Guest(opts, smp=4)
    try:
        guest.boot()
        check(guest.sh("nproc") == "4", "nproc prints 4")
        online = guest.sh("cat /sys/devices/system/cpu/online")
        check(online == "0-3", f"CPUs 0-3 online (got {online!r})")
        # Field 39 of /proc/self/stat is the CPU the task last ran on: pin one busy task per CPU.
        # (a subshell, so the interactive shell prints no job-control lines)
        guest.sh("(for c in 0 1 2 3; do taskset -c $c sh -c "
                 "'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; "
                 "echo cpu=$(cut -d\\  -f39 /proc/self/stat)' & done; wait) >/tmp/cpus", 240)
        out = guest.sh("sort /tmp/cpus | tr '\\n' ' '")
        cpus = out.split()
        check(cpus == ["cpu=0", "cpu=1", "cpu=2", "cpu=3"],
              f"a task ran on each of the four CPUs (got {cpus})")
        busy = guest.sh("grep -c '^cpu[0-9]' /proc/stat")
        check(busy == "4", "four per-CPU lines in /proc/stat")
        check(guest.poweroff() == 0, "poweroff ends machina with status 0")
    except ConsoleError as e:
        raise Failure(f"console: {e}") from e
    finally:
        guest.close()
        print(f"(console log: {guest.log_path})")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def case_network(opts):
    """virtio-net on slirp: DHCP, wget of a page from an HTTP server on the host's loopback, and a
    hostfwd port that reaches a server inside the guest."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "page.txt").write_text("served by the host test\n")
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=tmp)
        handler.log_message = lambda *a: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        host_port = server.server_address[1]
        fwd_port = free_port()
        guest = Guest(opts, ["-netdev", f"user,id=n0,hostfwd=tcp::{fwd_port}-:8080",
                             "-device", "virtio-net-device,netdev=n0"])
        try:
            guest.boot()
            out = guest.sh("udhcpc -i eth0 -q -n -t 5 >/dev/null 2>&1; "
                           "ip -4 addr show eth0 | grep -o 'inet [0-9.]*'")
            check("inet 10.0.2.15" in out, f"DHCP lease 10.0.2.15 (got {out!r})")
            out = guest.sh(f"wget -q -O - http://10.0.2.2:{host_port}/page.txt")
            check("served by the host test" in out, "busybox wget fetches the host's page")
            guest.sh("mkdir -p /www && echo 'served by the guest' >/www/index.html && "
                     "httpd -p 8080 -h /www && echo started")
            body = ""
            for _ in range(30):
                try:
                    with socket.create_connection(("127.0.0.1", fwd_port), timeout=20) as c:
                        c.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
                        chunks = []
                        while True:
                            data = c.recv(4096)
                            if not data:
                                break
                            chunks.append(data)
                        body = b"".join(chunks).decode(errors="replace")
                    if "served by the guest" in body:
                        break
                except OSError:
                    pass
                time.sleep(1)
            check("served by the guest" in body, f"hostfwd reaches the guest's httpd (got {body!r})")
            check(guest.poweroff() == 0, "poweroff ends machina with status 0")
        except ConsoleError as e:
            raise Failure(f"console: {e}") from e
        finally:
            guest.close()
            server.shutdown()
            print(f"(console log: {guest.log_path})")


def case_uboot(opts):
    """U-Boot (qemu-riscv64_smode) on OpenSBI reaches its prompt and answers a command."""
    need(FIRMWARE, "Debian package opensbi")
    need(UBOOT, "Debian package u-boot-qemu")
    argv = [opts.emulator, "-M", "virt", "-nographic", "-accel", opts.accel, "-bios",
            str(FIRMWARE), "-kernel", str(UBOOT)]
    print("running:", " ".join(argv), flush=True)
    con = Console(argv)
    try:
        con.expect("Hit any key to stop autoboot", BOOT_TIMEOUT)
        con.send(" ")
        con.expect("=> ", 60)
        con.send("version\n")
        con.expect(r"U-Boot 20\d\d", 60)
        con.expect("=> ", 60)
        con.send("fdt addr $fdtcontroladdr; fdt print /cpus timebase-frequency\n")
        con.expect("timebase-frequency = <0x00989680>", 60)
        print(f"U-Boot answered after {con.elapsed():.1f} s")
    except ConsoleError as e:
        raise Failure(f"console: {e}") from e
    finally:
        con.kill()


CASES = {
    "shell_disk_poweroff": case_shell_disk_poweroff,
    "smp4": case_smp4,
    "network": case_network,
    "uboot": case_uboot,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulator", help="machina-system-riscv64 binary")
    ap.add_argument("--accel", default="dbt", choices=["dbt", "interp", "tcg"])
    ap.add_argument("--list", action="store_true", help="print the case names")
    ap.add_argument("case", nargs="?", choices=sorted(CASES))
    opts = ap.parse_args()
    if opts.list:
        print("\n".join(sorted(CASES)))
        return 0
    if not opts.case or not opts.emulator:
        ap.error("--emulator and a case are required")
    try:
        CASES[opts.case](opts)
    except Skip as e:
        print(f"SKIP: {e}")
        return SKIP
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    print(f"PASS: {opts.case} ({opts.accel})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
