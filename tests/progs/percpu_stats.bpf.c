// SPDX-License-Identifier: BSD-2-Clause
/*
 * Per-CPU statistics: packets and bytes per EtherType class in a per-CPU
 * array, bytes per L4 protocol in a per-CPU hash, and the CPU number the
 * program ran on (bpf_get_smp_processor_id; deterministic in test runs pinned
 * to CPU 0).
 */
#include "kdiff.h"

struct stat {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct stat);
} class_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u8);
	__type(value, __u64);
} proto_bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cpu_seen SEC(".maps");

SEC("xdp")
int percpu_stats(struct xdp_md *ctx)
{
	struct pkt_info pi;
	struct flow_key fk;
	struct stat *st;
	__u64 len = ctx->data_end - ctx->data, *pb;
	__u32 cls, zero = 0, *cpu;
	__u8 proto;
	int r;

	r = parse_packet(ctx, &pi, &fk);
	if (r < 0)
		cls = 3;
	else if (r == PARSE_NOT_IP)
		cls = 2;
	else
		cls = fk.family == 4 ? 0 : 1;
	st = bpf_map_lookup_elem(&class_stats, &cls);
	if (st) {
		st->packets++;
		st->bytes += len;
	}
	cpu = bpf_map_lookup_elem(&cpu_seen, &zero);
	if (cpu)
		*cpu = bpf_get_smp_processor_id() + 1;
	if (r != PARSE_OK)
		return XDP_PASS;
	proto = fk.proto;
	pb = bpf_map_lookup_elem(&proto_bytes, &proto);
	if (pb) {
		*pb += len;
	} else {
		bpf_map_update_elem(&proto_bytes, &proto, &len, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
