#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The data path beside DPDK's testpmd, in one run (`make bench-dp`): uxdp's
# bench_dp (one worker, gen: 64-byte packets: XDP_DROP, XDP_TX MAC swap,
# REDIRECT devmap -> null port, and seed 004's vector/per-packet experiment)
# and dpdk-testpmd on net_null (--no-huge, one forwarding lcore, rxonly and
# macswap), both pinned to the same CPU, then a table with the ratios.
# Each number is the best of RUNS measurements (the VM is shared).
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
# testpmd run of one forwarding mode, or nothing (the reason is in $tmp/why).
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
	awk '/Port statistics/ { if (n) print s; s = 0; n++ }
	     /Rx-pps:/ { s += $2 }
	     END { if (n) print s }' "$log" | tail -n +2 | sort -n | tail -1 |
		awk '{ printf "%.2f\n", $1 / 1e6 }'
}
echo "bench: dpdk-testpmd net_null on CPU $CPU (rxonly, macswap)..."
tp_rx=$(testpmd_mode rxonly)
tp_mac=$(testpmd_mode macswap)

# --- table ---
ratio() { # a b -> a/b or "-"
	if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
	else echo "-"; fi
}
goal() { # ratio_or_value threshold -> met / NOT met / -
	if [ -z "$1" ] || [ "$1" = "-" ]; then echo "-"; return; fi
	awk -v v="${1%x}" -v t="$2" 'BEGIN { print (v >= t) ? "met" : "NOT met" }'
}
d=$(val drop "$tmp/uxdp"); t=$(val tx "$tmp/uxdp"); r=$(val redirect "$tmp/uxdp")
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
if [ -z "$tp_rx" ] || [ -z "$tp_mac" ]; then
	echo "testpmd: not measured: $(cat "$tmp/why" 2>/dev/null || echo unknown reason)"
fi
echo
p=seed004
echo "seed 004: half PASS / half DROP, $(val ${p}_prog_insns "$tmp/uxdp")-insn program" \
	"($(val ${p}_prog_bytes "$tmp/uxdp") bytes of code), host stage with" \
	"$(val ${p}_stack_bytes "$tmp/uxdp") bytes of stack code; Mpps"
for pfx in seed004 small; do
	line="$pfx: per-packet $(val ${pfx}_per_packet "$tmp/uxdp"); vector"
	for n in 1 4 8 16 32 64; do line="$line N=$n $(val ${pfx}_vector_$n "$tmp/uxdp")"; done
	echo "$line"
	echo "$pfx: vector(16)/per-packet $(val ${pfx}_ratio_16 "$tmp/uxdp")x," \
		"best vector/per-packet $(val ${pfx}_ratio_best "$tmp/uxdp")x"
done
echo "seed 004 goal (vector >= 1.2x per-packet, N=16): $(goal "$(val seed004_ratio_16 "$tmp/uxdp")" 1.2)"
