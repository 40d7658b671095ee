// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object (source lines): a .text subprogram that is fine, then
 * the entry function reads packet byte 30 after checking only 14; the load
 * must fail and the log must quote that line (26, asserted by
 * test_loader_objs.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int sub_ok(int x)
{
	return x * 3 + 1;
}

SEC("xdp")
int lines_bad_main(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	unsigned char *p = data;

	if (sub_ok(ctx->ingress_ifindex) == 7 || data + 14 > data_end)
		return XDP_PASS;
	/* the next line must stay line 26 */
	return p[30] == 0x11 ? XDP_DROP : XDP_PASS; /* unchecked byte in the entry function */
}

char LICENSE[] SEC("license") = "GPL";
