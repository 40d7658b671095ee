#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""uxdpd and the daemon verbs of uxdp (attach, detach, stats, map dump): config
errors naming line and field, start/stop, attach/replace/detach on a port under
traffic with consistent counters, stats and map dump JSON, malformed control
messages, and a truncated object sent for attach. Every case uses its own
socket path and kills its daemon at the end, even on failure. No timing
assertions: traffic is count-limited and the checks are on totals.

usage: test_daemon.py CASE UXDPD UXDP WORKDIR   (objects in the environment:
UXDP_DROP_OBJ, UXDP_PASS_OBJ, UXDP_TX_OBJ, UXDP_DDOS_OBJ, UXDP_DDOS_SEED, UXDP_BAD_HELPER_OBJ)
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import uxdpd_harness
from uxdpd_harness import check_clean, fail

CASE, UXDPD, UXDP, WORK = sys.argv[1:5]
DROP = os.environ["UXDP_DROP_OBJ"]
PASS = os.environ["UXDP_PASS_OBJ"]
TX = os.environ["UXDP_TX_OBJ"]
DDOS = os.environ["UXDP_DDOS_OBJ"]
SEED = os.environ["UXDP_DDOS_SEED"]
BAD_HELPER = os.environ["UXDP_BAD_HELPER_OBJ"]
os.makedirs(WORK, exist_ok=True)
SOCK = os.path.join(WORK, "uxdpd.sock")
VERDICTS = ("aborted", "drop", "pass", "tx", "redirect")


def write(name, content, mode="w"):
    path = os.path.join(WORK, name)
    with open(path, mode) as f:
        f.write(content)
    return path


def cli(*args, code=0, want=()):
    return uxdpd_harness.run_cli(UXDP, SOCK, *args, code=code, want=want)


class Daemon(uxdpd_harness.Daemon):
    """uxdpd on a config, on this case's socket; stop() checks a clean exit."""

    def __init__(self, config):
        super().__init__(UXDPD, config, SOCK, WORK)


def config(name, text):
    return write(name, text)


def stats():
    return json.loads(cli("stats", "--json"))


def port_stats(st, name):
    for p in st["ports"]:
        if p["name"] == name:
            return p
    fail(f"no port {name} in stats: {st}")


# --- cases ---------------------------------------------------------------------------------


