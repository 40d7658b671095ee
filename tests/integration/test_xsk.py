#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Application sockets end to end: uxdpd with generator ports serves clients on
the native API (xsk_probe) and the libxdp-style example built against libuxdp
(xsk_fwd-uxdp). Counts are exact (count-limited generators); the checks are on
totals, never on timing. Every case uses its own socket path and stops its
daemon at the end, even on failure.

usage: test_xsk.py CASE UXDPD UXDP XSK_PROBE XSK_FWD WORKDIR [XSK_FWD_LIBXDP VETH_GEN]
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import uxdpd_harness
from uxdpd_harness import check_clean, fail

CASE, UXDPD, UXDP, PROBE, FWD, WORK = sys.argv[1:7]
FWD_KERNEL, VETH_GEN = (sys.argv[7:9] + ["", ""])[:2]
os.makedirs(WORK, exist_ok=True)
SOCK = os.path.join(WORK, "uxdpd.sock")
ENV = dict(os.environ, UXDP_SOCKET=SOCK)


class Daemon(uxdpd_harness.Daemon):
    """uxdpd on a config text, on this case's socket."""

    def __init__(self, config_text):
        conf = os.path.join(WORK, "uxdpd.conf")
        with open(conf, "w") as f:
            f.write(config_text)
        super().__init__(UXDPD, conf, SOCK, WORK)


def stats():
    p = subprocess.run([UXDP, "stats", "--json", "--ctl", SOCK], capture_output=True,
                       text=True, timeout=30)
    check_clean("uxdp stats", p.stdout + p.stderr)
    if p.returncode:
        fail(f"uxdp stats: exit {p.returncode}: {p.stderr}")
    return json.loads(p.stdout)


def port_of(st, name):
    for p in st["ports"]:
        if p["name"] == name:
            return p
    fail(f"no port {name} in stats")


def run(cmd, timeout=60, code=0):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    out = p.stdout + p.stderr
    check_clean(" ".join(cmd), out)
    if code is not None and p.returncode != code:
        fail(f"{' '.join(cmd)}: exit {p.returncode}, want {code}\n{out}")
    return p.stdout


def probe(*args, **kw):
    out = run([PROBE, *args], **kw)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    merged = {}
    for line in lines:
        merged.update(line)
    return merged


