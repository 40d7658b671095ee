// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reflector: swap the Ethernet source and destination and send the frame back
 * out with XDP_TX; frames without a full Ethernet header are dropped.
 */
#include "kdiff.h"

SEC("xdp")
int mac_swap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	swap_mac(eth);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
