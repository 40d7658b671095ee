// SPDX-License-Identifier: BSD-2-Clause
/*
 * Map-in-map: an array of maps and a hash of maps, both filled by libbpf at
 * load time from `.values` with inner array maps; the program picks an inner
 * map by a packet byte (missing outer entries are counted), then counts into
 * it. Outer values are map IDs, so only their keys are compared; the inner
 * maps are compared in full.
 */
#include "kdiff.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner inner_a SEC(".maps");
struct inner inner_b SEC(".maps");
struct inner inner_c SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_arr SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [1] = &inner_c, [3] = &inner_a },
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} mim_miss SEC(".maps");

static __always_inline void bump(void *map, __u32 k, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(map, &k);

	if (v)
		*v += by;
}

SEC("xdp")
int map_in_map(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 sel, len = data_end - data;
	void *inner;

	if (data + 1 > data_end)
		return XDP_DROP;
	sel = *(__u8 *)data & 3;
	inner = bpf_map_lookup_elem(&outer_arr, &sel);
	if (inner)
		bump(inner, len & 3, 1);
	else
		bump(&mim_miss, 0, 1);
	inner = bpf_map_lookup_elem(&outer_hash, &sel);
	if (inner)
		bump(inner, (len >> 2) & 3, 100);
	else
		bump(&mim_miss, 1, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