def wait_for(pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    fail(f"timed out waiting for {what}")


def no_sockets_and_pools_home(port):
    """After the last socket: none listed, the queue's pool has nothing in flight."""
    def ok():
        st = stats()
        if st.get("sockets"):
            return None
        p = port_of(st, port)
        if any(q["page_pool"]["in_flight"] for q in p["queues"]):
            return None
        return st
    return wait_for(ok, "sockets gone and in_flight 0")


def case_rx(mode):
    """Every frame the generator sends after the bind reaches the socket; before the
    bind (no program yet) they take the PASS path. Nothing is lost in between."""
    n = 20000
    d = Daemon(f"workers 1\nport g0 gen:size=64,flows=8,count={n},rate=50000\n")
    try:
        r = probe("rx", "g0", "0", "0", mode)
        if r["zero_copy"] != (mode == "zc"):
            fail(f"{mode}: zero_copy {r['zero_copy']}")
        st = no_sockets_and_pools_home("g0")
        tot = port_of(st, "g0")["total"]
        if tot["rx_packets"] != n or tot["pass"] + tot["xsk"] != n or tot["redirect_err"]:
            fail(f"{mode}: port totals {tot} (want {n} = pass + xsk)")
        if r["received"] != tot["xsk"] or r["received"] < n // 2 or r["rx_packets"] != r["received"]:
            fail(f"{mode}: client {r}, port sent {tot['xsk']} to the socket")
        if r["bytes"] != 64 * r["received"]:
            fail(f"{mode}: bytes {r}")
    finally:
        out = d.stop()
    if "bound: port g0 queue 0, " + ("zero-copy" if mode == "zc" else "copy") not in out:
        fail(f"{mode}: the daemon log does not report the mode:\n{out}")


def socket_stats(out, who):
    """The 'zero_copy=.. rx_dropped=..' line xsk_fwd prints from getsockopt(SOL_XDP)."""
    m = re.search(r"xsk_fwd: (zero_copy=\S+(?: \w+=\d+)+)", out)
    if not m:
        fail(f"{who}: no getsockopt(SOL_XDP) line:\n{out}")
    return {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def case_l2fwd_example():
    """The libxdp-style example, built against libuxdp: l2fwd sends every frame back."""
    n = 10000
    d = Daemon("workers 1\nport g0 gen:size=64,flows=4,rate=200000\n")
    try:
        out = run([FWD, "-i", "g0", "-m", "l2fwd", "-n", str(n)], timeout=60)
        fwd = int(re.search(r": (\d+) packets in", out).group(1))  # whole batches: >= n
        if fwd < n:
            fail(f"xsk_fwd-uxdp l2fwd: {out}")
        # getsockopt(SOL_XDP) in the unchanged source, answered through the compat header
        st = socket_stats(out, "xsk_fwd-uxdp")
        if st["zero_copy"] != 1 or st["rx_invalid_descs"] or st["tx_invalid_descs"]:
            fail(f"xsk_fwd-uxdp: getsockopt(SOL_XDP) says {st}")
        st = no_sockets_and_pools_home("g0")
        tot = port_of(st, "g0")["total"]
        if tot["tx_packets"] != fwd or tot["xsk"] < fwd:
            fail(f"l2fwd: port totals {tot} (want {fwd} sent back, >= {fwd} to the socket)")
        out = run([FWD, "-i", "g0", "-m", "txpush", "-n", "5000"], timeout=60)
        pushed = int(re.search(r": (\d+) packets in", out).group(1))
        st = no_sockets_and_pools_home("g0")
        if pushed < 5000 or port_of(st, "g0")["total"]["tx_packets"] != fwd + pushed:
            fail(f"txpush {pushed}: {port_of(st, 'g0')['total']}")
    finally:
        d.stop()


def case_shared_umem():
    n = 5000
    d = Daemon("workers 2\nport g0 gen:size=64,flows=64,queues=2,rate=200000\n")
    try:
        r = probe("shared", "g0", str(n), timeout=90)
        if r.get("received") != n or r.get("child_received") != n:
            fail(f"shared: {r}")
        if r.get("marker") != 0xa5:
            fail(f"shared: the child's write to the UMEM is not seen by the parent: {r}")
        no_sockets_and_pools_home("g0")
    finally:
        d.stop()


def case_hostile():
    d = Daemon("workers 1\nport g0 gen:size=64,flows=4\n")
    try:
        r = probe("hostile", "g0", timeout=60)
        if r["tx_invalid"] != 5 or r["tx_packets"] != 1:
            fail(f"hostile: tx {r} (want 5 invalid, 1 sent)")
        if r["rx_invalid"] < 2:
            fail(f"hostile: fill entries outside the UMEM not counted: {r}")
        if r["after"] < 100:
            fail(f"hostile: the socket does not work after bad input: {r}")
        no_sockets_and_pools_home("g0")
    finally:
        d.stop()


def case_kill9():
    """A client killed mid-run: its socket goes, its frames come home, the next one works."""
    d = Daemon("workers 1\nport g0 gen:size=64,flows=4\n")
    try:
        for mode in ("zc", "copy", "zc"):
            p = subprocess.Popen([PROBE, "hold", "g0", "0", mode], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, env=ENV)
            if "bound" not in p.stdout.readline():
                fail("hold did not bind")
            wait_for(lambda: any(s["rx"] > 10000 for s in stats().get("sockets", [])),
                     "traffic to the held socket")
            p.kill()
            p.wait()
            no_sockets_and_pools_home("g0")
        r = probe("rx", "g0", "0", "1000", "zc")
        if r["received"] != 1000:
            fail(f"after kill -9: {r}")
    finally:
        d.stop()


def case_need_wakeup():
    """idle-sleep: the worker sleeps (up to 1 s at a time) when idle, and a client that
    binds (a control call wakes the worker) and pushes 20000 frames, kicking whenever
    XDP_RING_NEED_WAKEUP asks, gets them all out. (The kick itself is checked in
    tests/unit/xsksrv need_wakeup_kick; here the worker may stay awake throughout.)"""
    d = Daemon("workers 1\nidle-sleep 1000000\nport n0 null:\n")
    try:
        wait_for(lambda: stats()["worker_stats"][0]["sleeps"] > 0, "the idle worker sleeps")
        out = run([FWD, "-i", "n0", "-m", "txpush", "-n", "20000"], timeout=60)
        pushed = int(re.search(r": (\d+) packets in", out).group(1))
        st = no_sockets_and_pools_home("n0")
        if port_of(st, "n0")["total"]["tx_packets"] != pushed or pushed < 20000:
            fail(f"txpush {pushed}: {port_of(st, 'n0')['total']}")
        if st["worker_stats"][0]["sleeps"] == 0:
            fail(f"the worker never slept: {st['worker_stats']}")
    finally:
        d.stop()


def case_example_kernel():
    """The same xsk_fwd source built against libxdp runs on a kernel AF_XDP socket: a veth
    in a namespace made here (and removed), 64-byte frames from bench/veth_gen."""
    if os.geteuid() != 0 or not FWD_KERNEL:
        msg = "needs root and libxdp (xsk_fwd-libxdp)"
        if os.environ.get("CI") == "true":
            fail(msg + " under CI")
        print("SKIP: " + msg)
        sys.exit(77)
    ns_g, ns_r = f"uxkg{os.getpid()}", f"uxkr{os.getpid()}"

    def ip(*a):
        subprocess.run(["ip", *a], check=True, capture_output=True, timeout=30)
    try:
        ip("netns", "add", ns_g)
        ip("netns", "add", ns_r)
        ip("-n", ns_r, "link", "add", "vrx", "type", "veth", "peer", "name", "vgen",
           "netns", ns_g)
        ip("-n", ns_g, "link", "set", "vgen", "up")
        ip("-n", ns_r, "link", "set", "vrx", "up")
        app = subprocess.Popen(["ip", "netns", "exec", ns_r, FWD_KERNEL, "-i", "vrx",
                                "-m", "rxdrop", "-n", "1000", "-d", "20"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1)  # socket bound and program attached before the first frame
        subprocess.run(["ip", "netns", "exec", ns_g, VETH_GEN, "vgen", "1"],
                       capture_output=True, timeout=30)
        out = app.communicate(timeout=40)[0]
        check_clean("xsk_fwd-libxdp", out)
        m = re.search(r": (\d+) packets in", out)
        if app.returncode or not m or int(m.group(1)) < 1000:
            fail(f"xsk_fwd-libxdp on a kernel AF_XDP socket: exit {app.returncode}\n{out}")
        st = socket_stats(out, "xsk_fwd-libxdp")  # the kernel's getsockopt: veth copies
        if st["zero_copy"] != 0 or st["rx_invalid_descs"]:
            fail(f"xsk_fwd-libxdp: getsockopt(SOL_XDP) says {st}")
    finally:
        subprocess.run(["ip", "netns", "del", ns_g], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns_r], capture_output=True)


def case_poll():
    """poll() with no timeout on the socket fd wakes when frames arrive (a slow generator:
    the ring is empty most of the time, so the client sleeps between frames)."""
    d = Daemon("workers 1\nport g0 gen:size=64,flows=2,rate=2000\n")
    try:
        r = probe("pollwait", "g0", "300", timeout=100)
        if r["received"] < 300 or r["polls"] == 0 or r["wakeups"] == 0:
            fail(f"poll: {r} (want 300 frames received through poll() wake-ups)")
        no_sockets_and_pools_home("g0")
    finally:
        d.stop()


def case_fill_kick(how):
    """idle-sleep: a zero-copy socket with an empty fill ring starves the generator, the
    worker sleeps with XDP_RING_NEED_WAKEUP on the fill ring, and the client fills the ring
    and kicks once -- the kernel's recvfrom() or poll() idiom, through
    uxdp_xsk_recvfrom()/uxdp_xsk_poll() -- which uxdpd counts; 1000 frames arrive.
    (That the kick, not the sleep's end, wakes the worker: tests/unit/xsksrv
    need_wakeup_fill_kick, with a 10 s sleep.)"""
    d = Daemon("workers 1\nidle-sleep 1000000\nport g0 gen:size=64,flows=2\n")
    try:
        r = probe("kick", "g0", "1000", how, timeout=60)
        if r["received"] != 1000 or r["kicks"] != 1 or r["ms"] >= 20000:
            fail(f"fill-ring kick by {how}: {r} (want 1000 frames after exactly one kick)")
        no_sockets_and_pools_home("g0")
    finally:
        d.stop()


CASES = {
    "fill_kick_recvfrom": lambda: case_fill_kick("recvfrom"),
    "fill_kick_poll": lambda: case_fill_kick("poll"),
    "poll": case_poll,
    "example_kernel": case_example_kernel,
    "need_wakeup": case_need_wakeup,
    "rx_zc": lambda: case_rx("zc"),
    "rx_copy": lambda: case_rx("copy"),
    "l2fwd_example": case_l2fwd_example,
    "shared_umem": case_shared_umem,
    "hostile": case_hostile,
    "kill9": case_kill9,
}

if __name__ == "__main__":
    CASES[CASE]()
    print(f"{CASE}: ok")
