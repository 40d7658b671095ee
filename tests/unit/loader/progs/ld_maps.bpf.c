// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object: BTF-defined maps of each kind (plain, per-CPU, LRU,
 * spin-locked values, ring buffer, devmap/cpumap, prog_array and map-in-map
 * with static `.values` initialisation), several programs in one section and
 * programs in every XDP section flavour.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct val_lock {
	__u64 a;
	struct bpf_spin_lock lock;
	__u32 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(key_size, 8);
	__uint(value_size, 16);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} hsh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 2);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, struct val_lock);
	__uint(max_entries, 16);
} locked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
	__uint(max_entries, 8);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(max_entries, 4);
} cpus SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 3);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = {[0] = &inner_b, [2] = &inner_a},
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps");

int tail_a(struct xdp_md *ctx);
int tail_b(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} jmp SEC(".maps") = {
	.values = {[1] = (void *)&tail_a, [3] = (void *)&tail_b},
};

SEC("xdp")
int tail_a(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int tail_b(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp")
int use_maps(struct xdp_md *ctx)
{
	__u32 k = 1;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);
	__u32 *p = bpf_map_lookup_elem(&pcpu, &k);
	void *in = bpf_map_lookup_elem(&outer, &k);
	struct val_lock *l = bpf_map_lookup_elem(&locked, &k);

	if (v)
		*v += 1;
	if (p)
		*p += 2;
	if (in)
		bpf_map_lookup_elem(in, &k);
	if (l) {
		bpf_spin_lock(&l->lock);
		l->a++;
		bpf_spin_unlock(&l->lock);
	}
	bpf_tail_call(ctx, &jmp, 1);
	return XDP_PASS;
}

SEC("xdp.frags")
int frags_prog(struct xdp_md *ctx)
{
	return bpf_redirect_map(&devs, 0, XDP_PASS);
}

SEC("xdp/devmap")
int devmap_prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp.frags/devmap")
int devmap_frags_prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp/cpumap")
int cpumap_prog(struct xdp_md *ctx)
{
	return bpf_redirect_map(&cpus, 0, 0);
}

SEC("xdp.frags/cpumap")
int cpumap_frags_prog(struct xdp_md *ctx)
{
	void *r = bpf_ringbuf_reserve(&rb, 8, 0);

	if (r)
		bpf_ringbuf_discard(r, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
