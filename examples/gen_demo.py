#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Demo traffic for examples/ddos_filter.bpf.c: a pcap mixing legitimate
IPv4/IPv6 clients, a UDP flood from three sources, traffic from blocklisted
prefixes, malformed frames and ARP, interleaved in a fixed pseudo-random
order (the same file on every run). Uses the packet builders of
tests/data/gen_packets.py; python3 stdlib only.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data"))
import gen_packets as g  # noqa: E402

SERVER_MAC = "02:00:00:00:00:01"
CLIENT_MAC = "02:00:00:00:10:01"


def v4(src, build):
    return g.eth(SERVER_MAC, CLIENT_MAC, g.ETH_P_IP) + build


def demo_packets():
    legit, flood, blocked, junk = [], [], [], []
    for c in range(24):
        src = "10.1.0.%d" % (10 + c)
        for k in range(12):
            if k % 3 == 0:
                pkt = v4(src, g.tcp4(src, "10.0.0.80", 30000 + c, 443, flags=0x18,
                                     payload=g.det_bytes("web%d/%d" % (c, k), 40 + k)))
            else:
                pkt = v4(src, g.udp4(src, "10.0.0.53", 20000 + c, 53,
                                     g.det_bytes("dns%d/%d" % (c, k), 30)))
            legit.append(("legit %s" % src, pkt))
    for c in range(6):
        src = "2001:db8:1::%x" % (c + 1)
        for k in range(8):
            legit.append(("legit %s" % src, g.eth(SERVER_MAC, CLIENT_MAC, g.ETH_P_IPV6) +
                          g.tcp6(src, "2001:db8::80", 40000 + c, 443, flags=0x18,
                                 payload=g.det_bytes("v6web%d/%d" % (c, k), 60))))
    for f in range(3):
        src = "198.51.100.%d" % (23 + f)
        for k in range(300):
            flood.append(("flood %s" % src, v4(src, g.udp4(src, "10.0.0.53", 1024 + k, 53,
                                                           g.det_bytes("flood", 64)))))
    for b in range(8):
        src = "203.0.113.%d" % (b * 17 + 3)
        for k in range(10):
            blocked.append(("blocklisted %s" % src, v4(src, g.tcp4(src, "10.0.0.80", 6000 + k,
                                                                   22))))
    for b in range(5):
        src = "198.18.%d.%d" % (b, b + 1)
        for k in range(10):
            blocked.append(("blocklisted %s" % src, v4(src, g.udp4(src, "10.0.0.53", 7, 53,
                                                                   b"x" * 20))))
    for b in range(3):
        src = "2001:db8:bad::%x" % (b + 1)
        for k in range(5):
            blocked.append(("blocklisted %s" % src, g.eth(SERVER_MAC, CLIENT_MAC, g.ETH_P_IPV6) +
                            g.udp6(src, "2001:db8::53", 9, 53, b"y" * 16)))
    for k in range(20):
        src = "10.1.0.%d" % (10 + k)
        full = v4(src, g.tcp4(src, "10.0.0.80", 5555, 80))
        junk.append(("malformed (truncated at %d bytes)" % (20 + k), full[:20 + k]))
    junk.append(("malformed (ihl=2)", v4("10.9.9.9", g.udp4("10.9.9.9", "10.0.0.53", 1, 53,
                                                             b"z" * 8, ihl=2))))
    for k in range(5):
        junk.append(("arp", g.eth("ff:ff:ff:ff:ff:ff", CLIENT_MAC, g.ETH_P_ARP) +
                     g.arp_request(CLIENT_MAC, "10.1.0.%d" % (10 + k), "10.0.0.1")))
    allp = legit + flood + blocked + junk
    random.Random(20240611).shuffle(allp)
    return allp


def main():
    if len(sys.argv) != 2:
        print("usage: gen_demo.py OUT.pcap", file=sys.stderr)
        return 2
    g.write_pcap(sys.argv[1], demo_packets())
    return 0


if __name__ == "__main__":
    sys.exit(main())
