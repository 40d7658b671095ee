// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object: static and global subprograms (nested), a bpf_loop
 * callback (function-pointer lddw), two programs sharing subprograms.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 loop_sum;

static __noinline int add3(int x)
{
	return x + 3;
}

static __noinline int twice_plus3(int x)
{
	return add3(x) * 2;
}

__noinline int global_sub(int x)
{
	return twice_plus3(x) + 1;
}

static int loop_cb(__u32 idx, void *data)
{
	*(__u32 *)data += idx;
	return 0;
}

SEC("xdp")
int calls_main(struct xdp_md *ctx)
{
	__u32 sum = 0;

	bpf_loop(5, loop_cb, &sum, 0);
	loop_sum = sum; /* 0+1+2+3+4 = 10 */
	return global_sub(0) == 7 && add3(1) == 4 ? XDP_TX : XDP_DROP;
}

SEC("xdp")
int calls_other(struct xdp_md *ctx)
{
	return add3(-1); /* 2 = XDP_PASS */
}

char LICENSE[] SEC("license") = "GPL";
