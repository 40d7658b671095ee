/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Differential testing of the JIT against the interpreter: a generator of
 * random eBPF XDP programs that a verifier accepts by construction (every
 * register and stack slot written before it is read, only forward jumps and
 * bounded bpf_loop calls, packet accesses behind a data_end check, map values
 * behind a NULL check), and a runner that executes one program on both engines
 * with fresh, identical maps and packets and compares r0, the packet and every
 * map. The programs use the whole ISA the engines support: ALU and ALU32 with
 * every operand form, signed division, sign-extending moves and loads, byte
 * swaps, JMP and JMP32 conditions, atomics of both widths, bpf-to-bpf calls,
 * bpf_loop callbacks, array / per-CPU array / hash map helpers. Choices come
 * from the input bytes (libFuzzer mutates them), then from a PRNG seeded by
 * them. Used by fuzz/fuzz_jit_diff.c and tests/unit/vm/test_jit_diff.c.
 */
#ifndef UXDP_FUZZ_JIT_GEN_H
#define UXDP_FUZZ_JIT_GEN_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "uxdp/uxdp.h"

#define JG_PKT_LEN 64
#define JG_STACK_USED 128 /* bytes below r10 the programs use */
#define JG_MAX_INSNS 4096
#define JG_VALUE_SIZE 16
#define JG_ENTRIES 4
#define JG_HASH_KEYS 8

struct jg {
	const uint8_t *data;
	size_t len, pos;
	uint64_t rng;
	struct bpf_insn insns[JG_MAX_INSNS];
	uint32_t cnt;
	bool full;
	/* forward jumps to patch: insn index -> target "item" index */
	uint32_t jmp_insn[512], jmp_item[512], njmp;
	uint32_t item_start[1024], nitems;
	/* calls to patch: insn -> subprogram (1 = sub, 2 = callback) */
	uint32_t call_insn[256], call_sub[256], ncall;
	uint32_t sub_start[3];
	int ptr_reg; /* packet pointer register of main */
};

static inline uint64_t jg_next(struct jg *g)
{
	if (g->pos < g->len) {
		uint64_t v = g->data[g->pos++];

		g->rng ^= v * 0x9e3779b97f4a7c15ull;
		return v | ((g->rng >> 8) << 8);
	}
	/* xorshift64* */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ull;
}

static inline uint32_t jg_below(struct jg *g, uint32_t n)
{
	return n ? (uint32_t)(jg_next(g) % n) : 0;
}

