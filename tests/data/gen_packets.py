#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Deterministic test packet set for the kernel-differential tests.

Writes a pcap (LINKTYPE_ETHERNET) of well-formed and malformed frames:
IPv4/IPv6 x TCP/UDP/ICMP, VLAN and QinQ, IP fragments, IPv6 extension
headers, headers truncated at each layer, bad IHL/version/lengths, ARP,
random bytes, runts of 0..14 bytes and large frames around the kernel's
test-run linear limit (4096 - 256 - 320 = 3520 bytes). Next to OUT.pcap it
writes OUT.pcap.txt: one "index length description" line per packet, which
tests/kdiff/compare.py uses to name packets in its diffs. Python 3 stdlib
only; the same output on every run. The building blocks are importable
(examples/gen_demo.py uses them).
"""
import argparse
import hashlib
import struct
import sys

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_P_8021AD = 0x88A8
KERNEL_LINEAR_MAX = 4096 - 256 - 320


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    """Parse an IPv6 address with at most one '::'."""
    if "::" in s:
        head, tail = s.split("::")
        h = [int(x, 16) for x in head.split(":") if x]
        t = [int(x, 16) for x in tail.split(":") if x]
        words = h + [0] * (8 - len(h) - len(t)) + t
    else:
        words = [int(x, 16) for x in s.split(":")]
    return struct.pack("!8H", *words)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def det_bytes(seed, n):
    """n pseudo-random bytes from a seed string (sha256 in counter mode)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (seed, i)).encode()).digest()
        i += 1
    return out[:n]


def eth(dst, src, proto, vlans=()):
    """Ethernet header; vlans is a list of (tpid, vid, pcp) outermost first."""
    h = mac(dst) + mac(src)
    for tpid, vid, pcp in vlans:
        h += struct.pack("!H", tpid)
        h += struct.pack("!H", (pcp << 13) | vid)
    return h + struct.pack("!H", proto)


def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0, mf=False, df=False,
         options=b"", tot_len=None, ihl=None, version=4):
    hl = 20 + len(options)
    if ihl is None:
        ihl = hl // 4
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag & 0x1FFF)
    tl = hl + len(payload) if tot_len is None else tot_len
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tl, ident, flags, ttl, proto, 0,
                    ip4(src), ip4(dst)) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4_csum4(src, dst, proto, seg):
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def l4_csum6(src, dst, proto, seg):
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(seg), proto)
    return csum(pseudo + seg)


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq=1000, ack=0, flags=0x02, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def with_csum(seg, off, value):
    return seg[:off] + struct.pack("!H", value) + seg[off + 2:]


def udp4(src, dst, sport, dport, payload, **kw):
    seg = udp(sport, dport, payload)
    seg = with_csum(seg, 6, l4_csum4(src, dst, 17, seg) or 0xFFFF)
    return ipv4(src, dst, 17, seg, **kw)


def tcp4(src, dst, sport, dport, flags=0x02, payload=b"", **kw):
    seg = tcp(sport, dport, flags=flags, payload=payload)
    seg = with_csum(seg, 16, l4_csum4(src, dst, 6, seg))
    return ipv4(src, dst, 6, seg, **kw)


def icmp4_echo(src, dst, ident, seqno, payload, **kw):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seqno) + payload
    msg = with_csum(msg, 2, csum(msg))
    return ipv4(src, dst, 1, msg, **kw)


def ipv6(src, dst, nexthdr, payload, hop=64, flow=0, plen=None):
    pl = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", (6 << 28) | flow, pl, nexthdr, hop, ip6(src),
                       ip6(dst)) + payload


def udp6(src, dst, sport, dport, payload, **kw):
    seg = udp(sport, dport, payload)
    seg = with_csum(seg, 6, l4_csum6(src, dst, 17, seg) or 0xFFFF)
    return ipv6(src, dst, 17, seg, **kw)


def tcp6(src, dst, sport, dport, flags=0x02, payload=b""):
    seg = tcp(sport, dport, flags=flags, payload=payload)
    seg = with_csum(seg, 16, l4_csum6(src, dst, 6, seg))
    return ipv6(src, dst, 6, seg)


def icmp6_echo(src, dst, ident, seqno, payload):
    msg = struct.pack("!BBHHH", 128, 0, 0, ident, seqno) + payload
    msg = with_csum(msg, 2, l4_csum6(src, dst, 58, msg))
    return ipv6(src, dst, 58, msg)


def arp_request(src_mac, src_ip, target_ip):
    return struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1) + mac(src_mac) + ip4(src_ip) + \
        b"\0" * 6 + ip4(target_ip)


