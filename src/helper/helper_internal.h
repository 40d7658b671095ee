/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helper functions, by Linux helper ID. One table (helpers.c) gives each
 * helper's implementation and its prototype; the loader refuses calls to IDs
 * without an entry, the verifier checks arguments against the prototype, the
 * engines call `fn` directly.
 *
 * Calling convention: the five BPF argument registers, then the execution
 * environment of the running thread (a hidden sixth argument, so the JIT can
 * pass it in a register).
 */
#ifndef UXDP_HELPER_INTERNAL_H
#define UXDP_HELPER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/vm_internal.h"

typedef uint64_t (*uxdp_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5, struct uxdp_exec *ex);

/* Argument kinds, as the kernel's enum bpf_arg_type (the subset XDP helpers use). */
enum uxdp_arg_type {
	UXDP_ARG_NONE = 0,	     /* unused argument */
	UXDP_ARG_ANYTHING,	     /* any initialised scalar */
	UXDP_ARG_CONST_MAP_PTR,	     /* map pointer from lddw */
	UXDP_ARG_PTR_TO_MAP_KEY,     /* key_size readable bytes */
	UXDP_ARG_PTR_TO_MAP_VALUE,   /* value_size readable bytes */
	UXDP_ARG_PTR_TO_MEM,	     /* readable memory; size in the next argument */
	UXDP_ARG_PTR_TO_MEM_OR_NULL, /* as above, NULL allowed */
	UXDP_ARG_PTR_TO_UNINIT_MEM,  /* writable memory; size in the next argument */
	UXDP_ARG_CONST_SIZE,	     /* size > 0 of the previous memory argument */
	UXDP_ARG_CONST_SIZE_OR_ZERO, /* size >= 0 of the previous memory argument */
	UXDP_ARG_PTR_TO_CTX,	     /* the program's context */
	UXDP_ARG_PTR_TO_FUNC,	     /* callback (lddw BPF_PSEUDO_FUNC) */
	UXDP_ARG_PTR_TO_STACK_OR_NULL, /* callback context */
	UXDP_ARG_PTR_TO_SPIN_LOCK,   /* struct bpf_spin_lock in a map value */
	UXDP_ARG_PTR_TO_ALLOC_MEM,   /* ringbuf record from bpf_ringbuf_reserve */
	UXDP_ARG_PTR_TO_CONST_STR,   /* NUL-terminated read-only string */
	UXDP_ARG_PTR_TO_LONG,	     /* writable 8 bytes */
	UXDP_ARG_PTR_TO_INT,	     /* writable 4 bytes */
};

enum uxdp_ret_type {
	UXDP_RET_INTEGER = 0,
	UXDP_RET_VOID,
	UXDP_RET_PTR_TO_MAP_VALUE_OR_NULL,
	UXDP_RET_PTR_TO_ALLOC_MEM_OR_NULL, /* size = the constant r2 of the call */
};

struct uxdp_helper_proto {
	int32_t id;
	const char *name; /* Linux name without the bpf_ prefix */
	uxdp_helper_fn fn;
	bool gpl_only;
	bool changes_pkt_data; /* invalidates packet pointers (adjust_head/meta/tail) */
	enum uxdp_ret_type ret;
	enum uxdp_arg_type args[5];
};

/*
 * The prototype of helper `id` for a program type, or NULL when uxdp does
 * not provide that helper (the loader then refuses the program, naming it).
 */
const struct uxdp_helper_proto *uxdp_helper_proto(int32_t id, enum uxdp_prog_type type);

/*
 * A faster function for helper `id` when its map argument (r1) is known to be
 * map at every call: the same results, without dispatching on the map's type
 * (the kernel's verifier fixes such calls up likewise). NULL: use the proto's fn.
 */
uxdp_helper_fn uxdp_helper_for_map(int32_t id, const struct uxdp_map *map);

/* Highest helper ID the table knows a Linux name for. */
int32_t uxdp_helper_max_id(void);

#endif /* UXDP_HELPER_INTERNAL_H */