static inline void jg_emit(struct jg *g, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
			   int32_t imm)
{
	if (g->cnt >= JG_MAX_INSNS - 8) {
		g->full = true;
		return;
	}
	g->insns[g->cnt++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
}

static inline void jg_lddw(struct jg *g, uint8_t dst, uint8_t src, uint64_t v)
{
	jg_emit(g, BPF_LD | BPF_IMM | BPF_DW, dst, src, 0, (int32_t)(uint32_t)v);
	jg_emit(g, 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

static inline int32_t jg_imm(struct jg *g)
{
	static const int32_t special[] = { 0, 1, -1, 2, 31, 32, 63, 64, 0x7fffffff, INT32_MIN,
					   0xff, 0xffff, -2, 7, 0x80, 0x8000 };
	uint64_t r = jg_next(g);

	if (r & 1)
		return special[(r >> 1) % 16];
	return (int32_t)(r >> 8);
}

static inline void jg_const(struct jg *g, uint8_t reg)
{
	uint64_t r = jg_next(g);

	if (r % 3 == 0)
		jg_lddw(g, reg, 0, jg_next(g) ^ ((r & 8) ? 0xffffffff00000000ull : 0));
	else
		jg_emit(g, ((r & 4) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_K, reg, 0, 0, jg_imm(g));
}

/* a scalar register of this function (never the packet pointer) */
static inline uint8_t jg_scalar(struct jg *g, int ptr)
{
	uint8_t r;

	do
		r = (uint8_t)jg_below(g, 10);
	while (r == ptr);
	return r;
}

static inline void jg_alu(struct jg *g, int ptr)
{
	static const uint8_t ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,
				       BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV,
				       BPF_ARSH, BPF_END };
	uint8_t op = ops[jg_below(g, sizeof(ops))];
	bool w = jg_below(g, 2), x = jg_below(g, 2);
	uint8_t cls = w ? BPF_ALU64 : BPF_ALU, dst = jg_scalar(g, ptr), src = jg_scalar(g, ptr);
	int32_t imm = jg_imm(g);
	int16_t off = 0;

	switch (op) {
	case BPF_NEG:
		jg_emit(g, cls | op | BPF_K, dst, 0, 0, 0);
		return;
	case BPF_END: {
		static const int32_t widths[] = { 16, 32, 64 };

		/* ALU64 | END is bswap (to_le only: src bit 0) */
		jg_emit(g, cls | op | ((w || !x) ? BPF_K : BPF_X), dst, 0, 0,
			widths[jg_below(g, 3)]);
		return;
	}
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		if (!x)
			imm = (int32_t)jg_below(g, w ? 64 : 32);
		break;
	case BPF_DIV:
	case BPF_MOD:
		off = jg_below(g, 2); /* signed */
		if (!x && imm == 0)
			imm = 3;
		break;
	case BPF_MOV:
		if (x && jg_below(g, 3) == 0) {
			static const int16_t sx64[] = { 8, 16, 32 };

			off = w ? sx64[jg_below(g, 3)] : (jg_below(g, 2) ? 8 : 16);
		}
		break;
	}
	if (x)
		jg_emit(g, cls | op | BPF_X, dst, src, off, 0);
	else
		jg_emit(g, cls | op | BPF_K, dst, 0, off, imm);
}

static inline int16_t jg_stack_off(struct jg *g, int size)
{
	return (int16_t)(-(int)(size * (1 + jg_below(g, JG_STACK_USED / size))));
}

static inline uint8_t jg_size(struct jg *g, int *bytes)
{
	static const uint8_t sz[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	uint32_t k = jg_below(g, 4);

	*bytes = 1 << k;
	return sz[k];
}

/* a load or store on the stack, or on the packet through ptr */
static inline void jg_mem(struct jg *g, int ptr)
{
	int bytes;
	uint8_t size = jg_size(g, &bytes), reg = jg_scalar(g, ptr), base;
	int16_t off;
	uint32_t kind = jg_below(g, 5);

	if (ptr >= 0 && jg_below(g, 2)) {
		base = (uint8_t)ptr;
		off = (int16_t)jg_below(g, JG_PKT_LEN - bytes + 1);
	} else {
		base = BPF_REG_10;
		off = jg_stack_off(g, bytes);
	}
	switch (kind) {
	case 0:
	case 1:
		jg_emit(g, BPF_LDX | BPF_MEM | size, reg, base, off, 0);
		break;
	case 2:
		if (size != BPF_DW) {
			jg_emit(g, BPF_LDX | 0x80 | size, reg, base, off, 0); /* sign-extending */
			break;
		}
		/* fall through */
	case 3:
		jg_emit(g, BPF_STX | BPF_MEM | size, base, reg, off, 0);
		break;
	default:
		jg_emit(g, BPF_ST | BPF_MEM | size, base, 0, off, jg_imm(g));
		break;
	}
}

static inline void jg_atomic_at(struct jg *g, uint8_t src, uint8_t base, int16_t off, bool dw)
{
	static const int32_t ops[] = { BPF_ADD,	 BPF_ADD | BPF_FETCH, BPF_OR,  BPF_OR | BPF_FETCH,
				       BPF_AND,	 BPF_AND | BPF_FETCH, BPF_XOR, BPF_XOR | BPF_FETCH,
				       BPF_XCHG, BPF_CMPXCHG };
	/* cmpxchg compares with and writes r0: not while r0 is the base pointer */
	uint32_t nops = sizeof(ops) / sizeof(ops[0]) - (base == BPF_REG_0);

	if (src == base)
		return;
	jg_emit(g, BPF_STX | 0xc0 | (dw ? BPF_DW : BPF_W), base, src, off, ops[jg_below(g, nops)]);
}

static inline void jg_atomic(struct jg *g, int ptr)
{
	bool dw = jg_below(g, 2);

	jg_atomic_at(g, jg_scalar(g, ptr), BPF_REG_10, jg_stack_off(g, dw ? 8 : 4), dw);
}

static inline void jg_jump(struct jg *g, int ptr, uint32_t item, uint32_t items)
{
	static const uint8_t ops[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
				       BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE, BPF_JA };
	uint8_t op = ops[jg_below(g, sizeof(ops))];
	bool w = jg_below(g, 2), x = jg_below(g, 2);
	uint32_t target = item + 1 + jg_below(g, items - item); /* up to the end (items) */

	if (g->njmp >= 512)
		return;
	if (op == BPF_JA) {
		/* behind a conditional jump over it, so what it skips stays reachable */
		jg_emit(g, BPF_JMP | BPF_JSET | BPF_K, jg_scalar(g, ptr), 0, 1, jg_imm(g));
		g->jmp_insn[g->njmp] = g->cnt;
		g->jmp_item[g->njmp++] = target;
		jg_emit(g, (w ? BPF_JMP : BPF_JMP32) | BPF_JA, 0, 0, 0, 0);
		return;
	}
	g->jmp_insn[g->njmp] = g->cnt;
	g->jmp_item[g->njmp++] = target;
	if (x)
		jg_emit(g, (w ? BPF_JMP : BPF_JMP32) | op | BPF_X, jg_scalar(g, ptr),
			jg_scalar(g, ptr), 0, 0);
	else
		jg_emit(g, (w ? BPF_JMP : BPF_JMP32) | op | BPF_K, jg_scalar(g, ptr), 0, 0,
			jg_imm(g));
}

static inline void jg_reinit_args(struct jg *g)
{
	for (uint8_t r = 1; r <= 5; r++)
		jg_const(g, r);
}

static inline void jg_call(struct jg *g, uint32_t sub)
{
	if (g->ncall >= 256)
		return;
	g->call_insn[g->ncall] = g->cnt;
	g->call_sub[g->ncall++] = sub;
}

/* map helpers: lookup (with accesses to the value) or hash update */
static inline void jg_map_block(struct jg *g, int ptr)
{
	uint32_t map = jg_below(g, 3), n, skip_at;
	uint8_t key = jg_scalar(g, ptr);

	if (key >= 1 && key <= 5)
		key = BPF_REG_0;
	/* key = scalar & 7 at fp-8 (array indexes 4..7 are out of range) */
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, key, 0, 0);
	jg_emit(g, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 7);
	jg_emit(g, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_2, -8, 0);
	jg_lddw(g, BPF_REG_1, BPF_PSEUDO_MAP_IDX, 0);
	g->insns[g->cnt - 2].imm = (int32_t)map;
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	jg_emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8);
	if (map == 2 && jg_below(g, 2)) {
		jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
		jg_emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -32);
		jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0);
		jg_emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem);
		jg_reinit_args(g);
		return;
	}
	jg_emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	skip_at = g->cnt;
	jg_emit(g, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, 0);
	n = 1 + jg_below(g, 4);
	for (uint32_t k = 0; k < n; k++) {
		int bytes;
		uint8_t size = jg_size(g, &bytes), reg;
		int16_t off = (int16_t)(bytes * jg_below(g, JG_VALUE_SIZE / bytes));

		/* r1-r5 are unreadable after the call: r6-r9 */
		do
			reg = (uint8_t)(6 + jg_below(g, 4));
		while (reg == ptr);
		switch (jg_below(g, 4)) {
		case 0:
			jg_emit(g, BPF_LDX | BPF_MEM | size, reg, BPF_REG_0, off, 0);
			break;
		case 1:
			jg_emit(g, BPF_STX | BPF_MEM | size, BPF_REG_0, reg, off, 0);
			break;
		case 2:
			jg_emit(g, BPF_ST | BPF_MEM | size, BPF_REG_0, 0, off, jg_imm(g));
			break;
		default:
			if (bytes >= 4)
				jg_atomic_at(g, reg, BPF_REG_0, off, bytes == 8);
			break;
		}
	}
	g->insns[skip_at].off = (int16_t)(g->cnt - skip_at - 1);
	jg_const(g, BPF_REG_0); /* r0 is a pointer or NULL here: make it a scalar */
	jg_reinit_args(g);
}

