#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# uxdp demo (`make demo`), in two parts.
#  1. Run the DDoS filter example on the demo traffic with `uxdp test-run` and
#     print a verdict summary: counts per action and per reason, blocklist hits
#     per prefix, and the top dropped sources.
#  2. Start the daemon, uxdpd, with generator ports (a flood from three sources,
#     legitimate clients, a blocklisted network) all through the same filter
#     object, show live rates with `uxdp stats --watch` for a few seconds and a
#     map with `uxdp map dump`, then stop the daemon (it never outlives the script).
#  3. Serve an AF_XDP-style application socket: examples/xsk_fwd (libxdp-style source built
#     against libuxdp) forwards the frames of a generator port back out, with uxdp stats
#     showing the socket.
#   usage: examples/demo.sh BUILD_DIR [--kernel] [--engine interp|jit] [--no-daemon]
#   --kernel runs part 1's object in the kernel (BPF_PROG_TEST_RUN via
#   tests/kdiff/kernel_run; needs root) instead of uxdp, for comparison.
set -eu
BUILD=${1:?usage: demo.sh BUILD_DIR [--kernel] [--engine interp|jit]}
shift
SRC=$(cd "$(dirname "$0")/.." && pwd)
RUNNER=uxdp
ENGINE=
DAEMON=yes
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) RUNNER=kernel ;;
	--engine) ENGINE=$2; shift ;;
	--no-daemon) DAEMON=no ;;
	*) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

OBJ=$BUILD/examples/ddos_filter.bpf.o
PCAP=$BUILD/examples/demo.pcap
SEED=$SRC/examples/ddos_blocklist.json
ninja -C "$BUILD" examples/ddos_filter.bpf.o examples/demo.pcap >/dev/null

if [ "$RUNNER" = kernel ]; then
	ninja -C "$BUILD" tests/kdiff/kernel_run >/dev/null
	set -- "$BUILD/tests/kdiff/kernel_run" "$OBJ"
	WHAT="the kernel (BPF_PROG_TEST_RUN)"
else
	UXDP=${UXDP:-$BUILD/tools/uxdp/uxdp}
	if [ ! -x "$UXDP" ]; then
		echo "demo.sh: uxdp CLI not found at $UXDP (build it with: ninja -C $BUILD)" >&2
		echo "         to see the verdicts from the kernel instead: $0 $BUILD --kernel" >&2
		exit 1
	fi
	set -- "$UXDP" test-run "$OBJ"
	[ -n "$ENGINE" ] && set -- "$@" --engine "$ENGINE"
	WHAT="uxdp test-run${ENGINE:+ --engine $ENGINE}"
fi
set -- "$@" --prog ddos_filter --in "$PCAP" --maps-in "$SEED" --json
OUT=$(mktemp)
TMP=$(mktemp -d)
DPID=
cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
	fi
	rm -rf "$OUT" "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$@" >"$OUT"
python3 - "$OUT" "$PCAP" "$WHAT" "$*" <<'PY'
import collections, ipaddress, json, struct, sys

res = json.load(open(sys.argv[1]))
pcap, what, cmd = sys.argv[2], sys.argv[3], sys.argv[4]

