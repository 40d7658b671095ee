// SPDX-License-Identifier: BSD-2-Clause
/*
 * Flow counter: parse Ethernet/VLAN/IPv4/IPv6 and TCP/UDP/ICMP, count packets
 * and bytes per 5-tuple in a hash map (atomic adds on existing entries), and
 * count parse results in an array. Malformed packets are dropped.
 */
#include "kdiff.h"

struct flow_val {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PARSE_RESULTS);
	__type(key, __u32);
	__type(value, __u64);
} parse_res SEC(".maps");

SEC("xdp")
int flow_count(struct xdp_md *ctx)
{
	struct pkt_info pi;
	struct flow_key key;
	struct flow_val *fv;
	__u32 slot;
	__u64 *cnt;
	__u64 len = ctx->data_end - ctx->data;
	int r;

	r = parse_packet(ctx, &pi, &key);
	slot = parse_slot(r);
	cnt = bpf_map_lookup_elem(&parse_res, &slot);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	if (r < 0)
		return XDP_DROP;
	if (r == PARSE_NOT_IP)
		return XDP_PASS;
	fv = bpf_map_lookup_elem(&flows, &key);
	if (fv) {
		__sync_fetch_and_add(&fv->packets, 1);
		__sync_fetch_and_add(&fv->bytes, len);
	} else {
		struct flow_val nv = { .packets = 1, .bytes = len };

		bpf_map_update_elem(&flows, &key, &nv, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