def case_config_errors():
    bad = {
        "workers 0\nport p null:\n": ["bad1.conf:1: workers: '0' is not in 1..64"],
        "workers 2\nworkers 3\nport p null:\n": ["bad2.conf:2: workers: given twice (first on line 1)"],
        "# c\n\nport p null:\nfrobnicate 1\n": ["bad3.conf:4: frobnicate: unknown keyword"],
        "port p nocolon\n": ["bad4.conf:1: port spec: 'nocolon' is not BACKEND:ARGS"],
        "port p gen:flows=0\n": ["bad5.conf:1: port p: spec 'gen:flows=0'", "flows"],
        "port p null:\nport p null:\n": ["bad6.conf:2: port name: 'p' is already a port (line 1)"],
        "port p null:\nqueue p 0 3\n": ["bad7.conf:2: queue worker: worker 3 does not exist"],
        "port p null:\nqueue q 0 0\n": ["bad8.conf:2: queue port: no port 'q'"],
        "port p null:\nattach p nothere\n": ["bad9.conf:2: attach object: no object 'nothere'"],
        f"port p null:\nobject o {DROP}\nattach p o prog=nope\n":
            ["bad10.conf:3: attach prog: no program 'nope'", "xdp_drop"],
        "port p null:\nobject o /nonexistent/x.o\n":
            ["bad11.conf:2: object o: cannot open /nonexistent/x.o"],
        "port p null:\nqueue p 5 0\n": ["bad12.conf:2: queue qid: port p has 1 RX queues"],
        "workers 1\n": ["bad13.conf: no port line"],
        "pin 0,x\nport p null:\n": ["bad14.conf:1: pin: '0,x' is not yes, no or a list"],
        "port p null: extra\n": ["bad15.conf:1: port: unexpected argument 'extra'"],
        f"port p null:\nobject o {DDOS} maps={WORK}/nope.json\n":
            ["bad16.conf:2: object maps:", "nope.json"],
        "engine turbo\nport p null:\n": ["bad17.conf:1: engine: 'turbo' is not default, interp or jit"],
        "port p null:\nport q bogus:x\n": ["bad18.conf:2: port q: spec 'bogus:x'"],
    }
    for i, (text, frags) in enumerate(bad.items(), 1):
        path = config(f"bad{i}.conf", text)
        p = subprocess.run([UXDPD, "--config", path, "--ctl", SOCK], capture_output=True,
                           text=True, timeout=30)
        out = p.stdout + p.stderr
        check_clean(path, out)
        if p.returncode != 1:
            fail(f"{path}: exit {p.returncode}, want 1:\n{out}")
        for f in frags:
            if f not in out:
                fail(f"{path}: output lacks {f!r}:\n{out}")
        if os.path.exists(SOCK):
            fail(f"{path}: a socket was left behind")
        print(f"ok: {path}: {out.strip()}")
    nul = write("nul.conf", b"port p null:\nwork\0ers 2\n", "wb")
    p = subprocess.run([UXDPD, "--config", nul], capture_output=True, text=True, timeout=30)
    if p.returncode != 1 or "nul.conf:2: line: has a NUL byte" not in p.stderr:
        fail(f"NUL byte config: exit {p.returncode}: {p.stderr}")
    p = subprocess.run([UXDPD, "--config", os.path.join(WORK, "missing.conf")],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 1 or "missing.conf: No such file" not in p.stderr:
        fail(f"missing config: exit {p.returncode}: {p.stderr}")
    p = subprocess.run([UXDPD], capture_output=True, text=True, timeout=30)
    if p.returncode != 2 or "--config FILE is required" not in p.stderr:
        fail(f"no --config: exit {p.returncode}: {p.stderr}")
    good = config("good.conf", f"workers 2\npin no\nport a gen:count=10,queues=2\n"
                  f"object o {DROP}\nattach a o\n")
    p = subprocess.run([UXDPD, "--config", good, "--check"], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0 or "OK (1 ports, 2 workers, 1 objects)" not in p.stdout:
        fail(f"--check of a good config: exit {p.returncode}: {p.stdout}{p.stderr}")


def case_start_stop():
    cfg = config("ss.conf", "workers 2\npin no\nport a gen:count=1000,queues=2\nport b null:\n")
    d = Daemon(cfg)
    try:
        cli("stats", want=("port a (gen:count=1000,queues=2", "no program", "port b (null:"))
        # a second daemon on the same socket is refused, the first keeps running
        p = subprocess.run([UXDPD, "--config", cfg, "--ctl", SOCK], capture_output=True,
                           text=True, timeout=30)
        if p.returncode != 1 or "another daemon is listening on" not in p.stderr:
            fail(f"second daemon: exit {p.returncode}: {p.stderr}")
        cli("stats")
        out = d.stop()
        if "stopping" not in out:
            fail(f"no stop message:\n{out}")
    finally:
        d.kill()
    cli("stats", code=1, want=("cannot connect to uxdpd at " + SOCK,))


def settled(p, total):
    """All of the port's packets arrived, got a verdict, and their buffers came back."""
    t = p["total"]
    return (t["rx_packets"] >= total and sum(t[v] for v in VERDICTS) + t["invalid"] >= total
            and all(q["page_pool"]["in_flight"] == 0 for q in p["queues"]))


def wait_total(port, total, timeout=30):
    """Stats once the port's count-limited traffic is over (the caller checks the totals;
    counters of the last vector land just after rx_packets, so wait for both)."""
    deadline = time.monotonic() + timeout
    while True:
        st = stats()
        p = port_stats(st, port)
        if settled(p, total):
            return st
        if time.monotonic() > deadline:
            print(f"port {port}: not settled after {timeout} s: {p['total']}")
            return st
        time.sleep(0.05)


def case_attach_replace():
    total = 60000
    cfg = config("ar.conf", f"workers 2\npin no\nport g gen:count={total},rate=20000,flows=32,"
                 f"queues=2\nport n null:\n")
    d = Daemon(cfg)
    try:
        swaps = 0
        progs = [(DROP, "xdp_drop"), (TX, "mac_swap"), (None, None), (PASS, "xdp_pass")]
        while True:
            obj, name = progs[swaps % len(progs)]
            if obj:
                cli("attach", "g", obj, want=(f"g: attached {name} (id ",))
            else:
                cli("detach", "g", want=("g: detached",))
            swaps += 1
            p = port_stats(stats(), "g")
            if p["total"]["rx_packets"] >= total and swaps >= len(progs):
                break
        st = wait_total("g", total)
        p = port_stats(st, "g")
        t = p["total"]
        # every frame was processed once: by one program, or by none (PASS)
        if t["rx_packets"] != total:
            fail(f"rx_packets {t['rx_packets']} != {total}")
        if sum(t[v] for v in VERDICTS) + t["invalid"] != total:
            fail(f"verdicts {[t[v] for v in VERDICTS]} do not add up to {total}: {t}")
        if t["tx_packets"] != t["tx"] or t["tx_err"] or t["redirect_err"]:
            fail(f"TX verdicts {t['tx']} vs transmitted {t['tx_packets']}: {t}")
        qsum = {v: sum(q[v] for q in p["queues"]) for v in VERDICTS + ("rx_packets",)}
        for v, n in qsum.items():
            if n != t[v]:
                fail(f"queues' {v} add up to {n}, total says {t[v]}")
        for q in p["queues"]:
            if q["page_pool"]["in_flight"] != 0:
                fail(f"queue {q['queue']}: {q['page_pool']['in_flight']} buffers in flight")
        print(f"ok: {swaps} attach/detach under traffic; verdicts "
              + ", ".join(f"{v} {t[v]}" for v in VERDICTS))
        # errors on a live daemon: unknown port, unknown program, not a regular file
        cli("attach", "nope", DROP, code=1, want=("no port 'nope' (ports: g, n)",))
        cli("attach", "g", DROP, "--prog", "nope", code=1, want=("no program 'nope'", "xdp_drop"))
        cli("attach", "g", WORK, code=1, want=(f"{os.path.realpath(WORK)} is not a regular file",))
        fifo = os.path.join(WORK, "fifo.o")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        cli("attach", "g", fifo, code=1, want=("is not a regular file",))
        cli("detach", "nope", code=1, want=("no port 'nope'",))
        cli("detach", "n", want=("n: no program attached",))
        if not d.alive():
            fail("uxdpd died")
        d.stop()
    finally:
        d.kill()


def case_stats_json():
    cfg = config("sj.conf", f"workers 2\npin no\nport a gen:count=5000,queues=2\n"
                 f"port b gen:count=3000\nobject drop {DROP}\nobject pass {PASS}\n"
                 f"attach a drop\nattach b pass\n")
    d = Daemon(cfg)
    try:
        st = wait_total("a", 5000)
        st = wait_total("b", 3000)
        if st["workers"] != 2 or len(st["worker_stats"]) != 2:
            fail(f"workers: {st['workers']}, {st['worker_stats']}")
        a, b = port_stats(st, "a"), port_stats(st, "b")
        if a["program"] != "xdp_drop" or b["program"] != "xdp_pass" or not a["prog_id"]:
            fail(f"programs: {a['program']} {b['program']}")
        if a["total"]["drop"] != 5000 or a["total"]["pass"] or b["total"]["pass"] != 3000:
            fail(f"verdicts: a {a['total']}, b {b['total']}")
        if len(a["queues"]) != 2 or {q["worker"] for q in a["queues"]} != {0, 1}:
            fail(f"queues of a: {a['queues']}")
        if a["ifindex"] == b["ifindex"] or a["spec"] != "gen:count=5000,queues=2":
            fail(f"ports: {a['ifindex']} {b['ifindex']} {a['spec']}")
        keys = {"rx_packets", "rx_bytes", "redirect_err", "tx_err", "page_pool", "rx_nobuf"}
        for q in a["queues"]:
            if not keys <= set(q):
                fail(f"queue lacks {keys - set(q)}")
            pp = q["page_pool"]
            if pp["alloc_fast"] + pp["alloc_slow"] < q["rx_packets"] or pp["in_flight"]:
                fail(f"page_pool of queue {q['queue']}: {pp}")
        if a["total"]["rx_bytes"] != 5000 * 64:
            fail(f"rx_bytes {a['total']['rx_bytes']}")
        # --watch --json: one line per interval with rates
        out = cli("stats", "--json", "--watch", "0.1", "--count", "2")
        lines = [json.loads(l) for l in out.splitlines()]
        if len(lines) != 2 or "interval_ns" not in lines[0] or \
                "rates" not in lines[1]["ports"][0]["total"]:
            fail(f"--watch --json output: {out[:500]}")
        if lines[1]["ports"][0]["total"]["rates"]["drop"] != 0:  # traffic is over
            fail(f"rate after the end of traffic: {lines[1]['ports'][0]['total']['rates']}")
        cli("stats", "--watch", "0.1", "--count", "1", want=("packets per second over",))
        cli("stats", "--count", "2", code=2, want=("--count needs --watch",))
        d.stop()
    finally:
        d.kill()


def bytes_of(lst, n):
    if len(lst) != n or not all(isinstance(x, str) and len(x) == 4 and x.startswith("0x")
                                for x in lst):
        fail(f"not {n} bytes as 0x.. strings: {lst}")
    return bytes(int(x, 16) for x in lst)


def case_map_dump():
    cfg = config("md.conf", f"workers 2\npin no\nport a gen:count=2000,flows=4,src=203.0.113.3\n"
                 f"port b gen:count=1000,flows=2,src=10.1.0.10\n"
                 f"object ddos {DDOS} maps={SEED}\nattach a ddos prog=ddos_filter\n"
                 f"attach b ddos\n")
    d = Daemon(cfg)
    try:
        wait_total("a", 2000)
        wait_total("b", 1000)
        blk = json.loads(cli("map", "dump", "blocklist"))
        if not isinstance(blk, list) or len(blk) != 3:
            fail(f"blocklist dump: {blk}")
        hits = {}
        for e in blk:
            if set(e) != {"key", "value"}:
                fail(f"entry keys {set(e)}")
            k = bytes_of(e["key"], 20)
            hits[k[:8].hex()] = int.from_bytes(bytes_of(e["value"], 8), "little")
        # 203.0.113.0/24 is blocklisted: every packet of port a hit it
        if hits.get("18000000cb007100") != 2000:
            fail(f"blocklist hits {hits}")
        ver = json.loads(cli("map", "dump", "verdicts", "--port", "b"))
        if len(ver) != 5:
            fail(f"verdicts dump has {len(ver)} entries")
        total = 0
        for i, e in enumerate(ver):
            if set(e) != {"key", "values"} or bytes_of(e["key"], 4) != struct.pack("<I", i):
                fail(f"per-CPU entry {e}")
            if [v["cpu"] for v in e["values"]] != [0, 1]:
                fail(f"cpus {e['values']}")
            total += sum(int.from_bytes(bytes_of(v["value"], 8), "little") for v in e["values"])
        if total != 3000:
            fail(f"verdict counters add up to {total}, want 3000")
        out = cli("map", "dump", "verdicts", "--pretty")
        if '"key": [' not in out or json.loads(out) is None:
            fail(f"--pretty: {out[:200]}")
        cli("map", "dump", "nope", code=1, want=("no map 'nope'", "blocklist", "verdicts"))
        cli("map", "dump", "verdicts", "--port", "zz", code=1, want=("no port 'zz'",))
        cli("map", "dump", code=2, want=("missing NAME",))
        d.stop()
    finally:
        d.kill()


def msg(version=1, typ=4, length=None, flags=0, seq=7, payload=b"", magic=0x50445855):
    body = payload
    n = 24 + len(body) if length is None else length
    return struct.pack("<IHHIIII", magic, version, typ, n, flags, seq, 0) + body


def name(s, size=64):
    return s.encode().ljust(size, b"\0")


def call(raw):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(SOCK)
    s.send(raw)
    r = s.recv(70000)
    s.close()
    if len(r) < 32:
        fail(f"short reply {r!r}")
    magic, ver, typ, n, flags, seq, _ = struct.unpack("<IHHIIII", r[:24])
    status, tlen = struct.unpack("<iI", r[24:32])
    if magic != 0x50445855 or typ != 1 or n != len(r) or tlen != n - 32:
        fail(f"malformed reply {r[:64]!r}")
    return status, r[32:].decode(), seq


def case_malformed():
    cfg = config("mf.conf", "pin no\nport a gen:count=100\n")
    d = Daemon(cfg)
    try:
        attach = lambda port, prog, path, plen=None: (  # noqa: E731
            name(port) + name(prog) + struct.pack("<II", len(path) if plen is None else plen, 0)
            + path)
        cases = [
            (b"UXDP", "short message: 4 bytes"),
            (msg(version=2), "protocol version 2 is not supported"),
            (msg(magic=0x12345678), "bad magic"),
            (msg(length=100), "field 'len' says 100 bytes, the message has 24"),
            (msg(flags=1), "field 'flags' must be 0"),
            (msg(typ=99), "unknown message type 99"),
            (msg(typ=1), "unknown message type 1"),
            (msg(payload=b"xx"), "STATS message of 26 bytes, want 24"),
            (msg(typ=3, payload=b"a" * 64), "field 'port' is not NUL-terminated"),
            (msg(typ=3, payload=name("")), "field 'port' is empty"),
            (msg(typ=3, payload=name("a\x01")), "not a printable character"),
            (msg(typ=3, payload=name("a") + b"x"), "DETACH message of 89 bytes, want 88"),
            (msg(typ=5, payload=name("") + b"m" * 64), "field 'map' is not NUL-terminated"),
            (msg(typ=2, payload=name("a")), "ATTACH message of 88 bytes, want at least 160"),
            (msg(typ=2, payload=attach("a", "", b"/x.o\0", 99)), "field 'path_len' says 99"),
            (msg(typ=2, payload=attach("a", "", b"/x.o")), "field 'path' is not NUL-terminated"),
            (msg(typ=2, payload=attach("a", "", b"/x\0.o\0")), "field 'path' has a NUL inside"),
            (msg(typ=2, payload=attach("a", "", b"x.o\0")), "must be an absolute path"),
            (msg(typ=2, payload=attach("a", "p" * 64, b"/x.o\0")),
             "field 'prog' is not NUL-terminated"),
            (msg(typ=2, payload=attach("a", "", b"/" + b"x" * 5000 + b"\0")),
             "field 'path_len' 5002 is not in 2..4096"),
            (msg(payload=b"z" * 70000), "message of 70024 bytes is over the 65536-byte limit"),
        ]
        for raw, want in cases:
            status, text, seq = call(raw)
            if status >= 0 or want not in text:
                fail(f"{raw[:40]!r}...: status {status}, text {text!r}, want {want!r}")
            print(f"ok: refused ({status}): {text}")
        # a valid request on a fresh connection still works, and the refusals were counted
        st = stats()
        if st["ctl"]["refused"] != len(cases):
            fail(f"refused {st['ctl']['refused']}, want {len(cases)}")
        # a connection survives a refused message: send bad then good on the same socket
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(10)
        s.connect(SOCK)
        s.send(msg(version=9))
        r = s.recv(70000)
        s.send(msg(seq=42))
        r = s.recv(70000)
        s.close()
        if struct.unpack("<i", r[24:28])[0] != 0 or struct.unpack("<I", r[16:20])[0] != 42:
            fail(f"good request after a bad one: {r[:40]!r}")
        # a client that connects and goes away, and one that sends nothing
        idle = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        idle.connect(SOCK)
        gone = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        gone.connect(SOCK)
        gone.close()
        stats()
        idle.close()
        if not d.alive():
            fail("uxdpd died")
        d.stop()
    finally:
        d.kill()


def case_truncated_object():
    cfg = config("tr.conf", f"pin no\nport a gen:count=1000\nobject drop {DROP}\nattach a drop\n")
    d = Daemon(cfg)
    try:
        data = open(DROP, "rb").read()
        for n in (0, 10, 64, 300, len(data) // 2, len(data) - 1):
            path = write(f"trunc{n}.o", data[:n], "wb")
            cli("attach", "a", path, code=1, want=(f"cannot load {os.path.realpath(path)}",))
        # the loader's log comes back to the client
        cli("attach", "a", write("trunc300.o", data[:300], "wb"), code=1,
            want=("corrupt ELF",))
        cli("attach", "a", write("text.o", "not an object file\n"), code=1,
            want=("cannot load", "not an ELF file"))
        cli("attach", "a", BAD_HELPER, code=1,
            want=("cannot load", "helper 14 (bpf_get_current_pid_tgid)", "insn 0"))
        st = wait_total("a", 1000)
        a = port_stats(st, "a")
        if a["program"] != "xdp_drop" or a["total"]["drop"] != 1000:
            fail(f"the old program must stay attached: {a['program']} {a['total']}")
        if not d.alive():
            fail("uxdpd died")
        d.stop()
    finally:
        d.kill()


CASES = {k[len("case_"):]: v for k, v in globals().items() if k.startswith("case_")}
if CASE not in CASES:
    sys.exit(f"unknown case {CASE}; have {', '.join(CASES)}")
if os.path.exists(SOCK):
    os.unlink(SOCK)
CASES[CASE]()