static inline void jg_loop_block(struct jg *g)
{
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1 + (int32_t)jg_below(g, 8));
	jg_call(g, 2);
	jg_lddw(g, BPF_REG_2, BPF_PSEUDO_FUNC, 0);
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
	jg_emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -16);
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0);
	jg_emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop);
	jg_reinit_args(g);
}

/* r0 = a mix of every register of the function (but ptr) */
static inline void jg_fold(struct jg *g, int ptr)
{
	for (uint8_t r = 1; r <= 9; r++) {
		if (r == ptr)
			continue;
		jg_emit(g, BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_0, 0, 0, 0x1000193);
		jg_emit(g, BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_0, r, 0, 0);
	}
}

/* Items of straight-line or forward-jumping code; jumps land on item starts. */
static inline void jg_body(struct jg *g, int ptr, uint32_t items, bool main)
{
	uint32_t first = g->nitems, njmp0 = g->njmp;

	for (uint32_t it = 0; it < items && !g->full; it++) {
		uint32_t k = jg_below(g, main ? 20 : 14);

		g->item_start[g->nitems++] = g->cnt;
		if (k < 7)
			jg_alu(g, ptr);
		else if (k < 10)
			jg_mem(g, ptr);
		else if (k < 11)
			jg_atomic(g, ptr);
		else if (k < 14)
			jg_jump(g, ptr, it, items);
		else if (k < 17)
			jg_map_block(g, ptr);
		else if (k < 19) {
			jg_call(g, 1);
			jg_emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
			jg_reinit_args(g);
		} else {
			jg_loop_block(g);
		}
	}
	g->item_start[g->nitems++] = g->cnt; /* the end: target of jumps to `items` */
	for (uint32_t n = njmp0; n < g->njmp; n++) {
		uint32_t at = g->jmp_insn[n], target = g->item_start[first + g->jmp_item[n]];
		struct bpf_insn *insn = &g->insns[at];

		if (insn->code == (BPF_JMP32 | BPF_JA))
			insn->imm = (int32_t)(target - at - 1);
		else
			insn->off = (int16_t)(target - at - 1);
	}
	g->njmp = njmp0;
}

