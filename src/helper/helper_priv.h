/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to src/helper/: the helper implementations the table in helpers.c
 * points to, grouped by the file that defines them, and small shared pieces
 * (the kernel's internal ENOTSUPP, the xdp_frame reservation, event emission).
 */
#ifndef UXDP_HELPER_PRIV_H
#define UXDP_HELPER_PRIV_H

#include <stdint.h>

#include "helper/helper_internal.h"

#define UXDP_HELPER_ARGS                                                                           \
	uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct uxdp_exec *ex

/* The kernel-internal error code some helpers return (not in userspace errno.h). */
#ifndef UXDP_ENOTSUPP
#define UXDP_ENOTSUPP 524
#endif

/*
 * Bytes at the start of the headroom that the kernel keeps for struct
 * xdp_frame (x86-64, Linux 6.x): bpf_xdp_adjust_head/meta never move data or
 * data_meta into them. Measured with BPF_PROG_TEST_RUN: adjust_head(-216) on
 * a 256-byte headroom succeeds, -217 fails.
 */
#define UXDP_XDP_FRAME_RESERVED 40
/* Largest metadata area (skb_shared_info.meta_len is a u8, Linux >= 6.5). */
#define UXDP_XDP_META_MAX 255
#define UXDP_ETH_HLEN	  14

/* Hand an event to the exec's sink, or count it as dropped. */
void uxdp_helper_emit(struct uxdp_exec *ex, const struct uxdp_event *ev);
/* Seed bpf_get_prandom_u32's generator (helper_misc.c). */
void uxdp_helper_prandom_seed(struct uxdp_exec *ex, uint64_t seed);

/* helper_misc.c: maps, time, random, CPU, spin locks, bpf_loop, ring buffers */
uint64_t uxdp_bpf_map_lookup_elem(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_map_update_elem(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_map_delete_elem(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ktime_get_ns(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ktime_get_boot_ns(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ktime_get_coarse_ns(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_jiffies64(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_get_prandom_u32(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_get_smp_processor_id(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_spin_lock(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_spin_unlock(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_loop(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ringbuf_output(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ringbuf_reserve(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ringbuf_submit(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ringbuf_discard(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_ringbuf_query(UXDP_HELPER_ARGS);

/* helper_printk.c */
uint64_t uxdp_bpf_trace_printk(UXDP_HELPER_ARGS);

/* helper_xdp.c: frame geometry and packet access */
uint64_t uxdp_bpf_xdp_adjust_head(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_xdp_adjust_meta(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_xdp_adjust_tail(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_xdp_get_buff_len(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_xdp_load_bytes(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_xdp_store_bytes(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_csum_diff(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_perf_event_output(UXDP_HELPER_ARGS);

/* helper_net.c: forwarding decisions */
uint64_t uxdp_bpf_redirect(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_redirect_map(UXDP_HELPER_ARGS);
/* bpf_redirect_map for a map the JIT knows to be an xskmap / a devmap (not
 * devmap_hash): the same results without the dispatch on the map's type. */
uint64_t uxdp_bpf_redirect_xskmap(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_redirect_devmap(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_check_mtu(UXDP_HELPER_ARGS);
uint64_t uxdp_bpf_fib_lookup(UXDP_HELPER_ARGS);

#endif /* UXDP_HELPER_PRIV_H */
