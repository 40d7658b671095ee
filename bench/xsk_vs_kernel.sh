#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Seed 003's table on this machine, in one run: rxdrop, txpush and l2fwd through
# application sockets, zero-copy and copy, uxdp beside the kernel.
#   uxdp    uxdpd (one worker pinned to CPU 0, vectors of 64 frames: the applications'
#           batch, as xdpsock's and DPDK's bursts) serves the socket of uxdp-xsk-bench (pinned
#           to the last CPU); rxdrop and l2fwd read a gen: port inside uxdpd (64-byte UDP),
#           txpush sends on a null: port.
#   kernel  uxdp-xsk-bench --kernel: the same loop on a kernel AF_XDP socket (libxdp) on a
#           veth in a network namespace made here and removed at the end; rxdrop and l2fwd
#           are fed by bench/veth_gen (64-byte UDP through AF_PACKET, on CPU 0); txpush
#           sends into the veth. veth has no zero-copy mode: those cells say n/a.
# UMEMs are on 2 MiB huge pages (uxdp-xsk-bench -H) when the pool can be sized (root: it
# is grown to 16 free pages for the run and put back after), else on 4 KiB pages; the
# table's heading says which.
# Rates are what the application handled per second (uxdp-xsk-bench's summary line),
# best of ROUNDS. Goals (issue 7): uxdp zero-copy rxdrop >= 40 Mpps, txpush >= 40 Mpps,
# l2fwd >= 25 Mpps on two cores. Needs root (namespaces) for the kernel column.
#   usage: bench/xsk_vs_kernel.sh BUILD_DIR [SECONDS] [ROUNDS]
set -eu
BUILD=${1:?usage: bench/xsk_vs_kernel.sh BUILD_DIR [SECONDS] [ROUNDS]}
SECS=${2:-3}
ROUNDS=${3:-3}
ninja -C "$BUILD" tools/uxdpd/uxdpd tools/uxdp-xsk-bench/uxdp-xsk-bench bench/veth_gen \
	>/dev/null
BUILD=$(cd "$BUILD" && pwd)
UXDPD="$BUILD/tools/uxdpd/uxdpd"
XB="$BUILD/tools/uxdp-xsk-bench/uxdp-xsk-bench"
GEN="$BUILD/bench/veth_gen"
WORK=$(mktemp -d)
NS_G=uxkg$$
NS_R=uxkr$$
APPCPU=$(($(nproc) - 1))
NR_HUGE=/proc/sys/vm/nr_hugepages
FREE_HUGE=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
HUGE_SAVED=
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$HUGE_SAVED" ] && echo "$HUGE_SAVED" >$NR_HUGE
	ip netns del $NS_G 2>/dev/null || true
	ip netns del $NS_R 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# Huge pages for the UMEMs: 16 free ones (8 per 16 MiB UMEM, one more while it moves).
HFLAG=
PAGES="4 KiB pages"
if [ "$(id -u)" = 0 ] && [ -r $FREE_HUGE ]; then
	HUGE_SAVED=$(cat $NR_HUGE)
	free=$(cat $FREE_HUGE)
	[ "$free" -lt 16 ] && echo $((HUGE_SAVED - free + 16)) >$NR_HUGE
	if [ "$(cat $FREE_HUGE)" -ge 16 ]; then
		HFLAG=-H
		PAGES="UMEM on 2 MiB pages"
	fi
fi

pps() { sed -n 's/^summary: .* pps=\([0-9]*\) .*/\1/p' "$1" | tail -1; }

# uxdp: MODE FLAG(-z|-c) -> pps (0 if it failed)
run_uxdp() {
	case $1 in
	txpush) spec="null:" ;;
	*) spec="gen:size=64,flows=1" ;;
	esac
	printf 'workers 1\npin 0\nvector 64\nport p0 %s\n' "$spec" >"$WORK/d.conf"
	"$UXDPD" --config "$WORK/d.conf" --ctl "$WORK/d.sock" 2>"$WORK/d.log" &
	DPID=$!
	i=0
	while [ ! -S "$WORK/d.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	UXDP_SOCKET="$WORK/d.sock" taskset -c $APPCPU "$XB" -i p0 -m "$1" "$2" $HFLAG -d "$SECS" \
		>"$WORK/b.out" 2>&1 || true
	kill "$DPID"
	wait "$DPID" || true
	DPID=
	n=$(pps "$WORK/b.out")
	echo "${n:-0}"
}

have_kernel=0
if [ "$(id -u)" = 0 ] && "$XB" --help 2>&1 | grep -q -- --kernel; then
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
	have_kernel=1
fi

# kernel: MODE FLAG -> pps (0 if it failed, e.g. zero-copy on veth)
run_kernel() {
	ip netns exec $NS_R taskset -c $APPCPU "$XB" --kernel -i vrx -m "$1" "$2" $HFLAG \
		-d "$((SECS + 1))" >"$WORK/k.out" 2>&1 &
	kpid=$!
	sleep 0.5
	if [ "$1" != txpush ] && kill -0 $kpid 2>/dev/null; then
		ip netns exec $NS_G taskset -c 0 "$GEN" vgen "$SECS" >/dev/null 2>&1 || true
	fi
	wait $kpid || true
	n=$(pps "$WORK/k.out")
	echo "${n:-0}"
}

best() {
	b=0
	for r in $(seq "$ROUNDS"); do
		n=$("$@")
		[ "$n" -gt "$b" ] && b=$n
	done
	echo "$b"
}

for m in rxdrop txpush l2fwd; do
	for f in -z -c; do
		echo "$m $f uxdp $(best run_uxdp $m $f)"
		if [ $have_kernel = 1 ]; then
			echo "$m $f kernel $(best run_kernel $m $f)"
		fi
	done
done >"$WORK/res"
python3 - "$WORK/res" "$SECS" "$ROUNDS" "$have_kernel" "$0" "$BUILD" "$PAGES" <<'PY'
import sys
res = {}
for line in open(sys.argv[1]):
    m, f, who, n = line.split()
    res[(m, f, who)] = int(n)
secs, rounds, kern = sys.argv[2], sys.argv[3], sys.argv[4] == "1"
print(f"application sockets, 64-byte packets, {sys.argv[7]}, {secs} s per run, best of {rounds} "
      f"(reproduce: {sys.argv[5]} {sys.argv[6]} {secs} {rounds})")
print(f"{'':8}{'uxdp zero-copy':>16}{'uxdp copy':>12}{'kernel zc':>12}{'kernel copy':>13}"
      f"{'  (Mpps)'}")
def cell(k):
    v = res.get(k)
    return "n/a" if not v else f"{v / 1e6:.2f}"
for m in ("rxdrop", "txpush", "l2fwd"):
    print(f"{m:8}{cell((m, '-z', 'uxdp')):>16}{cell((m, '-c', 'uxdp')):>12}"
          f"{cell((m, '-z', 'kernel')) if kern else '-':>12}"
          f"{cell((m, '-c', 'kernel')) if kern else '-':>13}")
goals = {"rxdrop": 40e6, "txpush": 40e6, "l2fwd": 25e6}
for m, g in goals.items():
    v = res.get((m, "-z", "uxdp"), 0)
    print(f"goal uxdp zero-copy {m} >= {g / 1e6:.0f} Mpps: "
          f"{'met' if v >= g else 'NOT met'} ({v / 1e6:.2f})")
PY
