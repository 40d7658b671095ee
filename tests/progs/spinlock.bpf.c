// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_spin_lock / bpf_spin_unlock around multi-field updates of map values
 * holding a struct bpf_spin_lock: a per-protocol hash entry (created on first
 * sight) and a global array entry. The lock word itself reads back as zero.
 */
#include "kdiff.h"

struct locked {
	struct bpf_spin_lock lock;
	__u32 packets;
	__u64 bytes;
	__u64 max_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct locked);
} lk_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} lk_array SEC(".maps");

SEC("xdp")
int spinlock(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct locked *v, init = {};
	__u32 key, zero = 0;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	key = bpf_ntohs(eth->h_proto);
	v = bpf_map_lookup_elem(&lk_hash, &key);
	if (!v) {
		bpf_map_update_elem(&lk_hash, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&lk_hash, &key);
		if (!v)
			return XDP_ABORTED;
	}
	bpf_spin_lock(&v->lock);
	v->packets++;
	v->bytes += len;
	if (len > v->max_len)
		v->max_len = len;
	bpf_spin_unlock(&v->lock);

	v = bpf_map_lookup_elem(&lk_array, &zero);
	if (!v)
		return XDP_ABORTED;
	bpf_spin_lock(&v->lock);
	v->packets += 2;
	v->bytes ^= len;
	bpf_spin_unlock(&v->lock);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
