// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object: a CO-RE read of a field the target type lacks, guarded
 * by bpf_core_field_exists(); the loader must poison the read, as libbpf.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct bar {
	int x;
};

struct bar___new {
	int x;
	int y;
} __attribute__((preserve_access_index));

struct bar bar_anchor;

SEC("xdp")
int poison_prog(struct xdp_md *ctx)
{
	struct bar___new *b = (void *)(long)ctx->data;

	if ((void *)(b + 1) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	if (bpf_core_field_exists(b->y))
		return b->y;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
