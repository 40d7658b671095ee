// SPDX-License-Identifier: BSD-2-Clause
/*
 * Global data: .rodata constants (a const table and a volatile const
 * setting), .data initialised variables that the program changes, and .bss
 * zero-initialised arrays. libbpf turns each section into an array map named
 * after the object, truncated to the kernel's 15 characters ("global_d.rodata");
 * the comparator checks all three after the run.
 */
#include "kdiff.h"

static const __u32 weights[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };
volatile const __u32 mode = 2;
const char tag[8] = "kdiff!";

__u64 data_total = 1000;
__u32 data_last_len = 0xdeadbeef;
__u8 data_bytes[4] = { 1, 2, 3, 4 };

__u64 bss_hist[16];
__u32 bss_seen;

SEC("xdp")
int global_data(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data;
	__u8 first;

	if (data + 1 > data_end)
		return XDP_PASS;
	first = *(__u8 *)data;
	data_total += len * weights[first & 7];
	data_last_len = len;
	data_bytes[first & 3] ^= tag[first & 7];
	bss_hist[len & 15]++;
	bss_seen |= 1U << (first & 31);
	if (mode == 2 && len > 1000)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
