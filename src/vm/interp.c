// SPDX-License-Identifier: BSD-2-Clause
/*
 * The reference interpreter. At load, each instruction is pre-decoded into a
 * slot that holds the address of its handler (GNU C labels as values), so
 * execution is direct-threaded: every handler ends with one indirect jump to
 * the next. Jump and call targets are resolved to slot pointers, lddw
 * constants (maps, global data, callbacks) to their 64-bit values, helper
 * calls to function pointers, so no handler decodes anything at run time.
 *
 * Semantics follow RFC 9669 and the kernel: division by zero gives 0 and
 * modulo by zero leaves the dividend (32-bit forms zero-extend it), register
 * shift amounts are masked, 32-bit ALU results are zero-extended, tail calls
 * are limited to 33 per run and replace the running frame, bpf-to-bpf calls
 * get a fresh 512-byte frame and preserve r6-r9.
 *
 * Memory accesses are not checked here: that is the verifier's job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"
#include "helper/helper_internal.h"
#include "map/map_internal.h"

/* One pre-decoded instruction. */
struct slot {
	const void *op;
	union {
		uint64_t imm64;		 /* lddw */
		const struct slot *target; /* jumps, local calls */
		uxdp_helper_fn fn;	 /* helper calls */
	} aux;
	uint8_t dst;
	uint8_t src;
	int16_t off;
	int32_t imm;
};

struct uxdp_interp_code {
	struct slot *slots;
	uint32_t cnt;
	const struct uxdp_prog *prog;
};

/* A saved caller frame of a bpf-to-bpf call. */
struct frame {
	const struct slot *ret;
	const struct uxdp_prog *prog;
	uint64_t r6, r7, r8, r9, r10;
};

typedef uint8_t u8_ua __attribute__((aligned(1), may_alias));
typedef uint16_t u16_ua __attribute__((aligned(1), may_alias));
typedef uint32_t u32_ua __attribute__((aligned(1), may_alias));
typedef uint64_t u64_ua __attribute__((aligned(1), may_alias));
typedef int8_t s8_ua __attribute__((aligned(1), may_alias));
typedef int16_t s16_ua __attribute__((aligned(1), may_alias));
typedef int32_t s32_ua __attribute__((aligned(1), may_alias));

/*
 * The opcode table: handler label of each opcode. Special forms (signed
 * division, sign-extending moves, lddw, calls) get their own labels chosen
 * at pre-decode time.
 */
enum special_op {
	OP_INVALID,
	OP_LDDW,
	OP_CALL_HELPER,
	OP_CALL_LOCAL,
	OP_CALLX,
	OP_TAIL_CALL,
	OP_EXIT,
	OP_JA32,
	OP_SDIV64_K,
	OP_SDIV64_X,
	OP_SMOD64_K,
	OP_SMOD64_X,
	OP_SDIV32_K,
	OP_SDIV32_X,
	OP_SMOD32_K,
	OP_SMOD32_X,
	OP_MOVSX64_8,
	OP_MOVSX64_16,
	OP_MOVSX64_32,
	OP_MOVSX32_8,
	OP_MOVSX32_16,
	OP_ATOMIC32,
	OP_ATOMIC64,
	OP_BSWAP16,
	OP_BSWAP32,
	OP_BSWAP64,
	OP_LE16,
	OP_LE32,
	OP_LE64,
	OP_BE16,
	OP_BE32,
	OP_BE64,
	OP_LDX_W_MAYBE_CTX,
	OP_POISON,
	OP_SPECIAL_CNT,
};

static uint64_t run(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len, struct uxdp_exec *ex,
		    const struct slot *entry, uint64_t *args, const void ***tables);
static uint64_t run_counting(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len,
			     struct uxdp_exec *ex, const struct slot *entry, uint64_t *args,
			     const void ***tables);

/* Handler tables of the two variants: [0] fast, [1] counting. */
static const void **opcode_table[2];
static const void **special_table[2];

static void load_tables(void)
{
	const void **t[2];

	if (opcode_table[0])
		return;
	run(NULL, NULL, 0, NULL, NULL, NULL, (const void ***)t);
	opcode_table[0] = t[0];
	special_table[0] = t[1];
	run_counting(NULL, NULL, 0, NULL, NULL, NULL, (const void ***)t);
	opcode_table[1] = t[0];
	special_table[1] = t[1];
}

