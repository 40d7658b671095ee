// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object: global data. .rodata constants the program reads,
 * .data and .bss variables it updates, custom .data.* / .rodata.* sections.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 verdict = XDP_TX;
const volatile __u64 magic = 0x1122334455667788ull;
__u64 counter = 7;
__u32 pad_data = 9;
__u64 hits;
__u32 seen[4];
__u32 custom_val __attribute__((section(".data.custom"))) = 0xabcd;
const __u32 table[3] __attribute__((section(".rodata.tbl"))) = {10, 20, 30};

SEC("xdp")
int data_prog(struct xdp_md *ctx)
{
	__u32 i = ctx->ingress_ifindex & 3;

	hits++;
	counter += 2;
	seen[i] = table[i & 1] + custom_val;
	if (magic != 0x1122334455667788ull)
		return XDP_ABORTED;
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
