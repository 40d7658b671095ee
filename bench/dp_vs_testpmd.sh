#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The data path beside DPDK's testpmd, in one run (`make bench-dp`): uxdp's
# bench_dp (one worker, gen: 64-byte packets: XDP_DROP, XDP_TX MAC swap,
# REDIRECT devmap -> null port, and seed 004's vector/per-packet experiment)
# and dpdk-testpmd on net_null (--no-huge, one forwarding lcore, rxonly and
# macswap), both pinned to the same CPU, then a table with the ratios.
# Each number is the best of RUNS measurements (the VM is shared). Beside
# Mpps, cycles per packet on the CPU (no PMU on the VM, so no perf stat: the
# time-stamp counter over the thread's CPU time): bench_dp measures its own,
# testpmd's is the forwarding lcore's CPU time (/proc, read just before it
# stops) over the packets it received, at bench_dp's TSC rate.
#   usage: bench/dp_vs_testpmd.sh BUILD_DIR [SECONDS] [RUNS]
set -eu
BUILD=${1:?usage: bench/dp_vs_testpmd.sh BUILD_DIR [SECONDS] [RUNS]}
SECS=${2:-1}
RUNS=${3:-5}
CPU=${BENCH_CPU:-1}
ncpu=$(nproc)
[ "$CPU" -lt "$ncpu" ] || CPU=$((ncpu - 1))
ninja -C "$BUILD" bench/bench_dp >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- uxdp ---
echo "bench: uxdp bench_dp on CPU $CPU (best of $RUNS x ${SECS}s)..."
taskset -c "$CPU" "$BUILD/bench/bench_dp" -p -s "$SECS" -n "$RUNS" >"$tmp/uxdp"
val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# --- testpmd ---
# Prints the best per-second packet rate (Rx-pps summed over the ports) of a
# testpmd run of one forwarding mode and its cycles per packet, or nothing
# (the reason is in $tmp/why).
TESTPMD=$(command -v dpdk-testpmd || true)
testpmd_mode() {
	mode=$1
	log="$tmp/testpmd-$mode.log"
	if [ -z "$TESTPMD" ]; then
		echo "dpdk-testpmd not installed (scripts/install-bench-deps.sh installs dpdk, dpdk-dev)" >"$tmp/why"
		return 0
	fi
	main=0
	[ "$main" = "$CPU" ] && main=$(((CPU + 1) % ncpu))
	# One forwarding lcore ($CPU) polls both net_null ports; stats every second.
	# Packets are 64 bytes (net_null's default size; it does not copy data).
	secs=$((SECS * RUNS + 3))
	timeout -s INT $((secs + 10)) "$TESTPMD" -l "$main,$CPU" --main-lcore "$main" --no-huge \
		-m 512 --no-pci --file-prefix "uxdp-bench-$$" --vdev net_null0 --vdev net_null1 \
		--log-level=lib.eal:error -- --forward-mode="$mode" --nb-cores=1 --burst=32 \
		--total-num-mbufs=32768 --stats-period 1 </dev/null >"$log" 2>&1 &
	pid=$!
	sleep "$secs"
	# CPU time (clock ticks) of the forwarding lcore: the busiest thread of
	# testpmd (the child of timeout).
	tpid=$(pgrep -P "$pid" | head -1)
	ticks=$(for t in /proc/"${tpid:-$pid}"/task/*/stat; do
		awk '{ print $14 + $15 }' "$t" 2>/dev/null; done | sort -n | tail -1)
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if ! grep -q 'Rx-pps' "$log"; then
		{
			echo "testpmd ($mode) printed no statistics; its last lines:"
			grep -v '^\s*$' "$log" | tail -5 | sed 's/^/    /'
		} >"$tmp/why"
		return 0
	fi
	# Sum Rx-pps of the ports in each period; skip the first (start-up); best period.
	mpps=$(awk '/Port statistics/ { if (n) print s; s = 0; n++ }
	     /Rx-pps:/ { s += $2 }
	     END { if (n) print s }' "$log" | tail -n +2 | sort -n | tail -1 |
		awk '{ printf "%.2f\n", $1 / 1e6 }')
	# Packets received in the whole run: the all-ports total printed at the stop.
	pkts=$(awk '/Accumulated forward statistics for all ports/ { f = 1 }
	     f && /RX-packets:/ { print $2; exit }' "$log")
	cpp=$(awk -v t="${ticks:-0}" -v hz="$(getconf CLK_TCK)" -v p="${pkts:-0}" \
		-v tsc="$(val tsc_hz "$tmp/uxdp")" \
		'BEGIN { if (p > 0 && t > 0) printf "%.1f", t / hz * tsc / p; else print "-" }')
	echo "$mpps $cpp"
}
echo "bench: dpdk-testpmd net_null on CPU $CPU (rxonly, macswap)..."
set -- $(testpmd_mode rxonly)
tp_rx=${1:-}; tp_rx_c=${2:-}
set -- $(testpmd_mode macswap)
tp_mac=${1:-}; tp_mac_c=${2:-}

# --- table ---
ratio() { # a b -> a/b or "-"
	if [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "-" ] && [ "$2" != "-" ]; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
	else echo "-"; fi
}
goal() { # ratio_or_value threshold -> met / NOT met / -
	if [ -z "$1" ] || [ "$1" = "-" ]; then echo "-"; return; fi
	awk -v v="${1%x}" -v t="$2" 'BEGIN { print (v >= t) ? "met" : "NOT met" }'
}
d=$(val drop "$tmp/uxdp"); t=$(val tx "$tmp/uxdp"); r=$(val redirect "$tmp/uxdp")
dc=$(val drop_cpp "$tmp/uxdp"); tc=$(val tx_cpp "$tmp/uxdp"); rc=$(val redirect_cpp "$tmp/uxdp")
de=$(val drop_fill_each "$tmp/uxdp"); te=$(val tx_fill_each "$tmp/uxdp")
re=$(val redirect_fill_each "$tmp/uxdp")
echo
echo "one worker / one lcore on CPU $CPU, 64-byte packets, Mpps (best of $RUNS)"
printf '%-34s %9s %9s %18s %9s %8s %s\n' "case" "uxdp" "uxdp" "testpmd net_null" "" "ratio" "goal"
printf '%-34s %9s %9s %18s %9s %8s\n' "" "fill=once" "fill=each" "" "Mpps" "(once)"
printf '%-34s %9s %9s %18s %9s %8s %s\n' "XDP_DROP" "$d" "$de" "rxonly" "${tp_rx:--}" \
	"$(ratio "$d" "$tp_rx")" ">= 1.0x: $(goal "$(ratio "$d" "$tp_rx")" 1.0)"
printf '%-34s %9s %9s %18s %9s %8s %s\n' "XDP_TX (MAC swap)" "$t" "$te" "macswap" "${tp_mac:--}" \
	"$(ratio "$t" "$tp_mac")" ">= 1.1x: $(goal "$(ratio "$t" "$tp_mac")" 1.1)"
printf '%-34s %9s %9s %18s %9s %8s %s\n' "XDP_REDIRECT devmap -> null port" "$r" "$re" "" "" "" \
	">= 30 Mpps: $(goal "$r" 30)"
echo
echo "cycles per packet on the CPU (TSC $(val tsc_hz "$tmp/uxdp" | awk '{ printf "%.2f GHz", $1 / 1e9 }'); lowest of $RUNS for uxdp, whole run for testpmd)"
printf '%-34s %9s %18s %9s %14s\n' "case" "uxdp" "testpmd net_null" "" "testpmd/uxdp"
printf '%-34s %9s %18s %9s %14s %s\n' "XDP_DROP" "$dc" "rxonly" "${tp_rx_c:--}" \
	"$(ratio "$tp_rx_c" "$dc")" ">= 1.0x: $(goal "$(ratio "$tp_rx_c" "$dc")" 1.0)"
printf '%-34s %9s %18s %9s %14s %s\n' "XDP_TX (MAC swap)" "$tc" "macswap" "${tp_mac_c:--}" \
	"$(ratio "$tp_mac_c" "$tc")" ">= 1.1x: $(goal "$(ratio "$tp_mac_c" "$tc")" 1.1)"
printf '%-34s %9s %18s %9s %14s %s\n' "XDP_REDIRECT devmap -> null port" "$rc" "" "" "" \
	"30 Mpps = $(val tsc_hz "$tmp/uxdp" | awk '{ printf "%.1f", $1 / 30e6 }') cycles: $(awk -v c="$rc" -v h="$(val tsc_hz "$tmp/uxdp")" 'BEGIN { print (c > 0 && c <= h / 30e6) ? "met" : "NOT met" }')"
if [ -z "$tp_rx" ] || [ -z "$tp_mac" ]; then
	echo "testpmd: not measured: $(cat "$tmp/why" 2>/dev/null || echo unknown reason)"
fi
echo
for p in seed004 linear; do
	echo "seed 004 ($p): half PASS / half DROP, $(val ${p}_prog_insns "$tmp/uxdp")-insn program" \
		"($(val ${p}_prog_bytes "$tmp/uxdp") bytes of code), host stage with" \
		"$(val ${p}_stack_bytes "$tmp/uxdp") bytes of stack code"
done
for pfx in seed004 linear small; do
	line="$pfx: Mpps (cycles/packet): per-packet $(val ${pfx}_per_packet "$tmp/uxdp") ($(val ${pfx}_per_packet_cpp "$tmp/uxdp")); vector"
	for n in 1 4 8 16 32 64; do
		line="$line N=$n $(val ${pfx}_vector_$n "$tmp/uxdp") ($(val ${pfx}_vector_${n}_cpp "$tmp/uxdp"))"
	done
	echo "$line"
	echo "$pfx: vector(16)/per-packet $(val ${pfx}_ratio_16 "$tmp/uxdp")x Mpps," \
		"$(val ${pfx}_ratio_16_cpp "$tmp/uxdp")x cycles; best vector/per-packet" \
		"$(val ${pfx}_ratio_best "$tmp/uxdp")x Mpps, $(val ${pfx}_ratio_best_cpp "$tmp/uxdp")x cycles"
done
echo "seed 004 goal (vector >= 1.2x per-packet, N=16): Mpps $(goal "$(val seed004_ratio_16 "$tmp/uxdp")" 1.2)," \
	"cycles $(goal "$(val seed004_ratio_16_cpp "$tmp/uxdp")" 1.2)"
