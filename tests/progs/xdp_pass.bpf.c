// SPDX-License-Identifier: BSD-2-Clause
/*
 * Pass every packet, and return an out-of-range action for packets whose
 * first byte is 0xff (the kernel hands back any value as retval; runtimes
 * must not crash or rewrite it).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if ((void *)(data + 1) <= data_end && data[0] == 0xff)
		return 7;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