static int special_for(const struct uxdp_prog *prog, uint32_t i)
{
	const struct bpf_insn *insn = &prog->insns[i];
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	bool x = BPF_SRC(insn->code) == BPF_X;

	if (insn->code == (BPF_LD | BPF_IMM | BPF_DW))
		return OP_LDDW;
	if (prog->insn_flags && (prog->insn_flags[i] & UXDP_INSN_MAYBE_CTX))
		return OP_LDX_W_MAYBE_CTX;
	if (cls == BPF_JMP && op == BPF_CALL) {
		if (x)
			return OP_CALLX;
		if (insn->src_reg == BPF_PSEUDO_CALL)
			return OP_CALL_LOCAL;
		if (insn->imm == UXDP_CORE_POISON_HELPER)
			return OP_POISON;
		return insn->imm == BPF_FUNC_tail_call ? OP_TAIL_CALL : OP_CALL_HELPER;
	}
	if (cls == BPF_JMP && op == BPF_EXIT)
		return OP_EXIT;
	if (cls == BPF_JMP32 && op == BPF_JA)
		return OP_JA32;
	if (cls == BPF_STX && BPF_MODE(insn->code) == UXDP_OP_ATOMIC_MODE)
		return BPF_SIZE(insn->code) == BPF_W ? OP_ATOMIC32 : OP_ATOMIC64;
	if ((cls == BPF_ALU || cls == BPF_ALU64) && insn->off == 1 && (op == BPF_DIV || op == BPF_MOD)) {
		if (cls == BPF_ALU64)
			return op == BPF_DIV ? (x ? OP_SDIV64_X : OP_SDIV64_K)
					     : (x ? OP_SMOD64_X : OP_SMOD64_K);
		return op == BPF_DIV ? (x ? OP_SDIV32_X : OP_SDIV32_K) : (x ? OP_SMOD32_X : OP_SMOD32_K);
	}
	if ((cls == BPF_ALU || cls == BPF_ALU64) && op == BPF_MOV && x && insn->off) {
		if (cls == BPF_ALU64)
			return insn->off == 8 ? OP_MOVSX64_8 : insn->off == 16 ? OP_MOVSX64_16 : OP_MOVSX64_32;
		return insn->off == 8 ? OP_MOVSX32_8 : OP_MOVSX32_16;
	}
	if ((cls == BPF_ALU || cls == BPF_ALU64) && op == BPF_END) {
		int base;

		if (cls == BPF_ALU64)
			base = OP_BSWAP16;
		else
			base = x ? OP_BE16 : OP_LE16;
		return base + (insn->imm == 16 ? 0 : insn->imm == 32 ? 1 : 2);
	}
	return OP_INVALID;
}

/* Value an lddw loads: a constant, a map, an address in a map's value, a callback. */
static uint64_t lddw_value(const struct uxdp_prog *prog, uint32_t i)
{
	const struct bpf_insn *insn = &prog->insns[i];
	uint64_t lo = (uint32_t)insn->imm, hi = (uint32_t)prog->insns[i + 1].imm;
	struct uxdp_map *map;

	switch (insn->src_reg) {
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
		return (uint64_t)(uintptr_t)prog->maps[insn->imm];
	case BPF_PSEUDO_MAP_VALUE:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		map = prog->maps[insn->imm];
		return (uint64_t)(uintptr_t)((uint8_t *)uxdp_map__array_data(map) + hi);
	case BPF_PSEUDO_FUNC: {
		uint32_t target = i + insn->imm + 1;

		for (uint32_t s = 0; s < prog->subprog_cnt; s++)
			if (prog->subprogs[s].start == target)
				return UXDP_FUNC_TAG | s;
		return 0;
	}
	default:
		return lo | hi << 32;
	}
}

