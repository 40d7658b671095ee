// SPDX-License-Identifier: BSD-2-Clause
/*
 * Map update/delete semantics from a program: BPF_NOEXIST on an existing key
 * (-EEXIST), BPF_EXIST on a missing key (-ENOENT), inserting into a full hash
 * (-E2BIG), deleting a missing key (-ENOENT), deleting from an array
 * (-EINVAL), array update out of range (-E2BIG), bad flags (-EINVAL). Keys
 * come from packet bytes so the hash fills up over the pcap. Every return
 * code is kept in a ring of results.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} ops_rc SEC(".maps");

static __always_inline void put(__u32 i, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&ops_rc, &i);

	if (p)
		*p += v * (i + 1) * 1000 + 1;
}

SEC("xdp")
int map_ops(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 key, len = data_end - data, bad = 7;
	__u64 val = len;

	if (data + 14 > data_end)
		return XDP_DROP;
	key = *(__u8 *)(data + 13) + len % 7;
	put(0, bpf_map_update_elem(&small, &key, &val, BPF_NOEXIST));
	put(1, bpf_map_update_elem(&small, &key, &val, BPF_NOEXIST));
	val++;
	put(2, bpf_map_update_elem(&small, &key, &val, BPF_EXIST));
	key ^= 0x5500;
	put(3, bpf_map_update_elem(&small, &key, &val, BPF_EXIST));
	put(4, bpf_map_delete_elem(&small, &key));
	if (len % 3 == 0) {
		key ^= 0x5500;
		put(5, bpf_map_delete_elem(&small, &key));
	}
	key = len & 3;
	put(6, bpf_map_update_elem(&arr, &key, &val, BPF_ANY) +
		       bpf_map_update_elem(&arr, &key, &val, BPF_NOEXIST) * 10 +
		       bpf_map_delete_elem(&arr, &key) * 100);
	key = 4;
	put(7, bpf_map_update_elem(&arr, &key, &val, BPF_ANY) +
		       bpf_map_update_elem(&arr, &bad, &val, 99) * 100);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
