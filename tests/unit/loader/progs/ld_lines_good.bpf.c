// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object (source lines): two programs of one section share a
 * .text subprogram, which lands at a different instruction in each; the
 * line info of both copies must follow it (test_loader_objs.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 counter;

static __noinline int shared_sub(int x)
{
	return (x ^ 0x5a) + 17; /* shared_sub body */
}

SEC("xdp")
int lines_long(struct xdp_md *ctx)
{
	int a = ctx->ingress_ifindex, b = ctx->rx_queue_index;

	counter += a * 7; /* lines_long bookkeeping */
	counter ^= b << 3;
	counter += shared_sub(a + b) == 0 ? 1 : 2;
	return XDP_PASS;
}

SEC("xdp")
int lines_short(struct xdp_md *ctx)
{
	return shared_sub(ctx->ingress_ifindex) == 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
