// SPDX-License-Identifier: BSD-2-Clause
/*
 * ICMP echo responder for IPv4 and IPv6: turn an echo request into a reply in
 * place (swap MACs and addresses, change the type) and fix the ICMP checksum
 * incrementally with bpf_csum_diff; the IPv4 header checksum is recomputed
 * from scratch with bpf_csum_diff too. Replies go out with XDP_TX.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} replies SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&replies, &idx);

	if (c)
		*c += 1;
}

static __always_inline int echo4(struct xdp_md *ctx, struct ethhdr *eth, void *data_end)
{
	struct iphdr *iph = (void *)(eth + 1);
	struct icmphdr *ih;
	__u32 old_w, new_w, tmp;
	__s64 sum;

	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (iph->protocol != IPPROTO_ICMP || iph->ihl != 5)
		return XDP_PASS;
	ih = (void *)(iph + 1);
	if ((void *)(ih + 1) > data_end)
		return XDP_PASS;
	if (ih->type != ICMP_ECHO || ih->code != 0)
		return XDP_PASS;
	old_w = *(__u32 *)ih & bpf_htonl(0xffff0000);
	ih->type = ICMP_ECHOREPLY;
	new_w = *(__u32 *)ih & bpf_htonl(0xffff0000);
	sum = bpf_csum_diff(&old_w, 4, &new_w, 4, (__u16)~ih->checksum);
	if (sum < 0)
		return XDP_ABORTED;
	ih->checksum = csum_fold(sum);
	tmp = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = tmp;
	iph->ttl = 64;
	iph->check = 0;
	sum = bpf_csum_diff(0, 0, (__be32 *)iph, sizeof(*iph), 0);
	if (sum < 0)
		return XDP_ABORTED;
	iph->check = csum_fold(sum);
	swap_mac(eth);
	count(0);
	return XDP_TX;
}

static __always_inline int echo6(struct xdp_md *ctx, struct ethhdr *eth, void *data_end)
{
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct icmp6hdr *ih;
	struct in6_addr tmp;
	__u32 old_w, new_w;
	__s64 sum;

	if ((void *)(ip6 + 1) > data_end)
		return XDP_PASS;
	if (ip6->nexthdr != IPPROTO_ICMPV6)
		return XDP_PASS;
	ih = (void *)(ip6 + 1);
	if ((void *)(ih + 1) > data_end)
		return XDP_PASS;
	if (ih->icmp6_type != ICMPV6_ECHO_REQUEST)
		return XDP_PASS;
	old_w = *(__u32 *)ih & bpf_htonl(0xffff0000);
	ih->icmp6_type = ICMPV6_ECHO_REPLY;
	new_w = *(__u32 *)ih & bpf_htonl(0xffff0000);
	/* addresses swap: the pseudo-header sum does not change */
	sum = bpf_csum_diff(&old_w, 4, &new_w, 4, (__u16)~ih->icmp6_cksum);
	if (sum < 0)
		return XDP_ABORTED;
	ih->icmp6_cksum = csum_fold(sum);
	__builtin_memcpy(&tmp, &ip6->saddr, sizeof(tmp));
	__builtin_memcpy(&ip6->saddr, &ip6->daddr, sizeof(tmp));
	__builtin_memcpy(&ip6->daddr, &tmp, sizeof(tmp));
	ip6->hop_limit = 64;
	swap_mac(eth);
	count(1);
	return XDP_TX;
}

SEC("xdp")
int icmp_echo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return echo4(ctx, eth, data_end);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return echo6(ctx, eth, data_end);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
