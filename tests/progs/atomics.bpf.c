// SPDX-License-Identifier: BSD-2-Clause
/*
 * Atomic instructions on map values and global data, 64- and 32-bit: add,
 * or, and, xor with and without fetch, xchg (__sync_lock_test_and_set) and
 * cmpxchg (__sync_val_compare_and_swap). Operands come from packet bytes and
 * every fetched old value is stored, so each form's result is compared.
 */
#include "kdiff.h"

struct atom {
	__u64 add64, or64, and64, xor64, xchg64, cmpxchg64;
	__u32 add32, or32, and32, xor32, xchg32, cmpxchg32;
	__u64 fetched[12];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct atom);
} atom SEC(".maps");

__u64 bss_counter;
__u32 bss_flags32;

SEC("xdp")
int atomics(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 v;
	__u32 v32, zero = 0;
	struct atom *a;

	if (data + 22 > data_end)
		return XDP_PASS;
	v = *(__u64 *)(data + 6);
	v32 = *(__u32 *)(data + 14);
	a = bpf_map_lookup_elem(&atom, &zero);
	if (!a)
		return XDP_ABORTED;
	if (a->and64 == 0 && a->and32 == 0) {
		a->and64 = ~0ULL;
		a->and32 = ~0U;
	}
	/* non-fetch forms (result unused) */
	__sync_fetch_and_add(&a->add64, v);
	__sync_fetch_and_add(&a->add32, v32);
	__sync_fetch_and_or(&a->or32, v32);
	__sync_fetch_and_xor(&a->xor32, v32);
	__sync_fetch_and_add(&bss_counter, 1);
	__sync_fetch_and_or(&a->or64, v >> 7);
	__sync_fetch_and_and(&a->and64, ~(v & 0xf0));
	__sync_fetch_and_xor(&a->xor64, v << 3);
	__sync_fetch_and_and(&a->and32, ~(v32 & 0x0f));
	/* fetch forms */
	a->fetched[0] = __sync_fetch_and_or(&a->or64, v);
	a->fetched[1] = __sync_fetch_and_and(&a->and64, v | 0xff00ff00ff00ff00ULL);
	a->fetched[2] = __sync_fetch_and_xor(&a->xor64, v);
	a->fetched[3] = __sync_lock_test_and_set(&a->xchg64, v);
	a->fetched[4] = __sync_val_compare_and_swap(&a->cmpxchg64, a->fetched[3], v);
	a->fetched[5] = __sync_fetch_and_add(&a->add64, 3);
	a->fetched[6] = __sync_fetch_and_and(&a->and32, v32 | 0x0f0f0f0f);
	a->fetched[7] = __sync_lock_test_and_set(&a->xchg32, v32);
	a->fetched[8] = __sync_val_compare_and_swap(&a->cmpxchg32, (__u32)a->fetched[7], v32);
	a->fetched[9] = __sync_fetch_and_add(&a->add32, 1);
	a->fetched[10] = __sync_fetch_and_or(&bss_flags32, 1U << (v32 & 31));
	a->fetched[11] = __sync_fetch_and_xor(&a->xor32, 0x5a5a5a5a);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