def sources(path):
    """Source address of each frame (None for non-IP or truncated)."""
    out = []
    with open(path, "rb") as f:
        f.read(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            n = struct.unpack("<IIII", h)[2]
            p = f.read(n)
            proto, off = (struct.unpack("!H", p[12:14])[0] if len(p) >= 14 else 0), 14
            while proto in (0x8100, 0x88A8) and len(p) >= off + 4:
                proto, off = struct.unpack("!H", p[off + 2:off + 4])[0], off + 4
            if proto == 0x0800 and len(p) >= off + 16:
                out.append(str(ipaddress.IPv4Address(p[off + 12:off + 16])))
            elif proto == 0x86DD and len(p) >= off + 24:
                out.append(str(ipaddress.IPv6Address(p[off + 8:off + 24])))
            else:
                out.append(None)
    return out

srcs = sources(pcap)
pk = res["packets"]
actions = collections.Counter(p.get("action_name", "error") for p in pk)
dropped = collections.Counter(srcs[p["index"]] or "(not IP / malformed)" for p in pk
                              if p.get("action") == 1)
total = collections.Counter(srcs[p["index"]] or "(not IP / malformed)" for p in pk)

print("uxdp demo: DDoS filter (examples/ddos_filter.bpf.c) on %d packets, run by %s" %
      (len(pk), what))
print()
print("Verdicts: " + ", ".join("%s %d" % kv for kv in sorted(actions.items())))
reasons = ["passed", "passed (not IP)", "dropped: blocklisted", "dropped: over rate budget",
           "dropped: malformed"]
v = {int.from_bytes(bytes.fromhex(e["key"]), "little"):
     sum(int.from_bytes(bytes.fromhex(x), "little") for x in e["values"])
     for e in res["maps"].get("verdicts", [])}
print("By reason (per-CPU verdict counters, summed):")
for i, r in enumerate(reasons):
    print("  %-28s %6d" % (r, v.get(i, 0)))
print("Blocklist hits per prefix:")
for e in res["maps"].get("blocklist", []):
    k = bytes.fromhex(e["key"])
    plen = int.from_bytes(k[:4], "little")
    addr = ipaddress.ip_address(k[4:8] if plen <= 32 and not any(k[8:]) else k[4:20])
    print("  %-28s %6d" % ("%s/%d" % (addr, plen), int.from_bytes(bytes.fromhex(e["value"]),
                                                                  "little")))
print("Top dropped sources:")
for src, n in dropped.most_common(8):
    print("  %-28s %6d of %d" % (src, n, total[src]))
print()
print("Reproduce: " + cmd)
PY

[ "$DAEMON" = yes ] || exit 0

# --- part 2: the daemon ----------------------------------------------------------------------
UXDP=${UXDP:-$BUILD/tools/uxdp/uxdp}
UXDPD=${UXDPD:-$BUILD/tools/uxdpd/uxdpd}
if [ ! -x "$UXDPD" ] || [ ! -x "$UXDP" ]; then
	echo "demo.sh: uxdpd or uxdp not built (ninja -C $BUILD); skipping the daemon part" >&2
	exit 0
fi
SOCK=$TMP/uxdpd.sock
cat >"$TMP/demo.conf" <<EOF
# uxdpd demo: three traffic sources, one DDoS filter (shared maps) on all of them
workers 2
pin no
port flood   gen:proto=udp4,src=198.51.100.23,flows=3,dport=53,rate=300000,queues=2
port users   gen:proto=tcp4,src=10.1.0.10,flows=24,dport=443,rate=20000
port blocked gen:proto=udp4,src=203.0.113.3,flows=8,rate=20000
object ddos $(realpath "$OBJ") maps=$(realpath "$SEED")
attach flood   ddos prog=ddos_filter
attach users   ddos prog=ddos_filter
attach blocked ddos prog=ddos_filter
EOF
echo
echo "=== uxdpd: the same filter on live generator ports ==="
sed -e '/^#/d' -e 's/^/  /' "$TMP/demo.conf"
echo
"$UXDPD" --config "$TMP/demo.conf" --ctl "$SOCK" 2>"$TMP/uxdpd.log" &
DPID=$!
i=0
until [ -S "$SOCK" ] && "$UXDP" stats --ctl "$SOCK" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$DPID" 2>/dev/null; then
		echo "demo.sh: uxdpd did not start:" >&2
		cat "$TMP/uxdpd.log" >&2
		exit 1
	fi
	sleep 0.1
done
"$UXDP" stats --ctl "$SOCK" --watch 1 --count 3
echo
echo "Verdict counters by reason (uxdp map dump verdicts, bpftool's JSON, summed here):"
"$UXDP" map dump verdicts --ctl "$SOCK" | python3 -c '
import json, sys
names = ["passed", "passed (not IP)", "dropped: blocklisted", "dropped: over rate budget",
         "dropped: malformed"]
for e in json.load(sys.stdin):
    k = int(e["key"][0], 16)
    n = sum(int.from_bytes(bytes(int(b, 16) for b in v["value"]), "little") for v in e["values"])
    print("  %-28s %10d" % (names[k] if k < len(names) else k, n))
'
kill "$DPID"
wait "$DPID" || { echo "demo.sh: uxdpd exited with $?" >&2; cat "$TMP/uxdpd.log" >&2; exit 1; }
DPID=
echo
echo "uxdpd stopped. Run your own: $UXDPD --config FILE (see tools/uxdpd/uxdpd.8)"

# --- part 3: an AF_XDP-style application served by uxdpd --------------------------------------
FWD=${FWD:-$BUILD/examples/xsk_fwd/xsk_fwd-uxdp}
[ -x "$FWD" ] || exit 0
cat >"$TMP/xsk.conf" <<EOF
# uxdpd serving an application socket: the generator's frames go to the socket
workers 1
pin no
port wire gen:proto=udp4,flows=16,rate=2000000
EOF
echo
echo "=== an AF_XDP application (examples/xsk_fwd, libxdp-style source) on uxdpd ==="
sed -e '/^#/d' -e 's/^/  /' "$TMP/xsk.conf"
rm -f "$SOCK"
"$UXDPD" --config "$TMP/xsk.conf" --ctl "$SOCK" 2>"$TMP/uxdpd.log" &
DPID=$!
i=0
until [ -S "$SOCK" ] && "$UXDP" stats --ctl "$SOCK" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$DPID" 2>/dev/null; then
		echo "demo.sh: uxdpd did not start:" >&2
		cat "$TMP/uxdpd.log" >&2
		exit 1
	fi
	sleep 0.1
done
echo '  $ xsk_fwd-uxdp -i wire -m l2fwd -d 3     (same source as xsk_fwd-libxdp, other -I/-l)'
UXDP_SOCKET="$SOCK" "$FWD" -i wire -m l2fwd -d 3 >"$TMP/fwd.out" 2>&1 &
FPID=$!
sleep 1.5
"$UXDP" stats --ctl "$SOCK"
wait "$FPID" || { echo "demo.sh: xsk_fwd failed:" >&2; cat "$TMP/fwd.out" >&2; exit 1; }
sed 's/^/  /' "$TMP/fwd.out"
grep "socket" "$TMP/uxdpd.log" | sed 's/^/  /'
kill "$DPID"
wait "$DPID" || { echo "demo.sh: uxdpd exited with $?" >&2; cat "$TMP/uxdpd.log" >&2; exit 1; }
DPID=
