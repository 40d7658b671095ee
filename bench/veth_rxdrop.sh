#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Receive-and-drop on a real interface, four ways in one run, on the same veth pair and the
# same generator (bench/veth_gen: 64-byte UDP frames through AF_PACKET for SECONDS):
#   kernel-xdp-drop   the kernel's native XDP_DROP (tests/progs/xdp_drop.bpf.o) on the veth
#   kernel-afxdp      a plain AF_XDP rxdrop socket through libxdp (bench/xsk_rxdrop)
#   uxdpd-afxdp       uxdpd, port afxdp:IF, xdp_drop attached
#   uxdpd-afpacket    uxdpd, port afpacket:IF, xdp_drop attached
# The veth pair lives in two network namespaces made here and removed at the end (even on
# failure); nothing else is touched. Needs root. Rates are frames the receiver handled per
# second of generator time. Goal: uxdpd-afxdp >= 0.9x kernel-afxdp.
#   usage: bench/veth_rxdrop.sh BUILD_DIR [SECONDS] [ROUNDS]
set -eu
BUILD=${1:?usage: bench/veth_rxdrop.sh BUILD_DIR [SECONDS] [ROUNDS]}
SECS=${2:-3}
ROUNDS=${3:-3}
[ "$(id -u)" = 0 ] || { echo "veth_rxdrop: needs root"; exit 77; }
ninja -C "$BUILD" bench/veth_gen bench/xsk_rxdrop tools/uxdpd/uxdpd tools/uxdp/uxdp \
	tests/progs/xdp_drop.bpf.o >/dev/null
BUILD=$(cd "$BUILD" && pwd)
GEN="$BUILD/bench/veth_gen"
XSK="$BUILD/bench/xsk_rxdrop"
UXDPD="$BUILD/tools/uxdpd/uxdpd"
UXDP="$BUILD/tools/uxdp/uxdp"
DROP="$BUILD/tests/progs/xdp_drop.bpf.o"
NS_G=uxbg$$
NS_R=uxbr$$
WORK=$(mktemp -d)
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	ip netns del $NS_G 2>/dev/null || true
	ip netns del $NS_R 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
ip netns add $NS_G
ip netns add $NS_R
for ns in $NS_G $NS_R; do
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec $ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip -n $NS_R link add vrx type veth peer name vgen netns $NS_G
ip -n $NS_R link set vrx address 02:00:00:00:00:02
ip -n $NS_G link set vgen up
ip -n $NS_R link set vrx up

# Generator (and the veth's softirq work, which runs on the sending CPU) on CPU 0, the
# user-space receivers on the last CPU.
RXCPU=$(($(nproc) - 1))
gen() { ip netns exec $NS_G taskset -c 0 "$GEN" vgen "$SECS"; }

run_kernel_drop() {
	ip -n $NS_R link set vrx xdpdrv obj "$DROP" sec xdp 2>/dev/null
	before=$(ip netns exec $NS_R cat /sys/class/net/vrx/statistics/rx_packets)
	gen >/dev/null
	after=$(ip netns exec $NS_R cat /sys/class/net/vrx/statistics/rx_packets)
	ip -n $NS_R link set vrx xdpdrv off
	echo $((after - before))
}

run_kernel_afxdp() {
	ip netns exec $NS_R taskset -c $RXCPU "$XSK" vrx "$((SECS + 2))" >"$WORK/xsk.out" \
		2>"$WORK/xsk.log" &
	xpid=$!
	sleep 1
	gen >/dev/null
	wait $xpid
	cat "$WORK/xsk.out"
}

run_uxdpd() {
	printf 'workers 1\npin %s\nport r %s\nobject o %s\nattach r o\n' "$RXCPU" "$1" "$DROP" \
		>"$WORK/d.conf"
	ip netns exec $NS_R "$UXDPD" --config "$WORK/d.conf" --ctl "$WORK/d.sock" \
		2>"$WORK/d.log" &
	DPID=$!
	i=0
	while [ ! -S "$WORK/d.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	gen >/dev/null
	sleep 0.5
	n=$("$UXDP" stats --json --ctl "$WORK/d.sock" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["ports"][0]["total"]["drop"])')
	kill "$DPID"
	wait "$DPID" || true
	DPID=
	echo "$n"
}

best() { # name, command...: best rate over ROUNDS
	name=$1
	shift
	b=0
	for r in $(seq "$ROUNDS"); do
		n=$("$@")
		[ "$n" -gt "$b" ] && b=$n
	done
	echo "$name $b"
}

{
	best kernel-xdp-drop run_kernel_drop
	best kernel-afxdp run_kernel_afxdp
	best uxdpd-afxdp run_uxdpd afxdp:vrx
	best uxdpd-afpacket run_uxdpd afpacket:vrx
} >"$WORK/res"
grep -h "mode\|port r" "$WORK/d.log" 2>/dev/null || true
python3 - "$WORK/res" "$SECS" "$ROUNDS" <<'PY'
import sys
res = dict(l.split() for l in open(sys.argv[1]))
secs, rounds = float(sys.argv[2]), sys.argv[3]
base = int(res["kernel-afxdp"]) / secs
print(f"veth rxdrop, 64 B frames, {secs:g} s per run, best of {rounds}")
print(f"{'receiver':<18}{'Mpps':>8}{'vs kernel-afxdp':>18}")
for k, v in res.items():
    r = int(v) / secs
    print(f"{k:<18}{r / 1e6:8.3f}{r / base if base else 0:17.2f}x")
ratio = int(res["uxdpd-afxdp"]) / int(res["kernel-afxdp"]) if int(res["kernel-afxdp"]) else 0
print(f"goal uxdpd-afxdp >= 0.9x kernel-afxdp: {'met' if ratio >= 0.9 else 'NOT met'} "
      f"({ratio:.2f}x)")
PY