static struct uxdp_interp_code *predecode(const struct uxdp_prog *prog, int variant, char *log,
					  size_t log_size)
{
	const void **ops = opcode_table[variant], **special = special_table[variant];
	struct uxdp_interp_code *code;

	code = calloc(1, sizeof(*code));
	if (!code)
		return NULL;
	code->slots = calloc(prog->insn_cnt, sizeof(*code->slots));
	if (!code->slots) {
		free(code);
		return NULL;
	}
	code->cnt = prog->insn_cnt;
	code->prog = prog;
	for (uint32_t i = 0; i < prog->insn_cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		struct slot *s = &code->slots[i];
		int special_op = special_for(prog, i);
		uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

		s->dst = insn->dst_reg;
		s->src = insn->src_reg;
		s->off = insn->off;
		s->imm = insn->imm;
		s->op = special_op != OP_INVALID ? special[special_op] : ops[insn->code];
		if (!s->op) {
			uxdp_log(log, log_size, "insn %u: opcode 0x%02x has no interpreter handler\n", i,
				 insn->code);
			free(code->slots);
			free(code);
			errno = EINVAL;
			return NULL;
		}
		switch (special_op) {
		case OP_LDDW:
			s->aux.imm64 = lddw_value(prog, i);
			code->slots[i + 1].op = special[OP_INVALID];
			i++;
			continue;
		case OP_CALL_HELPER:
			s->aux.fn = uxdp_helper_proto(insn->imm, prog->type)->fn;
			continue;
		case OP_CALL_LOCAL:
			s->aux.target = &code->slots[i + insn->imm + 1];
			continue;
		case OP_JA32:
			s->aux.target = &code->slots[i + insn->imm + 1];
			continue;
		}
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT)
			s->aux.target = &code->slots[i + insn->off + 1];
	}
	return code;
}

int uxdp_interp_prepare(struct uxdp_prog *prog, char *log, size_t log_size)
{
	load_tables();
	errno = ENOMEM;
	prog->interp = predecode(prog, 0, log, log_size);
	if (!prog->interp)
		return -errno;
	prog->interp_counting = predecode(prog, 1, log, log_size);
	if (!prog->interp_counting) {
		uxdp_interp_free(prog);
		return -errno;
	}
	return 0;
}

static void free_code(struct uxdp_interp_code *code)
{
	if (!code)
		return;
	free(code->slots);
	free(code);
}

void uxdp_interp_free(struct uxdp_prog *prog)
{
	free_code(prog->interp);
	free_code(prog->interp_counting);
	prog->interp = NULL;
	prog->interp_counting = NULL;
}

static uint64_t call_fn(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2, uint64_t r3,
			uint64_t r4, uint64_t r5)
{
	const struct uxdp_prog *prog = ex->cur_prog;
	uint64_t args[5] = { r1, r2, r3, r4, r5 };
	uint32_t sub = (uint32_t)(fn & 0xffffffffu);

	if ((fn & ~0xffffffffull) != UXDP_FUNC_TAG || !prog || sub >= prog->subprog_cnt)
		return 0;
	if (ex->counting)
		return run_counting(prog, NULL, 0, ex,
				    &prog->interp_counting->slots[prog->subprogs[sub].start], args,
				    NULL);
	return run(prog, NULL, 0, ex, &prog->interp->slots[prog->subprogs[sub].start], args, NULL);
}

uint64_t uxdp_interp_call_fn(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2,
			     uint64_t r3, uint64_t r4, uint64_t r5)
{
	return call_fn(ex, fn, r1, r2, r3, r4, r5);
}

uint64_t uxdp_interp_run_nested(const struct uxdp_prog *prog, void *ctx, struct uxdp_exec *ex)
{
	return run(prog, ctx, 0, ex, NULL, NULL, NULL);
}

uint64_t uxdp_interp_run(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len,
			 struct uxdp_exec *ex)
{
	ex->tail_call_cnt = 0;
	ex->depth = 0;
	ex->ctx = ctx;
	ex->call_fn = call_fn;
	ex->counting = false;
	return run(prog, ctx, ctx_len, ex, NULL, NULL, NULL);
}

uint64_t uxdp_interp_run_counting(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len,
				  struct uxdp_exec *ex)
{
	uint64_t r0;

	ex->tail_call_cnt = 0;
	ex->depth = 0;
	ex->ctx = ctx;
	ex->call_fn = call_fn;
	ex->counting = true;
	ex->insn_count = 0;
	r0 = run_counting(prog, ctx, ctx_len, ex, NULL, NULL, NULL);
	ex->counting = false;
	return r0;
}

static inline uint64_t bswap16(uint64_t v)
{
	return __builtin_bswap16((uint16_t)v);
}

#define INTERP_FN run
#define INTERP_CODE interp
#define INTERP_TICK ((void)0)
#include "interp_body.h"
#undef INTERP_FN
#undef INTERP_CODE
#undef INTERP_TICK

#define INTERP_FN run_counting
#define INTERP_CODE interp_counting
#define INTERP_TICK (ex->insn_count++)
#include "interp_body.h"
