// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_perf_event_output from XDP: a small record per packet on the current
 * CPU, with up to 32 bytes of the packet appended by the helper itself (the
 * length in the upper 32 bits of flags); an explicit-index output to a slot
 * with no perf event, whose error is recorded.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_ev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __s64);
} perf_rc SEC(".maps");

struct perf_rec {
	__u32 magic;
	__u32 len;
};

SEC("xdp")
int perf_out(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	__u64 cap = len < 32 ? len : 32;
	struct perf_rec r = { .magic = 0x50455246, .len = len };
	__u32 k;
	__s64 rc, *p;

	rc = bpf_perf_event_output(ctx, &perf_ev, BPF_F_CURRENT_CPU | (cap << 32), &r, sizeof(r));
	k = 0;
	p = bpf_map_lookup_elem(&perf_rc, &k);
	if (p)
		*p = rc;
	if (len & 1) {
		rc = bpf_perf_event_output(ctx, &perf_ev, 1000, &r, sizeof(r));
		k = 1;
		p = bpf_map_lookup_elem(&perf_rc, &k);
		if (p)
			*p = rc;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