static inline void jg_init_frame(struct jg *g, int ptr, uint8_t from_reg)
{
	for (uint8_t r = from_reg; r <= 9; r++)
		if (r != ptr)
			jg_const(g, r);
	for (int off = 8; off <= JG_STACK_USED; off += 8)
		jg_emit(g, BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, (int16_t)-off, jg_imm(g));
}

/* Build a program from data. Returns the instruction count (0 if it did not fit). */
static inline uint32_t jg_generate(struct jg *g, const uint8_t *data, size_t len)
{
	uint32_t fail_jmp, items;

	memset(g, 0, sizeof(*g));
	g->data = data;
	g->len = len;
	g->rng = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < len; i++)
		g->rng = (g->rng ^ data[i]) * 0x100000001b3ull;
	g->rng |= 1;
	g->ptr_reg = 6 + (int)jg_below(g, 4);
	items = 4 + jg_below(g, 60);

	/* main: ptr = data; if (ptr + 64 > data_end) return 0 */
	jg_emit(g, BPF_LDX | BPF_MEM | BPF_W, (uint8_t)g->ptr_reg, BPF_REG_1, 0, 0);
	jg_emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 4, 0);
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, (uint8_t)g->ptr_reg, 0, 0);
	jg_emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, JG_PKT_LEN);
	fail_jmp = g->cnt;
	jg_emit(g, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	jg_init_frame(g, g->ptr_reg, 0);
	/* both subprograms are called at least once (the kernel refuses dead code) */
	jg_call(g, 1);
	jg_emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
	jg_reinit_args(g);
	jg_loop_block(g);
	jg_body(g, g->ptr_reg, items, true);
	jg_fold(g, g->ptr_reg);
	jg_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	g->insns[fail_jmp].off = (int16_t)(g->cnt - fail_jmp - 1);
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	jg_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	/* sub: r1-r5 are arguments; its own frame */
	g->sub_start[1] = g->cnt;
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_1, 0, 0);
	jg_init_frame(g, -1, 6);
	jg_body(g, -1, 2 + jg_below(g, 24), false);
	jg_fold(g, -1);
	jg_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	/* callback(index, ctx): *(u64 *)ctx += index ^ k; return that & 1 (stop or go on) */
	g->sub_start[2] = g->cnt;
	jg_emit(g, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_3, BPF_REG_2, 0, 0);
	jg_emit(g, BPF_ALU64 | BPF_XOR | BPF_K, BPF_REG_1, 0, 0, jg_imm(g));
	jg_emit(g, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, BPF_REG_1, 0, 0);
	jg_emit(g, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_3, 0, 0);
	jg_emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0);
	jg_emit(g, BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_0, 0, 0, 5);
	jg_emit(g, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, jg_below(g, 4) ? 0 : 1);
	jg_emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	if (g->full)
		return 0;
	for (uint32_t c = 0; c < g->ncall; c++) {
		uint32_t at = g->call_insn[c];

		g->insns[at].imm = (int32_t)(g->sub_start[g->call_sub[c]] - at - 1);
	}
	return g->cnt;
}