def write_pcap(path, packets):
    """packets: list of (description, bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (_, data) in enumerate(packets):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(data), len(data)))
            f.write(data)
    with open(path + ".txt", "w", encoding="utf-8") as f:
        for i, (desc, data) in enumerate(packets):
            f.write("%d %d %s\n" % (i, len(data), desc))


SRC_MAC = "02:00:00:00:00:02"


def dmac(i):
    """Destination MAC varying in its last two bytes (tests/progs/redirect.bpf.c selects on it)."""
    return "02:00:00:00:%02x:%02x" % (i % 8, i % 16)


def padded_udp4(total, src="10.0.0.1", dst="10.1.2.3", i=0):
    """IPv4/UDP frame of exactly `total` bytes."""
    payload = det_bytes("pad%d" % total, total - 14 - 20 - 8)
    return eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4(src, dst, 5000, 6000, payload)


def default_packets():
    P = []

    def add(desc, build):
        i = len(P)
        P.append((desc, build(i)))

    pl = det_bytes("payload", 64)
    add("ipv4 udp 10.0.0.1:1234 > 10.0.0.100:53",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.1", "10.0.0.100", 1234, 53,
                                                           pl[:32]))
    add("ipv4 tcp syn 10.0.0.2:40000 > 10.0.0.100:80",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + tcp4("10.0.0.2", "10.0.0.100", 40000, 80))
    add("ipv4 icmp echo request 192.168.1.10 > 10.1.2.3",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + icmp4_echo("192.168.1.10", "10.1.2.3", 0x77,
                                                                1, pl[:56]))
    add("ipv6 udp 2001:db8::1 > 2001:db8:0:1::2",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IPV6) + udp6("2001:db8::1", "2001:db8:0:1::2", 5353,
                                                             5353, pl[:20], flow=0x12345))
    add("ipv6 tcp 2001:db8:1::5 > 2001:db8::100",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IPV6) + tcp6("2001:db8:1::5", "2001:db8::100",
                                                             33000, 443, flags=0x18,
                                                             payload=pl[:10]))
    add("ipv6 icmpv6 echo request fe80::1 > 2001:db8::1",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IPV6) + icmp6_echo("fe80::1", "2001:db8::1", 9, 3,
                                                                   pl[:24]))
    add("802.1q vid 10 ipv4 udp 10.0.0.3 > 10.1.9.9",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP, [(ETH_P_8021Q, 10, 0)]) +
        udp4("10.0.0.3", "10.1.9.9", 7, 7, pl[:8]))
    add("qinq 802.1ad vid 20 / 802.1q vid 30 ipv4 tcp 172.16.5.5 > 10.0.0.100",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP, [(ETH_P_8021AD, 20, 1), (ETH_P_8021Q, 30, 5)]) +
        tcp4("172.16.5.5", "10.0.0.100", 1111, 80))
    add("ipv4 udp first fragment (MF, offset 0)",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.1", "10.1.2.3", 4000, 4001,
                                                           pl[:48], mf=True, ident=77))
    add("ipv4 later fragment (offset 185*8)",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + ipv4("10.0.0.1", "10.1.2.3", 17, pl[:40],
                                                           frag=185, ident=77))
    add("ipv6 hop-by-hop + destination options + udp",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IPV6) + ipv6(
            "2001:db8::7", "2001:db8::8", 0,
            bytes([60, 0, 1, 4, 0, 0, 0, 0]) + bytes([17, 1]) + b"\x01\x0c" + b"\0" * 12 +
            udp(10, 20, pl[:4])))
    add("ipv6 fragment header (first) + udp",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IPV6) + ipv6(
            "2001:db8::9", "2001:db8::8", 44,
            struct.pack("!BBHI", 17, 0, 1, 0xabcd) + udp(11, 22, pl[:16])))
    add("truncated: ethernet only, ethertype ipv4",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP))
    add("truncated: ipv4 header cut at 10 bytes",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.1", "10.1.2.3", 1, 2, b"")[:10])
    add("truncated: tcp header cut at 8 bytes",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + tcp4("10.0.0.2", "10.0.0.100", 1, 2)[:28])
    add("truncated: udp header cut at 4 bytes",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.1", "10.1.2.3", 1, 2, b"")[:24])
    add("truncated: ipv6 header cut at 20 bytes",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IPV6) + udp6("2001:db8::1", "2001:db8::2", 1, 2,
                                                             b"")[:20])
    add("truncated: 802.1q tag cut at 2 bytes",
        lambda i: mac(dmac(i)) + mac(SRC_MAC) + struct.pack("!HH", ETH_P_8021Q, 10))
    add("bad ipv4 ihl=3",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.1", "10.1.2.3", 1, 2, pl[:8],
                                                           ihl=3))
    add("bad ip version 6 under ethertype ipv4",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.1", "10.1.2.3", 1, 2, pl[:8],
                                                           version=6))
    add("bad ipv4 total length 10 (< header)",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.1", "10.1.2.3", 1, 2, pl[:8],
                                                           tot_len=10))
    add("ipv4 with 4 bytes of options (ihl=6) udp",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.4", "10.1.2.3", 3, 4, pl[:12],
                                                           options=b"\x94\x04\x00\x00"))
    add("arp request 10.0.0.1 who-has 10.0.0.254 (broadcast)",
        lambda i: eth("ff:ff:ff:ff:ff:ff", SRC_MAC, ETH_P_ARP) +
        arp_request(SRC_MAC, "10.0.0.1", "10.0.0.254"))
    add("random bytes, 64", lambda i: det_bytes("rand64", 64))
    add("random bytes, 200", lambda i: det_bytes("rand200", 200))
    for n in (0, 1, 5, 9, 12, 13):
        add("runt, %d bytes" % n, lambda i, n=n: det_bytes("runt", n))
    add("exactly 14 bytes, ethertype 0x88b5", lambda i: eth(dmac(i), SRC_MAC, 0x88B5))
    add("ipv4 udp, 1500 bytes", lambda i: padded_udp4(1500, i=i))
    add("ipv4 udp, 3000 bytes", lambda i: padded_udp4(3000, i=i))
    add("ipv4 udp, %d bytes (test-run linear limit)" % KERNEL_LINEAR_MAX,
        lambda i: padded_udp4(KERNEL_LINEAR_MAX, i=i))
    add("ipv4 udp, %d bytes (one above the linear limit)" % (KERNEL_LINEAR_MAX + 1),
        lambda i: padded_udp4(KERNEL_LINEAR_MAX + 1, i=i))
    add("ipv4 udp, 5000 bytes (multi-buffer for xdp.frags)", lambda i: padded_udp4(5000, i=i))
    for k in range(4):
        add("ipv4 udp 10.0.0.1:1234 > 10.0.0.100:53 repeat %d" % k,
            lambda i, k=k: eth(dmac(i), SRC_MAC, ETH_P_IP) +
            udp4("10.0.0.1", "10.0.0.100", 1234, 53, pl[k:k + 32]))
    add("ipv4 tcp from blocklisted 203.0.113.7",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + tcp4("203.0.113.7", "10.1.2.3", 6666, 22))
    add("ipv6 udp from blocklisted 2001:db8:bad::1",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IPV6) + udp6("2001:db8:bad::1", "2001:db8::1", 1,
                                                             2, pl[:8]))
    add("ipv4 tcp 198.51.100.9:5555 > 10.0.0.100:443",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + tcp4("198.51.100.9", "10.0.0.100", 5555,
                                                           443, flags=0x10, payload=pl[:20]))
    add("ipv4 gre (proto 47) 10.0.0.2 > 8.8.8.8",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + ipv4("10.0.0.2", "8.8.8.8", 47,
                                                           b"\0\0\x08\0" + pl[:20]))
    add("ipv4 udp 10.0.0.5 > 8.8.8.8:53",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.5", "8.8.8.8", 999, 53, pl[:30]))
    add("ipv4 icmp echo request 10.0.0.2 > 10.0.0.100, odd length",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + icmp4_echo("10.0.0.2", "10.0.0.100", 1, 2,
                                                                pl[:33]))
    add("ipv4 udp 10.0.0.2:1 > 10.0.0.100:2, 61 bytes",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.2", "10.0.0.100", 1, 2, pl[:19]))
    add("ipv4 udp 10.0.0.2:1 > 10.0.0.100:2, 62 bytes",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + udp4("10.0.0.2", "10.0.0.100", 1, 2, pl[:20]))
    add("ipv4 tcp 10.0.0.6:7 > 10.0.0.100:80, 63 bytes",
        lambda i: eth(dmac(i), SRC_MAC, ETH_P_IP) + tcp4("10.0.0.6", "10.0.0.100", 7, 80,
                                                           payload=pl[:9]))
    return P


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="pcap to write (a .txt index is written beside it)")
    args = ap.parse_args(argv)
    write_pcap(args.out, default_packets())
    return 0


if __name__ == "__main__":
    sys.exit(main())
