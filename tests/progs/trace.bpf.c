// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_trace_printk with the common conversions (%d %u %x %lld %llx %s %c and
 * a literal %%), at most three arguments so it stays on the trace_printk
 * helper. One line per packet plus a second line for IPv4 packets.
 */
#include "kdiff.h"

SEC("xdp")
int trace(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__s32 len = data_end - data;

	bpf_printk("pkt len=%d neg=%d hex=%x", len, -len, len * 4099);
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end)
			return XDP_PASS;
		bpf_printk("ipv4 %s proto %u 100%%", "saw", iph->protocol);
		bpf_printk("addrs %llx %llu %c", ((__u64)iph->saddr << 32) | iph->daddr,
			   (__u64)iph->ttl * 1000000007ULL, 'A' + (iph->protocol & 15));
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
