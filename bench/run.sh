#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Run the benchmarks of a build directory (`make bench`): bench_vm prints uxdp
# interpreter / JIT, kernel BPF_PROG_TEST_RUN and native C ns per run side by side.
#   usage: bench/run.sh BUILD_DIR [REPEAT]
set -eu
BUILD=${1:?usage: bench/run.sh BUILD_DIR [REPEAT]}
REPEAT=${2:-1000000}
ninja -C "$BUILD" bench/bench_vm tests/progs/xdp_drop.bpf.o tests/progs/parse_count.bpf.o \
	tests/progs/mac_swap.bpf.o tests/progs/udp_hash.bpf.o tests/progs/udp_hash_v1.bpf.o >/dev/null
if [ "$(id -u)" != 0 ]; then
	echo "bench: not root: the kernel column (BPF_PROG_TEST_RUN) will be missing"
fi
exec "$BUILD/bench/bench_vm" -d "$BUILD/tests/progs" -r "$REPEAT"
