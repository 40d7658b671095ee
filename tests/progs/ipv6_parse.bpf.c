// SPDX-License-Identifier: BSD-2-Clause
/*
 * IPv6 parser: walk up to four extension headers (hop-by-hop, routing,
 * destination options, fragment) in a bounded loop, then count the final
 * next-header value and record the L4 offset of the last packet. Non-IPv6 is
 * passed; truncated IPv6 headers are dropped.
 */
#include "kdiff.h"

struct ipv6_opt {
	__u8 nexthdr;
	__u8 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} by_nexthdr SEC(".maps");

struct v6_last {
	__u32 l4_off;
	__u32 ext_cnt;
	__u32 payload_len;
	__u32 flow_label;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct v6_last);
} v6_last SEC(".maps");

SEC("xdp")
int ipv6_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct v6_last *last;
	__u32 off, nh, ext = 0, zero = 0;
	__u64 *cnt;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	if ((void *)(ip6 + 1) > data_end)
		return XDP_DROP;
	nh = ip6->nexthdr;
	off = sizeof(*eth) + sizeof(*ip6);
	for (int i = 0; i < 4; i++) {
		struct ipv6_opt *opt;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		opt = data + off;
		if ((void *)(opt + 1) > data_end)
			return XDP_DROP;
		ext++;
		if (nh == 44)
			off += 8;
		else
			off += (opt->len + 1) * 8;
		nh = opt->nexthdr;
		if (off > 512)
			return XDP_DROP;
	}
	cnt = bpf_map_lookup_elem(&by_nexthdr, &nh);
	if (cnt)
		*cnt += 1;
	last = bpf_map_lookup_elem(&v6_last, &zero);
	if (last) {
		last->l4_off = off;
		last->ext_cnt = ext;
		last->payload_len = bpf_ntohs(ip6->payload_len);
		last->flow_label = bpf_ntohl(*(__be32 *)ip6) & 0xfffff;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