/* What one run leaves behind. */
struct jg_result {
	int load_err; /* 0, or errno of the load */
	uint64_t r0;
	uint8_t pkt[JG_PKT_LEN];
	uint8_t array[JG_ENTRIES][JG_VALUE_SIZE];
	uint8_t percpu[JG_ENTRIES][2 * JG_VALUE_SIZE];
	uint8_t hash[JG_HASH_KEYS][JG_VALUE_SIZE + 1]; /* [16] = present */
	char log[2048];
};

static inline void jg_run(const struct jg *g, enum uxdp_engine engine, struct jg_result *res)
{
	struct uxdp_map *maps[3];
	struct uxdp_prog *prog;
	struct uxdp_exec *ex;
	uint8_t frame[4096];
	struct uxdp_xdp_buff xdp;
	UXDP_OPTS(uxdp_map_create_opts, mo, .ncpus = 2);
	UXDP_OPTS(uxdp_exec_opts, eo, .cpu = 1, .prandom_seed = 1);
	UXDP_OPTS(uxdp_prog_load_opts, po, .name = "jitdiff", .type = UXDP_PROG_XDP,
		  .engine = engine, .maps = maps, .map_cnt = 3, .license = "GPL",
		  .log_buf = res->log, .log_size = sizeof(res->log));

	memset(res, 0, sizeof(*res));
	maps[0] = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, JG_VALUE_SIZE, JG_ENTRIES, &mo);
	maps[1] = uxdp_map__create(BPF_MAP_TYPE_PERCPU_ARRAY, "pcpu", 4, JG_VALUE_SIZE, JG_ENTRIES,
				   &mo);
	maps[2] = uxdp_map__create(BPF_MAP_TYPE_HASH, "hash", 4, JG_VALUE_SIZE, JG_HASH_KEYS, &mo);
	if (!maps[0] || !maps[1] || !maps[2]) {
		res->load_err = errno;
		goto out_maps;
	}
	for (uint32_t k = 0; k < JG_HASH_KEYS; k += 2) {
		uint8_t v[JG_VALUE_SIZE];

		memset(v, (int)(0x11 * k), sizeof(v));
		uxdp_map__update_elem(maps[2], &k, v, BPF_ANY);
	}
	prog = uxdp_prog__load(g->insns, g->cnt, &po);
	if (!prog) {
		res->load_err = errno;
		goto out_maps;
	}
	ex = uxdp_exec__new(&eo);
	if (!ex) {
		res->load_err = errno;
		uxdp_prog__put(prog);
		goto out_maps;
	}
	memset(frame, 0, sizeof(frame));
	for (int i = 0; i < JG_PKT_LEN; i++)
		frame[256 + i] = (uint8_t)(i * 37 + 11);
	memset(&xdp, 0, sizeof(xdp));
	xdp.data_hard_start = frame;
	xdp.data = xdp.data_meta = frame + 256;
	xdp.data_end = xdp.data + JG_PKT_LEN;
	xdp.frame_sz = sizeof(frame);
	xdp.ingress_ifindex = 1;
	res->r0 = uxdp_prog__run(prog, &xdp, 0, ex);
	memcpy(res->pkt, xdp.data, JG_PKT_LEN);
	for (uint32_t k = 0; k < JG_ENTRIES; k++) {
		uxdp_map__lookup_elem(maps[0], &k, res->array[k]);
		uxdp_map__lookup_elem(maps[1], &k, res->percpu[k]);
	}
	for (uint32_t k = 0; k < JG_HASH_KEYS; k++)
		res->hash[k][JG_VALUE_SIZE] = !uxdp_map__lookup_elem(maps[2], &k, res->hash[k]);
	uxdp_exec__free(ex);
	uxdp_prog__put(prog);
