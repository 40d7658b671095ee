// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object (source lines): the .text subprogram reads packet byte
 * 20 after checking only 14; the load must fail and the log must quote the
 * line below (test_loader_objs.c asserts on its text and number, 19).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int sub_peek(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	unsigned char *p = data;

	if (data + 14 > data_end)
		return XDP_PASS;
	/* the next line must stay line 19 */
	return p[20] == 0x45 ? XDP_DROP : XDP_PASS; /* unchecked byte in a subprogram */
}

SEC("xdp")
int lines_bad_sub(struct xdp_md *ctx)
{
	int v = sub_peek(ctx);

	return v == XDP_DROP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
