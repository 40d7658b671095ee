#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""uxdpd's control side of application sockets (XSK_BIND, XSK_STATS, XSK_MAP_KEY):
every malformed XSK_BIND field refused with a message naming it (the daemon stays up and
keeps serving, and closes every fd that came with a message), wrong fd counts, fds that are
not memfds, zero-length messages on a connection that is no socket (ignored), the xsk
policy (uid 0 always; others by `xsk` rules; copy-only; deny; control-group lets a group
connect at all) with a client that really runs as uid 65534, config errors of `xsk` and
`control-group` lines naming FILE:LINE: field, and the sockets part of `uxdp stats`.

usage: test_xsk_ctl.py CASE UXDPD UXDP WORKDIR
"""
import errno
import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import uxdpd_harness
from uxdpd_harness import check_clean, fail

CASE, UXDPD, UXDP, WORK = sys.argv[1:5]
os.makedirs(WORK, exist_ok=True)
SOCK = os.path.join(WORK, "uxdpd.sock")
MAGIC = 0x50445855
T_REPLY, T_STATS, T_DETACH, T_BIND, T_XSTATS, T_MAPKEY = 1, 4, 3, 6, 7, 8
XDP_SHARED_UMEM, XDP_COPY, XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP = 1, 2, 4, 8
FILL, COMP, RX, TX = range(4)
BIND_SIZE = 192


def write(name, content):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(content)
    return path


def cli(*args, code=0, want=(), sock=None):
    return uxdpd_harness.run_cli(UXDP, sock or SOCK, *args, code=code, want=want)


class Daemon(uxdpd_harness.Daemon):
    """uxdpd on a config file and socket (this case's by default)."""

    def __init__(self, config, sock=SOCK):
        super().__init__(UXDPD, config, sock, WORK)


# --- messages ------------------------------------------------------------------------------


def hdr(typ, n, seq=7):
    return struct.pack("<IHHIIII", MAGIC, 1, typ, n, 0, seq, 0)


def name(s, size=64):
    return (s.encode() if isinstance(s, str) else s).ljust(size, b"\0")


def ring_layout(entries):
    """Offsets of the four rings: rx/tx in one memfd, fill/comp in the other, page-aligned."""
    def nbytes(r):
        return 256 + entries[r] * (16 if r in (RX, TX) else 8)

    def up(v):
        return (v + 4095) & ~4095

    off = [0] * 4
    off[COMP] = up(nbytes(FILL))
    off[TX] = up(nbytes(RX))
    return off, up(off[COMP] + nbytes(COMP)), up(off[TX] + nbytes(TX))


def bind_msg(seq=7, abi=1, queue=0, port="a", bind_flags=0, libxdp_flags=0, umem_size=1 << 20,
             chunk_size=2048, headroom=0, umem_flags=0, reserved=0, entries=(256, 256, 256, 256),
             offs=None, ring_reserved=(0, 0, 0, 0), extra=b""):
    off = offs if offs is not None else ring_layout(entries)[0]
    body = struct.pack("<II", abi, queue) + name(port)
    body += struct.pack("<IIQIIII", bind_flags, libxdp_flags, umem_size, chunk_size, headroom,
                        umem_flags, reserved)
    for r in range(4):
        body += struct.pack("<QII", off[r], entries[r], ring_reserved[r])
    body += extra
    return hdr(T_BIND, 24 + len(body), seq) + body


def memfd(size, sealed=True):
    fd = os.memfd_create("uxdp-test", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, size)
    if sealed:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
    return fd


def bind_fds(umem_size=1 << 20, entries=(256, 256, 256, 256)):
    """Sealed memfds as a client makes them: UMEM, rx/tx rings, fill/comp rings (if any)."""
    _, fqcq, rxtx = ring_layout(entries)
    fds = [memfd(umem_size), memfd(rxtx)]
    if entries[FILL]:
        fds.append(memfd(fqcq))
    return fds


def parse_reply(r):
    if len(r) < 32:
        fail(f"short reply {r!r}")
    magic, ver, typ, n, flags, seq, _ = struct.unpack("<IHHIIII", r[:24])
    status, tlen = struct.unpack("<iI", r[24:32])
    if magic != MAGIC or typ != T_REPLY or n != len(r) or tlen != n - 32 or flags:
        fail(f"malformed reply {r[:64]!r}")
    return status, r[32:].decode(), seq


def connect(sock=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(sock or SOCK)
    return s


def call_on(s, raw, fds=()):
    if fds:
        socket.send_fds(s, [raw], list(fds))
    else:
        s.send(raw)
    return parse_reply(s.recv(70000))


def call(raw, fds=(), sock=None):
    s = connect(sock)
    try:
        return call_on(s, raw, fds)
    finally:
        s.close()


def close_all(fds):
    for fd in fds:
        os.close(fd)


def stats(sock=None):
    return json.loads(cli("stats", "--json", sock=sock))


def config(name_, text):
    return write(name_, text)


# --- cases ---------------------------------------------------------------------------------


def bad_binds():
    """(message, want) for every XSK_BIND field check; sent with the right fds."""
    e4 = (256, 256, 256, 256)
    off = ring_layout(e4)[0]
    return [
        (bind_msg(abi=2), "field 'abi' is 2"),
        (bind_msg(port=""), "field 'port' is empty"),
        (bind_msg(port=b"p" * 64), "field 'port' is not NUL-terminated"),
        (bind_msg(port="a b"), "field 'port' has a byte 0x20"),
        (bind_msg(bind_flags=0x10), "field 'bind_flags' has unknown bits 0x10"),
        (bind_msg(bind_flags=XDP_COPY | XDP_ZEROCOPY),
         "field 'bind_flags' has both XDP_COPY and XDP_ZEROCOPY"),
        (bind_msg(libxdp_flags=2), "field 'libxdp_flags' has unknown bits 0x2"),
        (bind_msg(chunk_size=1024), "field 'chunk_size' 1024"),
        (bind_msg(chunk_size=3072), "field 'chunk_size' 3072"),
        (bind_msg(chunk_size=8192, umem_size=1 << 20), "field 'chunk_size' 8192"),
        (bind_msg(chunk_size=0), "field 'chunk_size' 0"),
        (bind_msg(headroom=2048 - 256 - 320), "field 'headroom' 1472"),
        (bind_msg(chunk_size=4096, headroom=4000), "field 'headroom' 4000"),
        (bind_msg(umem_size=0), "field 'umem_size' 0"),
        (bind_msg(umem_size=(1 << 20) + 1024), "field 'umem_size' 1049600"),
        (bind_msg(umem_size=(1 << 40) + 4096, chunk_size=4096), "field 'umem_size' 1099511631872"),
        (bind_msg(umem_flags=3), "field 'umem_flags' has unknown bits 0x2"),
        (bind_msg(umem_flags=1, chunk_size=5000), "field 'chunk_size' 5000 is not in 2048..4096"),
        (bind_msg(umem_flags=4), "field 'umem_flags' has unknown bits 0x4"),
        (bind_msg(reserved=1), "field 'reserved' of XSK_BIND must be 0"),
        (bind_msg(entries=(256, 256, 100, 256)), "field 'ring[rx].entries' 100"),
        (bind_msg(entries=(256, 256, 256, 1 << 17)), "field 'ring[tx].entries' 131072"),
        (bind_msg(entries=(3, 256, 256, 256)), "field 'ring[fill].entries' 3"),
        (bind_msg(offs=[off[0], off[1] + 8, off[2], off[3]]), "field 'ring[comp].off'"),
        (bind_msg(offs=[1 << 40, off[1], off[2], off[3]]), "field 'ring[fill].off' 1099511627776"),
        (bind_msg(ring_reserved=(0, 0, 0, 5)), "field 'ring[tx].reserved' must be 0"),
        (bind_msg(entries=(256, 256, 0, 0)),
         "field 'ring[rx].entries' and 'ring[tx].entries' are both 0"),
        (bind_msg(entries=(256, 0, 256, 256)), "field 'ring[comp].entries' is 0"),
        (bind_msg(entries=(0, 256, 256, 256)), "field 'ring[fill].entries' is 0"),
        (bind_msg(offs=[0, 0, off[2], off[3]]), "field 'ring[comp].off' 0: the ring overlaps"),
        (bind_msg(offs=[off[0], off[1], 4096, 4096]), "field 'ring[tx].off' 4096: the ring overlaps"),
        (bind_msg()[:-1], "XSK_BIND message of 191 bytes, want 192"),
        (bind_msg(extra=b"\0"), "XSK_BIND message of 193 bytes, want 192"),
    ]


def case_bind_errors():
    cfg = config("be.conf", "pin no\nport a gen:count=100,queues=2\nport n null:\n")
    d = Daemon(cfg)
    try:
        base_fds = d.quiet_fds()
        refused = 0
        for raw, want in bad_binds():
            # the length field must match the message for the size cases
            raw = raw[:8] + struct.pack("<I", len(raw)) + raw[12:]
            fds = bind_fds()
            try:
                status, text, seq = call(raw, fds)
            finally:
                close_all(fds)
            if status != -errno.EINVAL or want not in text or seq != 7:
                fail(f"want {want!r}: status {status}, seq {seq}, text {text!r}")
            refused += 1
            print(f"ok: refused: {text}")
        # wrong fd counts (the message itself is good)
        fd_cases = [
            ((256, 256, 256, 256), 0, "takes 3 file descriptors (UMEM, rx/tx rings, fill/comp "
             "rings), 0 came"),
            ((256, 256, 256, 256), 2, "takes 3 file descriptors"),
            ((0, 0, 256, 256), 3, "without fill/comp rings takes 2 file descriptors (UMEM, "
             "rx/tx rings), 3 came"),
            ((0, 0, 256, 256), 1, ", 1 came"),
            ((256, 256, 256, 256), 4, "rings, fill/comp rings), 4 came"),
            ((256, 256, 256, 256), 6, "more file descriptors than a message takes (at most 3)"),
        ]
        for entries, nfds, want in fd_cases:
            fds = [memfd(1 << 20) for _ in range(nfds)]
            try:
                status, text, _ = call(bind_msg(entries=entries), fds)
            finally:
                close_all(fds)
            if status != -errno.EINVAL or want not in text or "fds" not in text:
                fail(f"{nfds} fds for {entries}: status {status}, text {text!r}, want {want!r}")
            refused += 1
            print(f"ok: {nfds} fds: {text}")
        # fds on messages that take none: refused, the fds closed
        for raw in (hdr(T_STATS, 24), hdr(T_DETACH, 88) + name("a")):
            fds = [memfd(4096)]
            try:
                status, text, _ = call(raw, fds)
            finally:
                close_all(fds)
            if status != -errno.EINVAL or "came with 1 file descriptors, it takes none" not in text:
                fail(f"fds on a message that takes none: {status} {text!r}")
            refused += 1
        # checks past the parser: port, queue (not counted as refused: the handler answers)
        fds = bind_fds()
        status, text, _ = call(bind_msg(port="zz"), fds)
        if status != -errno.ENOENT or "no port 'zz' (ports: a, n)" not in text:
            fail(f"unknown port: {status} {text!r}")
        status, text, _ = call(bind_msg(queue=2), fds)
        if status != -errno.EINVAL or "field 'queue': port 'a' has 2 RX queues (0..1), not 2" not in text:
            fail(f"queue out of range: {status} {text!r}")
        close_all(fds)
        # fds that are not memfds (a pipe, /dev/null): uxdp_xsk_srv_bind refuses them
        r, w = os.pipe()
        nul = os.open("/dev/null", os.O_RDWR)
        for fds in ([r, w, nul], [nul, nul, nul], [r, w]):
            entries = (256, 256, 256, 256) if len(fds) == 3 else (0, 0, 256, 256)
            status, text, _ = call(bind_msg(entries=entries), fds)
            if status >= 0 or not text:
                fail(f"non-memfd fds were accepted: {status} {text!r}")
            print(f"ok: non-memfd fds: ({status}) {text}")
        close_all([r, w, nul])
        # an unsealed memfd and a too-small UMEM memfd: refused too (by the bind)
        fds = [memfd(1 << 20, sealed=False)] + bind_fds()[1:]
        status, text, _ = call(bind_msg(), fds)
        close_all(fds)
        if status >= 0:
            fail(f"unsealed memfd accepted: {text!r}")
        fds = [memfd(4096)] + bind_fds()[1:]
        status, text, _ = call(bind_msg(), fds)
        close_all(fds)
        if status >= 0:
            fail(f"a 4096-byte UMEM memfd for umem_size 1 MiB was accepted: {text!r}")
        # XSK_STATS / XSK_MAP_KEY on a connection that is no socket
        status, text, _ = call(hdr(T_XSTATS, 24))
        if status != -errno.ENOTCONN or "not a bound socket (XSK_BIND first)" not in text:
            fail(f"XSK_STATS unbound: {status} {text!r}")
        mk = lambda m, key, res: hdr(T_MAPKEY, 96) + name(m) + struct.pack("<II", key, res)  # noqa: E731
        status, text, _ = call(mk("", 3, 0))
        if status != -errno.ENOTCONN:
            fail(f"XSK_MAP_KEY unbound: {status} {text!r}")
        status, text, _ = call(mk("xsks", 3, 1))
        if status != -errno.EINVAL or "field 'reserved' of XSK_MAP_KEY must be 0" not in text:
            fail(f"XSK_MAP_KEY reserved: {status} {text!r}")
        status, text, _ = call(mk("m" * 64, 3, 0))
        if status != -errno.EINVAL or "field 'map' is not NUL-terminated" not in text:
            fail(f"XSK_MAP_KEY map: {status} {text!r}")
        status, text, _ = call(hdr(T_XSTATS, 25) + b"x")
        if status != -errno.EINVAL or "XSK_STATS message of 25 bytes, want 24" not in text:
            fail(f"XSK_STATS size: {status} {text!r}")
        refused += 5  # two not-a-socket, three malformed
        st = stats()
        if st["ctl"]["refused"] != refused:
            fail(f"refused {st['ctl']['refused']}, want {refused}")
        if st["sockets"] != [] or st["ctl"]["sessions"] != 0:
            fail(f"no socket may be bound: {st['sockets']} {st['ctl']}")
        # every fd that came with a message was closed again
        if d.quiet_fds(base_fds) != base_fds:
            fail(f"uxdpd has {d.fds()} fds open, {base_fds} before: received fds leaked")
        if not d.alive():
            fail("uxdpd died")
        print(f"ok: {refused} refusals counted, fds back to {base_fds}")
        d.stop()
    finally:
        d.kill()


def case_kicks():
    cfg = config("k.conf", "pin no\nport a gen:count=100\n")
    d = Daemon(cfg)
    try:
        base_fds = d.quiet_fds()
        before = stats()["ctl"]
        s = connect()
        # zero-length messages on a connection that is no socket: ignored, no reply,
        # the connection stays usable and the next reply is the next request's
        for _ in range(5):
            s.send(b"")
        s.sendmsg([b""], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", memfd(4096)))])
        status, text, seq = call_on(s, hdr(T_STATS, 24, seq=99))
        if status != 0 or seq != 99 or "ports" not in json.loads(text):
            fail(f"request after zero-length messages: {status} seq {seq}")
        s.settimeout(0.3)
        try:
            extra = s.recv(70000)
            fail(f"an unexpected message after the reply: {extra!r}")
        except socket.timeout:
            pass
        s.close()
        after = stats()["ctl"]
        if after["kicks"] != 0 or after["requests"] != before["requests"] + 2:
            fail(f"zero-length messages counted as kicks or requests: {before} -> {after}")
        if after["refused"] != before["refused"] + 1:  # the one with an fd
            fail(f"a zero-length message with an fd must be refused: {before} -> {after}")
        # a connection that only sends zero-length messages and closes: closed cleanly
        s = connect()
        s.send(b"")
        s.close()
        if d.quiet_fds(base_fds) != base_fds:
            fail(f"uxdpd has {d.fds()} fds, {base_fds} before")
        if stats()["ctl"]["connections"] != 1:  # the stats call's own
            fail(f"connections: {stats()['ctl']}")
        if not d.alive():
            fail("uxdpd died")
        d.stop()
    finally:
        d.kill()


def as_nobody(fn):
    """Run fn() in a child as uid/gid 65534 (no supplementary groups); its result back."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            out = json.dumps(fn())
        except BaseException as e:  # noqa: BLE001
            out = json.dumps({"error": repr(e)})
            code = 1
        os.write(w, out.encode())
        os._exit(code)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data)


def case_policy():
    if os.geteuid() != 0:
        print("skip: needs root (to run a client as another uid)")
        sys.exit(77)
    # a socket directory uid 65534 may enter
    sdir = tempfile.mkdtemp(prefix="uxdp-xsk-", dir="/tmp")
    os.chmod(sdir, 0o755)
    sock = os.path.join(sdir, "uxdpd.sock")
    cfg = config("pol.conf", "pin no\nport a gen:count=100,queues=4\nport b null:\n"
                 "control-group nogroup\n"
                 "xsk allow uid=4242 port=* queues=*\n"           # line 5: someone else
                 "xsk deny gid=65534 port=b queues=*\n"           # line 6
                 "xsk allow uid=65534 port=a queues=1 copy-only\n"  # line 7
                 "xsk allow group=nogroup port=a queues=2-3\n")   # line 8
    d = Daemon(cfg, sock)
    try:
        st = os.stat(sock)
        if st.st_gid != 65534 or st.st_mode & 0o777 != 0o660:
            fail(f"control socket: gid {st.st_gid} mode {oct(st.st_mode)}, want 65534 0660")

        def attempt(port, queue, flags=0):
            def fn():
                fds = bind_fds()
                status, text, _ = call(bind_msg(port=port, queue=queue, bind_flags=flags), fds,
                                       sock=sock)
                return [status, text]
            return as_nobody(fn)

        res = attempt("a", 0)
        if res[0] != -errno.EACCES or \
                "xsk policy: no rule lets uid 65534 (gid 65534) bind port 'a' queue 0" not in res[1]:
            fail(f"no rule: {res}")
        print(f"ok: no rule: {res[1]}")
        res = attempt("b", 0)
        if res[0] != -errno.EACCES or \
                f"uid 65534 may not bind port 'b' queue 0 (denied by {cfg}:6: gid=65534)" not in res[1]:
            fail(f"deny rule: {res}")
        print(f"ok: deny: {res[1]}")
        res = attempt("a", 1, XDP_ZEROCOPY)
        if res[0] != -errno.EACCES or "copy mode only" not in res[1] or "XDP_ZEROCOPY" not in res[1]:
            fail(f"copy-only with XDP_ZEROCOPY: {res}")
        print(f"ok: copy-only: {res[1]}")
        # allowed (copy-only without XDP_ZEROCOPY; a group rule): bound (and released when the
        # child exits)
        for port, queue in (("a", 1), ("a", 2), ("a", 3)):
            res = attempt(port, queue)
            if res[0] != 0:
                fail(f"port {port} queue {queue} must be bound: {res}")
            if queue == 1 and json.loads(res[1])["mode"] != "copy":
                fail(f"a copy-only rule must give a copy-mode socket: {res}")
            print(f"ok: port {port} queue {queue} bound as uid 65534: {res[1]}")
        # root always may
        fds = bind_fds()
        status, text, _ = call(bind_msg(port="b", queue=0), fds, sock=sock)
        close_all(fds)
        if status != 0:
            fail(f"root must be able to bind: {status} {text}")
        # the unprivileged client may use the other verbs' read side too
        res = as_nobody(lambda: list(call(hdr(T_STATS, 24), sock=sock)[:2]))
        if res[0] != 0 or "ports" not in json.loads(res[1]):
            fail(f"stats as uid 65534: {res[0]}")
        if not d.alive():
            fail("uxdpd died")
        d.stop()
    finally:
        d.kill()
    # without control-group, uid 65534 cannot even connect
    cfg = config("pol2.conf", "pin no\nport a gen:count=100\nxsk allow uid=65534 port=* queues=*\n")
    d = Daemon(cfg, sock)
    try:
        res = as_nobody(lambda: call(hdr(T_STATS, 24), sock=sock))
        if "error" not in res or "Permission denied" not in res["error"]:
            fail(f"uid 65534 connected to a root-group 0660 socket: {res}")
        print(f"ok: no control-group: {res['error']}")
        d.stop()
    finally:
        d.kill()
    os.rmdir(sdir)


def case_config_errors():
    bad = {
        "port a null:\nxsk allow uid=1 port=b queues=0\n":
            "bad1.conf:2: xsk port: no port 'b' (declare it with a port line first)",
        "port a null:\nxsk maybe uid=1 port=* queues=*\n":
            "bad2.conf:2: xsk: 'maybe' is not allow or deny",
        "port a null:\nxsk allow uid=x port=* queues=*\n": "bad3.conf:2: xsk uid: 'x' is not a number",
        "port a null:\nxsk allow user=nosuchuser_zz port=* queues=*\n":
            "bad4.conf:2: xsk user: no user 'nosuchuser_zz'",
        "port a null:\nxsk allow group=nosuchgroup_zz port=* queues=*\n":
            "bad5.conf:2: xsk group: no group 'nosuchgroup_zz'",
        "port a null:\nxsk allow who=1 port=* queues=*\n":
            "bad6.conf:2: xsk: 'who=1' is not user=NAME, uid=N, group=NAME or gid=N",
        "port a null:\nxsk allow uid=1 port=*\n": "bad7.conf:2: xsk: missing argument (usage: xsk allow",
        "port a null:\nxsk allow uid=1 port=* queues=64\n": "bad8.conf:2: xsk queues: '64' is not in 0..63",
        "port a null:\nxsk allow uid=1 port=* queues=3-1\n": "bad9.conf:2: xsk queues: range 3-1 is empty",
        "port a null:\nxsk allow uid=1 port=* queues=1,x\n": "bad10.conf:2: xsk queues: 'x' is not a number",
        "port a null:\nxsk allow uid=1 port=* queues=* turbo\n":
            "bad11.conf:2: xsk: unexpected argument 'turbo'",
        "port a null:\nxsk deny uid=1 port=* queues=* copy-only\n":
            "bad12.conf:2: xsk: copy-only is for allow rules",
        "port a null:\nxsk allow uid=1 queues=* queues=1 port=*\n":
            "bad13.conf:2: xsk: unexpected argument 'queues=1'",
        "port a null:\nxsk allow uid=1 port=* copy-only queues=1\n":
            "bad14.conf:2: xsk: unexpected argument 'copy-only'",
        "port a null:\nxsk allow uid=1 port=a b queues=1\n": "bad15.conf:2: xsk: unexpected argument 'b'",
        "port a null:\nxsk allow uid=1 port=a/b queues=1\n": "bad16.conf:2: xsk port: 'a/b' is not a valid name",
        "port a null:\ncontrol-group nosuchgroup_zz\n": "bad17.conf:2: control-group: no group 'nosuchgroup_zz'",
        "port a null:\ncontrol-group 5\ncontrol-group 6\n":
            "bad18.conf:3: control-group: given twice (first on line 2)",
        "port a null:\ncontrol-group\n": "bad19.conf:2: control-group: missing argument",
        "port a null:\nxsk allow uid=1 port=* queues=\n":
            "bad20.conf:2: xsk queues: '' is not *, N, N-M or a comma list of those",
    }
    for i, (text, want) in enumerate(bad.items(), 1):
        path = config(f"bad{i}.conf", text)
        p = subprocess.run([UXDPD, "--config", path, "--ctl", SOCK], capture_output=True,
                           text=True, timeout=30)
        out = p.stdout + p.stderr
        check_clean(path, out)
        if p.returncode != 1 or want not in out:
            fail(f"{path}: exit {p.returncode}, want 1 and {want!r}:\n{out}")
        print(f"ok: {out.strip()}")
    good = config("good.conf", "port a null:\nport b gen:count=1,queues=4\n"
                  "control-group nogroup\n"
                  "xsk allow user=nobody port=a queues=0 copy-only\n"
                  "xsk deny uid=1000 port=* queues=*\n"
                  "xsk allow group=nogroup port=b queues=0-1,3\n"
                  "xsk allow gid=0 port=* queues=* # comment\n")
    p = subprocess.run([UXDPD, "--config", good, "--check"], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0 or "OK (2 ports" not in p.stdout:
        fail(f"--check of a good config: exit {p.returncode}: {p.stdout}{p.stderr}")


def recv_reply(s):
    """The next reply on a socket connection, past the daemon's zero-length wake-ups."""
    while True:
        r = s.recv(70000)
        if r:
            return parse_reply(r)


def wait_sockets(n, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        st = stats()
        if len(st["sockets"]) == n and st["ctl"]["sessions"] == n:
            return st
        if time.monotonic() > deadline:
            fail(f"want {n} sockets: {st['sockets']} {st['ctl']}")
        time.sleep(0.05)


def case_session():
    cfg = config("se.conf", "pin no\nport a gen:count=100,queues=2\nport n null:\n")
    d = Daemon(cfg)
    try:
        base_fds = d.quiet_fds()
        s = connect()
        fds = bind_fds()
        status, text, _ = call_on(s, bind_msg(port="n", bind_flags=XDP_USE_NEED_WAKEUP), fds)
        close_all(fds)
        if status != 0:
            fail(f"bind: {status} {text}")
        rep = json.loads(text)
        if set(rep) != {"id", "zero_copy", "mode"} or \
                rep["mode"] != ("zero-copy" if rep["zero_copy"] else "copy"):
            fail(f"bind reply {rep}")
        print(f"ok: bound: {text}")
        st = wait_sockets(1)
        so = st["sockets"][0]
        want = {"id": rep["id"], "port": "n", "queue": 0, "pid": os.getpid(), "uid": 0,
                "mode": rep["mode"], "rx_size": 256, "tx_size": 256, "fill_size": 256,
                "comp_size": 256, "umem_size": 1 << 20, "chunk_size": 2048, "rx": 0, "tx": 0}
        for k, v in want.items():
            if so.get(k) != v:
                fail(f"stats socket {k}: {so.get(k)!r}, want {v!r}: {so}")
        for k in ("rx_dropped", "rx_ring_full", "fill_ring_empty", "tx_invalid", "rx_invalid",
                  "kicks", "wakeups", "need_wakeup"):
            if k not in so:
                fail(f"stats socket lacks {k}: {so}")
        cli("stats", want=("sockets:", "fill_ring_empty", "tx_invalid", f"{rep['id']:>4} n "))
        # three kicks, then XSK_STATS on the socket's connection counts them
        for _ in range(3):
            s.send(b"")
        s.send(hdr(T_XSTATS, 24, seq=11))
        status, text, seq = recv_reply(s)
        xs = json.loads(text)
        if status != 0 or seq != 11 or xs["kicks"] != 3 or xs["id"] != rep["id"]:
            fail(f"XSK_STATS: {status} seq {seq} {xs}")
        members = {"rx_dropped", "rx_invalid_descs", "tx_invalid_descs", "rx_ring_full",
                   "rx_fill_ring_empty_descs", "tx_ring_empty_descs", "rx_packets", "rx_bytes",
                   "tx_packets", "tx_bytes", "wakeups", "kicks", "zero_copy"}
        if not members <= set(xs):
            fail(f"XSK_STATS lacks {members - set(xs)}")
        if stats()["ctl"]["kicks"] != 3:
            fail(f"ctl kicks: {stats()['ctl']}")
        # XSK_MAP_KEY: an unknown map is named
        s.send(hdr(T_MAPKEY, 96, seq=12) + name("nope") + struct.pack("<II", 0, 0))
        status, text, seq = recv_reply(s)
        if status != -errno.ENOENT or seq != 12 or not text:
            fail(f"XSK_MAP_KEY nope: {status} {text!r}")
        print(f"ok: XSK_MAP_KEY nope: {text}")
        # a socket connection takes nothing else, and stays the socket
        s.send(hdr(T_STATS, 24, seq=13))
        status, text, _ = recv_reply(s)
        if status != -errno.EINVAL or "takes XSK_STATS, XSK_MAP_KEY and zero-length kicks only" not in text:
            fail(f"STATS on a socket connection: {status} {text!r}")
        fds = bind_fds()
        socket.send_fds(s, [bind_msg(port="n")], fds)
        close_all(fds)
        status, text, _ = recv_reply(s)
        if status != -errno.EISCONN:
            fail(f"second XSK_BIND: {status} {text!r}")
        wait_sockets(1)
        # closing the connection releases the socket
        s.close()
        wait_sockets(0)
        # a bound process that dies without closing anything: released too
        pid = os.fork()
        if pid == 0:
            c = connect()
            f = bind_fds()
            st_, _, _ = call_on(c, bind_msg(port="a", queue=1), f)
            os._exit(0 if st_ == 0 else 3)
        _, wst = os.waitpid(pid, 0)
        if os.WEXITSTATUS(wst) != 0:
            fail("the child's bind failed")
        wait_sockets(0)
        if d.quiet_fds(base_fds) != base_fds:
            fail(f"uxdpd has {d.fds()} fds open, {base_fds} before")
        out = d.output()
        if out.count("released") != 2 or out.count("bound: port") != 2:
            fail(f"bind/release log lines:\n{out}")
        # a socket still bound when the daemon stops is released on the way out
        s = connect()
        fds = bind_fds()
        status, text, _ = call_on(s, bind_msg(port="a", queue=0), fds)
        close_all(fds)
        if status != 0:
            fail(f"bind: {status} {text}")
        out = d.stop()
        if out.count("released") != 3:
            fail(f"the last socket was not released at stop:\n{out}")
        s.close()
    finally:
        d.kill()


def case_stats_sockets():
    cfg = config("ss.conf", "pin no\nport a gen:count=100\n")
    d = Daemon(cfg)
    try:
        st = stats()
        if st.get("sockets") != []:
            fail(f"'sockets' must be an empty array: {st.get('sockets')}")
        for k in ("connections", "sessions", "kicks", "requests", "refused"):
            if not isinstance(st["ctl"].get(k), int):
                fail(f"ctl lacks {k}: {st['ctl']}")
        cli("stats", want=("sockets: none", "control: "))
        d.stop()
    finally:
        d.kill()


def case_slow_client():
    """A client that floods STATS and never reads a reply: `uxdp stats` from another process
    is answered while it is stuck (still connected), it is dropped once its queued replies
    pass 4 MiB (logged, counted), and the daemon stays up, serving, with its fds back."""
    cfg = config("slow.conf", "pin no\nport a gen:count=100\n")
    d = Daemon(cfg)
    try:
        base_fds = d.quiet_fds()
        status, text, _ = call(hdr(T_STATS, 24))
        if status != 0:
            fail(f"STATS: {status} {text}")
        size = len(text) + 32
        s = connect()
        # well past what the socket takes, well below the bound: stuck, not dropped
        first = max(200, (1 << 20) // size)
        for i in range(first):
            s.send(hdr(T_STATS, 24, seq=i))
        st = stats()  # another process, answered while s reads nothing
        if st["ctl"]["connections"] != 2 or st["ctl"]["dropped"] != 0:
            fail(f"the flooding client should still be connected, not dropped: {st['ctl']}")
        # keep asking: dropped once more than 4 MiB waits for it
        sent, dropped = first, False
        while sent < first + 3 * (4 << 20) // size + 1000:
            try:
                s.send(hdr(T_STATS, 24, seq=sent))
            except (BrokenPipeError, ConnectionResetError):
                dropped = True
                break
            sent += 1
        deadline = time.monotonic() + 10
        while "does not read its replies" not in d.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        if "does not read its replies" not in d.output():
            fail(f"no drop logged after {sent} unread requests (send failed: {dropped}):\n"
                 f"{d.output()}")
        st = stats()
        if st["ctl"]["dropped"] != 1 or st["ctl"]["connections"] != 1:
            fail(f"after the drop: {st['ctl']}")
        # what the client did get: whole replies in order, then the end of the connection
        got = 0
        s.settimeout(5)
        while True:
            try:
                r = s.recv(70000)
            except ConnectionResetError:
                continue
            if not r:
                break
            magic, _, typ, n, _, _, _ = struct.unpack("<IHHIIII", r[:24])
            if magic != MAGIC or typ != T_REPLY or n != len(r):
                fail(f"a split or malformed reply datagram: {r[:32]!r} ({len(r)} bytes)")
            got += 1
        if got == 0 or got >= sent:
            fail(f"the dropped client got {got} replies for {sent} requests")
        s.close()
        if d.quiet_fds(base_fds) != base_fds:
            fail(f"uxdpd has {d.fds()} fds, {base_fds} before")
        status, text, _ = call(hdr(T_STATS, 24))
        if status != 0 or not d.alive():
            fail(f"uxdpd after the slow client: {status} alive={d.alive()}")
        d.stop()
    finally:
        d.kill()


CASES = {k[len("case_"):]: v for k, v in globals().items() if k.startswith("case_")}
if CASE not in CASES:
    sys.exit(f"unknown case {CASE}; have {', '.join(CASES)}")
if os.path.exists(SOCK):
    os.unlink(SOCK)
CASES[CASE]()