out_maps:
	for (int m = 0; m < 3; m++)
		uxdp_map__put(maps[m]);
}

static inline void jg_dump(const struct jg *g, FILE *f)
{
	char buf[256];

	for (uint32_t i = 0; i < g->cnt;) {
		int n = uxdp_disasm_insn(&g->insns[i], g->cnt - i, buf, sizeof(buf));

		fprintf(f, "%4u: %s\n", i, n > 0 ? buf : "?");
		i += n > 0 ? (uint32_t)n : 1;
	}
}

/*
 * Run the program of data on both engines. 1: same results; 0: the program
 * was refused by both (nothing to compare); -1: a mismatch (printed to f).
 */
static inline int jg_diff(const uint8_t *data, size_t len, FILE *f)
{
	static struct jg g;
	static struct jg_result a, b;

	if (!jg_generate(&g, data, len))
		return 0;
	jg_run(&g, UXDP_ENGINE_INTERP, &a);
	jg_run(&g, UXDP_ENGINE_JIT, &b);
	if (a.load_err && b.load_err)
		return 0;
	if (a.load_err != b.load_err) {
		fprintf(f, "jitdiff: load differs: interp %d (%s) jit %d (%s)\n", a.load_err, a.log,
			b.load_err, b.log);
		goto bad;
	}
	if (a.r0 != b.r0) {
		fprintf(f, "jitdiff: r0 differs: interp 0x%" PRIx64 " jit 0x%" PRIx64 "\n", a.r0,
			b.r0);
		goto bad;
	}
	if (memcmp(a.pkt, b.pkt, sizeof(a.pkt))) {
		fprintf(f, "jitdiff: packet differs\n");
		goto bad;
	}
	if (memcmp(a.array, b.array, sizeof(a.array)) ||
	    memcmp(a.percpu, b.percpu, sizeof(a.percpu)) || memcmp(a.hash, b.hash, sizeof(a.hash))) {
		fprintf(f, "jitdiff: maps differ\n");
		goto bad;
	}
	return 1;
bad:
	jg_dump(&g, f);
	return -1;
}

#endif /* UXDP_FUZZ_JIT_GEN_H */
