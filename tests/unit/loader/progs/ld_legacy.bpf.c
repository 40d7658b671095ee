// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object: legacy `maps` section (struct bpf_map_def) next to a
 * BTF-defined map.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_arr = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 10,
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 64,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} btf_arr SEC(".maps");

SEC("xdp")
int legacy_prog(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&legacy_arr, &k);
	__u32 *w = bpf_map_lookup_elem(&legacy_hash, &k);
	__u32 *x = bpf_map_lookup_elem(&btf_arr, &k);

	if (v)
		*v = 1;
	if (w)
		*w = 2;
	if (x)
		*x = 3;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
