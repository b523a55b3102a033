"""Drives a system emulator's serial console over pipes (no pexpect): start, wait for text, type.

Used by smoke.py (interactive checks of the riscv64 guest) and bench/system_riscv.py (timings).
The emulator runs with -nographic, so the guest console is the process's stdin/stdout.
"""

import os
import re
import select
import signal
import subprocess
import time


class ConsoleError(Exception):
    """The expected text did not appear (timeout or the emulator exited); carries the output tail."""


class Console:
    """One emulator process whose stdin/stdout is the guest's serial console."""

    def __init__(self, argv, log=None):
        """Starts argv; everything the guest prints is appended to self.output (and `log`, a file)."""
        self.argv = argv
        self.log = log
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.output = ""
        self.pos = 0  # expect() searches output[pos:]

    def elapsed(self):
        """Seconds since the emulator was started."""
        return time.perf_counter() - self.start

    def _read(self, timeout):
        """Reads what is available within timeout; False at end of file."""
        ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, timeout))
        if not ready:
            return True
        data = os.read(self.proc.stdout.fileno(), 1 << 16)
        if not data:
            return False
        text = data.decode(errors="replace").replace("\r\n", "\n")
        self.output += text
        if self.log:
            self.log.write(text)
            self.log.flush()
        return True

    def expect(self, pattern, timeout):
        """Waits for regex `pattern` after the previous match; returns the match. Raises ConsoleError."""
        regex = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        while True:
            m = regex.search(self.output, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.perf_counter()
            if left <= 0:
                raise ConsoleError(f"timeout after {timeout:.0f} s waiting for {pattern!r}\n{self.tail()}")
            if not self._read(min(left, 0.5)):
                self.proc.wait()
                m = regex.search(self.output, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise ConsoleError(f"emulator exited ({self.proc.returncode}) before {pattern!r}\n"
                                   f"{self.tail()}")

    def send(self, text):
        """Types text (add "\\n" for Enter)."""
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def run(self, command, prompt, timeout):
        """Types a shell command, waits for the next prompt; returns what the command printed."""
        self.send(command + "\n")
        start = self.pos
        m = self.expect(re.escape(prompt), timeout)
        text = self.output[start:m.start()]
        # Drop the echoed command line.
        lines = text.split("\n")
        if lines and command.strip() in lines[0]:
            lines = lines[1:]
        return "\n".join(lines).strip()

    def wait_exit(self, timeout):
        """Waits for the emulator to exit (reading output meanwhile); returns its exit status."""
        deadline = time.perf_counter() + timeout
        while self._read(min(1.0, max(0.0, deadline - time.perf_counter()))):
            if time.perf_counter() >= deadline:
                raise ConsoleError(f"emulator still running after {timeout:.0f} s\n{self.tail()}")
        return self.proc.wait()

    def kill(self):
        """Ends the emulator (its whole process group) if it still runs."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def tail(self, lines=15):
        """The last lines of the console output, for error messages."""
        return "\n".join(self.output.rstrip().split("\n")[-lines:])
