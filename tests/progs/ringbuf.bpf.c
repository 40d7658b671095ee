// SPDX-License-Identifier: BSD-2-Clause
/*
 * Ring buffer: for each packet emit a record with bpf_ringbuf_output (the
 * first 16 bytes plus the length), reserve+submit a second record holding a
 * sequence number, reserve+discard a third, and query the ring size (stored)
 * and the available data (stored in an nd_ map: it depends on when the
 * consumer runs).
 */
#include "kdiff.h"

struct rec {
	__u32 seq;
	__u32 len;
	__u8 head[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __s64);
} rb_res SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nd_rb_avail SEC(".maps");

__u32 seq;
__u8 big[5000];

static __always_inline void rec_res(__u32 i, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&rb_res, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int ringbuf(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct rec r = {}, *rp;
	__u32 zero = 0;
	__u64 *avail;

	r.seq = seq++;
	r.len = data_end - data;
	if (data + 16 <= data_end)
		__builtin_memcpy(r.head, data, 16);
	rec_res(0, bpf_ringbuf_output(&events, &r, sizeof(r), 0));

	rp = bpf_ringbuf_reserve(&events, sizeof(*rp), 0);
	if (rp) {
		__builtin_memset(rp, 0, sizeof(*rp));
		rp->seq = 0x10000 | r.seq;
		rp->len = r.len * 2;
		bpf_ringbuf_submit(rp, 0);
	}
	rp = bpf_ringbuf_reserve(&events, sizeof(*rp), 0);
	if (rp) {
		rp->seq = 0xdead;
		bpf_ringbuf_discard(rp, 0);
	}
	rec_res(1, bpf_ringbuf_query(&events, BPF_RB_RING_SIZE));
	avail = bpf_map_lookup_elem(&nd_rb_avail, &zero);
	if (avail)
		*avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	rec_res(2, bpf_ringbuf_output(&events, big, sizeof(big), 0)); /* > ring: fails */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
