#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Seed corpus of fuzz_ctl: one valid control message of each request type and a few
XSK_BIND variants, each prefixed by the fd-count byte the target reads.

usage: make_ctl_corpus.py OUTDIR"""
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def hdr(typ, n):
    return struct.pack("<IHHIIII", 0x50445855, 1, typ, n, 0, 1, 0)


def name(s):
    return s.encode().ljust(64, b"\0")


def bind(entries=(256, 256, 256, 256), flags=0, chunk=2048):
    body = struct.pack("<II", 1, 0) + name("a")
    body += struct.pack("<IIQIIII", flags, 0, 1 << 20, chunk, 0, 0, 0)
    offs = (0, 8192, 0, 8192)
    for r in range(4):
        body += struct.pack("<QII", offs[r], entries[r], 0)
    return hdr(6, 24 + len(body)) + body


path = b"/tmp/x.o\0"
msgs = {
    "attach": (0, hdr(2, 24 + 136 + len(path)) + name("a") + name("") +
               struct.pack("<II", len(path), 0) + path),
    "detach": (0, hdr(3, 88) + name("a")),
    "stats": (0, hdr(4, 24)),
    "map_dump": (0, hdr(5, 152) + name("") + name("m")),
    "xsk_bind": (3, bind()),
    "xsk_bind_shared": (2, bind(entries=(0, 0, 256, 256), flags=1 | 8)),
    "xsk_bind_tx_only": (3, bind(entries=(64, 64, 0, 1), flags=4, chunk=4096)),
    "xsk_stats": (0, hdr(7, 24)),
    "xsk_map_key": (0, hdr(8, 96) + name("xsks") + struct.pack("<II", 3, 0)),
}
for k, (nfds, m) in msgs.items():
    with open(os.path.join(out, k), "wb") as f:
        f.write(bytes([nfds]) + m)
