// SPDX-License-Identifier: BSD-2-Clause
/*
 * The smallest XDP program: drop everything. Checks the verdict path and the
 * test-run geometry (runts, oversized packets) with no packet access at all;
 * also the "drop" case of bench/bench_vm.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
