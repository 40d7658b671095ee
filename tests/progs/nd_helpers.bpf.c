// SPDX-License-Identifier: BSD-2-Clause
/*
 * Nondeterministic helpers: bpf_ktime_get_ns, bpf_ktime_get_boot_ns,
 * bpf_ktime_get_coarse_ns, bpf_jiffies64 and bpf_get_prandom_u32 store into
 * maps named nd_* (the comparator checks only their shape); derived facts that
 * must hold anywhere (monotonic clocks do not go backwards within a run,
 * jiffies are nonzero, prandom values are not all equal) and the CPU number
 * go to a normal map.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} nd_clock SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} nd_rand SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __u64);
} facts SEC(".maps");

__u32 pkt_no;

static __always_inline void put(void *map, __u32 i, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(map, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int nd_helpers(struct xdp_md *ctx)
{
	__u64 t0 = bpf_ktime_get_ns(), t1, b0, b1, c0, j;
	__u32 r0 = bpf_get_prandom_u32(), r1 = bpf_get_prandom_u32(), r2, n = pkt_no++;

	b0 = bpf_ktime_get_boot_ns();
	c0 = bpf_ktime_get_coarse_ns();
	j = bpf_jiffies64();
	t1 = bpf_ktime_get_ns();
	b1 = bpf_ktime_get_boot_ns();
	r2 = bpf_get_prandom_u32();
	put(&nd_clock, 0, t0);
	put(&nd_clock, 1, b0);
	put(&nd_clock, 2, c0);
	put(&nd_clock, 3, j);
	put(&nd_clock, 4, r0);
	bpf_map_update_elem(&nd_rand, &n, &r1, BPF_ANY);
	put(&facts, 0, t1 >= t0);
	put(&facts, 1, b1 >= b0);
	put(&facts, 2, j != 0 && c0 != 0);
	put(&facts, 3, !(r0 == r1 && r1 == r2));
	put(&facts, 4, bpf_get_smp_processor_id());
	put(&facts, 5, n + 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
