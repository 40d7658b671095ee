// SPDX-License-Identifier: BSD-2-Clause
/*
 * VLAN pop and push with bpf_xdp_adjust_head. vlan_pop removes the outer
 * 802.1Q/802.1ad tag (moving the MAC addresses forward) and records the VID;
 * vlan_push tags untagged frames with VID 100 (priority 3).
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} vid_seen SEC(".maps");

SEC("xdp")
int vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vh = (void *)(eth + 1);
	struct ethhdr copy;
	__u32 vid, *seen;

	if ((void *)(vh + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_8021Q) && eth->h_proto != bpf_htons(ETH_P_8021AD))
		return XDP_PASS;
	vid = bpf_ntohs(vh->tci) & 0xfff;
	seen = bpf_map_lookup_elem(&vid_seen, &vid);
	if (seen)
		__sync_fetch_and_add(seen, 1);
	__builtin_memcpy(copy.h_dest, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(copy.h_source, eth->h_source, ETH_ALEN);
	copy.h_proto = vh->proto;
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(*vh)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, &copy, sizeof(copy));
	return XDP_TX;
}

SEC("xdp")
int vlan_push(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vh;
	struct ethhdr copy;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD))
		return XDP_PASS;
	__builtin_memcpy(&copy, eth, sizeof(copy));
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(*vh)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth->h_dest, copy.h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_source, copy.h_source, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	vh->tci = bpf_htons((3 << 13) | 100);
	vh->proto = copy.h_proto;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
