/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The static verifier's model of a program's state: what each register and
 * each stack byte may hold at one instruction, on one path. A value is either
 * a scalar (known bits as a tnum plus signed and unsigned 64-bit ranges) or a
 * pointer of a known kind with a fixed offset and a variable offset (itself a
 * scalar). verifier_bounds.c does the arithmetic and branch refinement on
 * these values; verifier.c walks the program's paths with them.
 */
#ifndef UXDP_VERIFIER_INTERNAL_H
#define UXDP_VERIFIER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vm_internal.h"

/* Bits known to be 0/1 (value), bits unknown (mask); value & mask == 0. */
struct tnum {
	uint64_t value;
	uint64_t mask;
};

enum vtype {
	VT_NOT_INIT = 0,
	VT_SCALAR,
	VT_CTX,	     /* struct xdp_md */
	VT_PKT,	     /* packet data */
	VT_PKT_END,  /* data_end */
	VT_PKT_META, /* data_meta */
	VT_MAP_PTR,  /* a map (lddw map reference, or a map-in-map lookup result) */
	VT_MAP_VALUE,
	VT_STACK,
	VT_MEM, /* sized memory: ringbuf record, raw program buffer */
	VT_FUNC, /* callback address (lddw BPF_PSEUDO_FUNC) */
};

#define VR_MAYBE_NULL 1u /* pointer not yet checked against NULL */
#define VR_INNER_MAP 2u	 /* VT_MAP_PTR: the inner map template of ->map */

struct vreg {
	uint8_t type;	 /* enum vtype */
	uint8_t flags;	 /* VR_* */
	uint8_t frameno; /* VT_STACK: the frame it points into */
	uint8_t pad;
	int32_t off;	 /* pointers: fixed offset */
	uint32_t id;	 /* NULL-check group, packet range group, or linked scalars */
	uint32_t ref_id; /* acquired reference (ringbuf record), 0 if none */
	uint32_t range;	 /* VT_PKT*: proven bytes; VT_MEM: size; VT_FUNC: subprogram */
	uint32_t stale;	 /* scalar that was a packet pointer invalidated at insn stale-1 */
	const struct uxdp_map *map;
	/* scalars: the value; pointers: the variable part of the offset */
	struct tnum var;
	int64_t smin, smax;
	uint64_t umin, umax;
};

/* Stack byte kinds. */
enum { SB_INVALID = 0, SB_MISC, SB_ZERO, SB_SPILL };

#define V_SLOTS (UXDP_STACK_SIZE / 8)
#define V_MAX_FRAMES UXDP_MAX_CALL_DEPTH
#define V_MAX_REFS 16

struct vframe {
	struct vreg regs[11];
	uint8_t stype[UXDP_STACK_SIZE];	 /* byte i is at fp - 512 + i */
	struct vreg spill[V_SLOTS];	 /* valid where all 8 bytes are SB_SPILL */
	uint32_t callsite;		 /* insn that called this frame (frame 0: none) */
	uint32_t subprog;
	bool callback;			 /* entered from a callback-calling helper */
	struct vcheckpoint *cb_head;	 /* callback: the checkpoint of its loop's first call */
	uint16_t depth;			 /* deepest stack byte touched */
};

struct vstate {
	uint32_t insn;
	uint32_t curframe;
	struct vframe *frame[V_MAX_FRAMES];
	uint32_t refs[V_MAX_REFS]; /* acquired references not yet released */
	uint32_t ref_insn[V_MAX_REFS];
	uint32_t ref_cnt;
	struct vcheckpoint *parent; /* last checkpoint on this path */
	/* at a callback-calling helper: back from the callback of this loop (cb_head) */
	bool cb_return;
	struct vcheckpoint *cb_head;
};

/* --- verifier_bounds.c --- */
struct tnum tnum_const(uint64_t v);
struct tnum tnum_range(uint64_t min, uint64_t max);
bool tnum_is_const(struct tnum t);
bool tnum_in(struct tnum outer, struct tnum inner);

void vreg_mark_unknown(struct vreg *r);
void vreg_mark_const(struct vreg *r, uint64_t v);
bool vreg_is_const(const struct vreg *r);
/* Tighten ranges and known bits from each other; false if they contradict. */
bool vreg_sync(struct vreg *r);
/* Set r to the value of a size-byte load (zero-extended, or sign-extended with sx). */
void vreg_mark_load(struct vreg *r, int size, bool sx);
/* Keep only the low 32 bits (zero-extended). */
void vreg_zext32(struct vreg *r);

/* dst = dst OP src for a scalar dst and src; op is BPF_OP(); is64 or a 32-bit op. */
void vreg_scalar_alu(struct vreg *dst, const struct vreg *src, uint8_t op, bool is64, int16_t off);
/* 64-bit add/sub of the scalar src into the variable part of a pointer. */
void vreg_var_add(struct vreg *dst, const struct vreg *src, bool sub);

/*
 * Refine a (dst) and b (src) assuming "a OP b" is true (op = BPF_OP(), with
 * neg for the negated condition). Returns false when no value satisfies it
 * (the branch cannot be taken). jmp32 is handled by the caller.
 */
bool vreg_refine(struct vreg *a, struct vreg *b, uint8_t op, bool neg);

/* Does old cover every value cur may hold (scalars / variable offsets)? */
bool vreg_range_within(const struct vreg *old, const struct vreg *cur);

/* Human-readable description of a register ("pkt(off=14,r=14)", "scalar(umax=255)"). */
int vreg_describe(const struct vreg *r, char *buf, size_t sz);
const char *vtype_name(uint8_t type);

#endif /* UXDP_VERIFIER_INTERNAL_H */
