# SPDX-License-Identifier: BSD-2-Clause
"""What the uxdpd integration tests share: failing with a message, spotting sanitizer
reports in output, running the uxdp CLI, and a uxdpd process on a config and a control
socket that stop() checks for a clean exit (SIGTERM, exit 0, no sanitizer report, socket
removed). Imported by test_daemon.py, test_xsk_ctl.py, test_xsk.py and test_netns.py."""
import os
import signal
import socket
import subprocess
import sys
import time

MARKERS = ("AddressSanitizer", "LeakSanitizer", "ThreadSanitizer", "runtime error:",
           "Segmentation")


def fail(msg):
    sys.exit("FAIL: " + msg)


def check_clean(what, out):
    for m in MARKERS:
        if m in out:
            fail(f"sanitizer/crash report in {what}:\n{out}")


def run_cli(uxdp, sock, *args, code=0, want=()):
    """`uxdp ARGS --ctl SOCK`: its stdout; fails on another exit code or a missing text."""
    p = subprocess.run([uxdp, *args, "--ctl", sock], capture_output=True, text=True, timeout=30)
    out = p.stdout + p.stderr
    check_clean(f"uxdp {args}", out)
    if code is not None and p.returncode != code:
        fail(f"uxdp {' '.join(args)}: exit {p.returncode}, want {code}\n{out}")
    for w in want:
        if w not in out:
            fail(f"uxdp {' '.join(args)}: output lacks {w!r}:\n{out}")
    return p.stdout


class Daemon:
    """uxdpd on a config file and a control socket, its output in WORK/uxdpd.log."""

    def __init__(self, uxdpd, config, sock, work, prefix=()):
        """prefix: a command uxdpd runs under (e.g. ip netns exec NS)."""
        self.sock = sock
        self.log = open(os.path.join(work, "uxdpd.log"), "w+")
        self.p = subprocess.Popen([*prefix, uxdpd, "--config", config, "--ctl", sock],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            if self.p.poll() is not None:
                fail(f"uxdpd exited with {self.p.returncode}:\n{self.output()}")
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.connect(sock)
                s.close()
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                fail(f"uxdpd did not open {sock}:\n{self.output()}")
            time.sleep(0.05)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def alive(self):
        return self.p.poll() is None

    def fds(self):
        """The daemon's open fds (a received fd that is never closed shows up here)."""
        return len(os.listdir(f"/proc/{self.p.pid}/fd"))

    def quiet_fds(self, want=None, timeout=3.0):
        """The fd count once the daemon has closed the connections clients closed (or want,
        as soon as it is reached)."""
        deadline = time.monotonic() + timeout
        n = self.fds()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            m = self.fds()
            if m == want or (want is None and m == n):
                return m
            n = m
        return n

    def stop(self):
        """SIGTERM; a clean exit is checked. Returns the daemon's output."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            fail(f"uxdpd did not stop on SIGTERM:\n{self.output()}")
        out = self.output()
        check_clean("uxdpd", out)
        if rc != 0:
            fail(f"uxdpd exited with {rc} on SIGTERM:\n{out}")
        if os.path.exists(self.sock):
            fail("uxdpd left its socket behind")
        return out

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
