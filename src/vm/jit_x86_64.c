// SPDX-License-Identifier: BSD-2-Clause
/*
 * The x86-64 JIT: each eBPF instruction becomes a few x86-64 instructions,
 * with eBPF registers kept in machine registers (r0 rax, r1-r5 the System V
 * argument registers rdi rsi rdx rcx r8, r6-r9 the callee-saved rbx r13 r14
 * r15, r10 rbp, the exec in r12), so helpers are called directly with the exec
 * as the sixth argument (r9). Each subprogram is a native function with its
 * own 512-byte frame on the native stack; bpf-to-bpf calls are native calls.
 * Code is emitted in passes until every jump has its final short or long form
 * (a jump that once needs rel32 keeps it, so passes converge), into memory that
 * is writable and then made executable, never both. Array and per-CPU array
 * lookups with a constant map are inlined, bpf_redirect_map on a constant
 * xskmap or devmap calls that type's helper directly, `r <<= 32; r >>= 32` becomes one
 * zero-extending move, and 32-bit operations rely on x86's implicit
 * zero-extension. Tail calls jump into the target's image (or hand over to the
 * interpreter when the target has none); bpf_loop callbacks enter subprograms
 * through small C-callable thunks. The results are the interpreter's: it is
 * the reference (interp_body.h) for every corner case reproduced here.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

#if defined(__x86_64__)

#include <sys/mman.h>
#include <unistd.h>

#include "helper/helper_internal.h"
#include "map/map_internal.h"

/* x86-64 register numbers */
enum {
	RAX = 0,
	RCX,
	RDX,
	RBX,
	RSP,
	RBP,
	RSI,
	RDI,
	R8,
	R9,
	R10,
	R11,
	R12,
	R13,
	R14,
	R15,
};

/* eBPF register -> x86-64 register */
static const uint8_t R[11] = { RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP };
#define REG_EX R12

/* Condition codes (low nibble of Jcc) */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7, CC_L = 0xc, CC_GE = 0xd,
       CC_LE = 0xe, CC_G = 0xf };

/* per-instruction flags */
#define F_LONG 1u   /* the jump of this instruction needs rel32 */
#define F_TARGET 2u /* a jump target or subprogram start */
#define F_SKIP 4u   /* emitted together with the previous instruction */
#define F_LDDW2 8u  /* second half of lddw */

typedef uint64_t (*jit_cb_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct uxdp_exec *ex);

struct uxdp_jit_info {
	void *map;	 /* the image mapping */
	size_t map_len;	 /* its length */
	void *body;	 /* the main program's native function (tail call target) */
	jit_cb_fn *cb;	 /* C-callable entry of each subprogram (callbacks) */
	uint32_t *insn_off; /* image offset of each instruction, [insn_cnt] = end of code */
};

struct fn_info {
	uint8_t saved[5]; /* callee-saved registers pushed, in push order (rbp last) */
	uint8_t nsaved;
	bool frame; /* uses r10: rbp frame with 512 bytes */
	bool pad;   /* 8 bytes of padding keep rsp 16-byte aligned */
};

struct jit {
	const struct uxdp_prog *prog;
	uint8_t *buf;
	size_t cap, len;
	bool fixed;	/* buf is the final image (no growing) */
	uint64_t base;	/* address of the image in the final pass, else 0 */
	int pass;
	bool changed;	/* a jump got longer in this pass */
	bool near;	/* calls into C use rel32 */
	bool far_miss;	/* a rel32 call did not reach (final pass) */
	bool overflow;
	bool has_callx, has_tail;
	uint8_t *flags;
	uint32_t *lab, *cur; /* label offsets: previous pass, this pass */
	uint32_t nlab;
	struct fn_info *fn;
	uint32_t *sub_of;
};

/* labels: instructions 0..cnt, then per subprogram its function entry and its
 * callback thunk, then the tail-call stub */
#define L_INSN(i) (i)
#define L_SUB(j, s) ((j)->prog->insn_cnt + 1 + (s))
#define L_CB(j, s) ((j)->prog->insn_cnt + 1 + (j)->prog->subprog_cnt + (s))
#define L_TAILSTUB(j) ((j)->prog->insn_cnt + 1 + 2 * (j)->prog->subprog_cnt)

/* --- emitting bytes ------------------------------------------------------------------- */

static void grow(struct jit *j, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (j->len + n <= j->cap)
		return;
	if (j->fixed) {
		j->overflow = true;
		return;
	}
	cap = j->cap ? j->cap * 2 : 4096;
	while (cap < j->len + n)
		cap *= 2;
	nb = realloc(j->buf, cap);
	if (!nb) {
		j->overflow = true;
		return;
	}
	j->buf = nb;
	j->cap = cap;
}

static void emit(struct jit *j, const void *p, size_t n)
{
	grow(j, n);
	if (j->overflow)
		return;
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

static void e1(struct jit *j, uint8_t b)
{
	emit(j, &b, 1);
}

static void e2(struct jit *j, uint8_t a, uint8_t b)
{
	e1(j, a);
	e1(j, b);
}

static void e3(struct jit *j, uint8_t a, uint8_t b, uint8_t c)
{
	e1(j, a);
	e1(j, b);
	e1(j, c);
}

static void e32(struct jit *j, uint32_t v)
{
	emit(j, &v, 4);
}

static void e64(struct jit *j, uint64_t v)
{
	emit(j, &v, 8);
}

/* REX prefix when needed (or forced, for byte registers sil/dil/bpl/spl) */
static void rex(struct jit *j, bool w, int reg, int index, int base, bool force)
{
	uint8_t r = 0x40 | (w << 3) | (((reg >> 3) & 1) << 2) | (((index >> 3) & 1) << 1) |
		    ((base >> 3) & 1);

	if (r != 0x40 || force)
		e1(j, r);
}

static void modrm_rr(struct jit *j, int reg, int rm)
{
	e1(j, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

static void modrm_mem(struct jit *j, int reg, int base, int32_t disp)
{
	int mod;

	if (disp == 0 && (base & 7) != RBP)
		mod = 0;
	else if (disp >= -128 && disp <= 127)
		mod = 1;
	else
		mod = 2;
	e1(j, (mod << 6) | ((reg & 7) << 3) | (base & 7));
	if ((base & 7) == RSP)
		e1(j, 0x24);
	if (mod == 1)
		e1(j, (uint8_t)disp);
	else if (mod == 2)
		e32(j, (uint32_t)disp);
}

/* op r/m(reg-direct rm), reg: 1-byte opcode */
static void op_rr(struct jit *j, bool w, uint8_t opc, int reg, int rm)
{
	rex(j, w, reg, 0, rm, false);
	e1(j, opc);
	modrm_rr(j, reg, rm);
}

/* two-byte opcode 0F xx, reg, rm */
static void op0f_rr(struct jit *j, bool w, uint8_t opc, int reg, int rm, bool byte_rm)
{
	rex(j, w, reg, 0, rm, byte_rm && rm >= 4 && rm < 8);
	e2(j, 0x0f, opc);
	modrm_rr(j, reg, rm);
}

static void op_mem(struct jit *j, bool w, uint8_t opc, int reg, int base, int32_t disp, bool force)
{
	rex(j, w, reg, 0, base, force);
	e1(j, opc);
	modrm_mem(j, reg, base, disp);
}

static void op0f_mem(struct jit *j, bool w, uint8_t opc, int reg, int base, int32_t disp)
{
	rex(j, w, reg, 0, base, false);
	e2(j, 0x0f, opc);
	modrm_mem(j, reg, base, disp);
}

static void mov_rr(struct jit *j, bool w, int dst, int src)
{
	op_rr(j, w, 0x89, src, dst);
}

/* dst = imm (64-bit: sign-extended imm32; 32-bit: the bits) */
static void mov_imm32(struct jit *j, bool w, int dst, int32_t imm)
{
	if (imm == 0) {
		op_rr(j, false, 0x31, dst, dst); /* xor r32, r32 */
	} else if (w && imm < 0) {
		rex(j, true, 0, 0, dst, false);
		e1(j, 0xc7);
		modrm_rr(j, 0, dst);
		e32(j, (uint32_t)imm);
	} else {
		rex(j, false, 0, 0, dst, false);
		e1(j, 0xb8 + (dst & 7));
		e32(j, (uint32_t)imm);
	}
}

static void mov_imm64(struct jit *j, int dst, uint64_t v)
{
	if (v <= UINT32_MAX) {
		mov_imm32(j, false, dst, (int32_t)(uint32_t)v);
	} else if ((int64_t)v >= INT32_MIN && (int64_t)v < 0) {
		mov_imm32(j, true, dst, (int32_t)v);
	} else {
		rex(j, true, 0, 0, dst, false);
		e1(j, 0xb8 + (dst & 7));
		e64(j, v);
	}
}

/* ALU group 1 (81/83 /ext): ADD 0, OR 1, AND 4, SUB 5, XOR 6, CMP 7 */
static void alu_imm(struct jit *j, bool w, int ext, int dst, int32_t imm)
{
	rex(j, w, 0, 0, dst, false);
	if (imm >= -128 && imm <= 127) {
		e1(j, 0x83);
		modrm_rr(j, ext, dst);
		e1(j, (uint8_t)imm);
	} else {
		e1(j, 0x81);
		modrm_rr(j, ext, dst);
		e32(j, (uint32_t)imm);
	}
}

static void push(struct jit *j, int r)
{
	rex(j, false, 0, 0, r, false);
	e1(j, 0x50 + (r & 7));
}

static void pop(struct jit *j, int r)
{
	rex(j, false, 0, 0, r, false);
	e1(j, 0x58 + (r & 7));
}

/* A local forward jcc rel8 (cc < 0: jmp); returns the place to patch. */
static size_t jcc8_fwd(struct jit *j, int cc)
{
	if (cc < 0)
		e2(j, 0xeb, 0);
	else
		e2(j, 0x70 + cc, 0);
	return j->len - 1;
}

static void patch8(struct jit *j, size_t at)
{
	int64_t d = (int64_t)j->len - (int64_t)(at + 1);

	if (j->overflow)
		return;
	if (d > 127)
		j->overflow = true; /* never: local blocks are short */
	else
		j->buf[at] = (uint8_t)d;
}

/* Jump (cc < 0: jmp) to a label, short if it reaches; `insn` holds the F_LONG flag. */
static void jump_to(struct jit *j, int cc, uint32_t label, uint32_t insn)
{
	int64_t target = j->lab[label];
	bool lng = j->flags[insn] & F_LONG;

	if (!lng && j->pass > 0) {
		int64_t d8 = target - (int64_t)(j->len + 2);

		if (d8 < -128 || d8 > 127) {
			j->flags[insn] |= F_LONG;
			j->changed = true;
			lng = true;
		}
	}
	if (lng) {
		if (cc < 0) {
			e1(j, 0xe9);
			e32(j, (uint32_t)(target - (int64_t)(j->len + 4)));
		} else {
			e2(j, 0x0f, 0x80 + cc);
			e32(j, (uint32_t)(target - (int64_t)(j->len + 4)));
		}
	} else {
		if (cc < 0)
			e1(j, 0xeb);
		else
			e1(j, 0x70 + cc);
		e1(j, (uint8_t)(target - (int64_t)(j->len + 1)));
	}
}

/* call/jmp rel32 to a label of this image */
static void call_label(struct jit *j, uint8_t opc, uint32_t label)
{
	e1(j, opc);
	e32(j, (uint32_t)((int64_t)j->lab[label] - (int64_t)(j->len + 4)));
}

/* call (or jmp) a C function: rel32 when the image is near it, else through r11 */
static void call_c(struct jit *j, const void *fn, bool jmp)
{
	if (j->near) {
		int64_t d = 0;

		if (j->base) {
			d = (int64_t)(uintptr_t)fn - (int64_t)(j->base + j->len + 5);
			if (d < INT32_MIN || d > INT32_MAX)
				j->far_miss = true;
		}
		e1(j, jmp ? 0xe9 : 0xe8);
		e32(j, (uint32_t)d);
	} else {
		e2(j, 0x49, 0xbb); /* movabs r11, imm64 (fixed size) */
		e64(j, (uint64_t)(uintptr_t)fn);
		e3(j, 0x41, 0xff, jmp ? 0xe3 : 0xd3);
	}
}

/* --- prologue / epilogue ---------------------------------------------------------------- */

static void prologue(struct jit *j, uint32_t s)
{
	const struct fn_info *f = &j->fn[s];

	for (int i = 0; i < f->nsaved; i++)
		push(j, f->saved[i]);
	if (f->frame) {
		mov_rr(j, true, RBP, RSP);
		rex(j, true, 0, 0, RSP, false);
		e1(j, 0x81);
		modrm_rr(j, 5, RSP);
		e32(j, UXDP_STACK_SIZE + (f->pad ? 8 : 0));
	} else if (f->pad) {
		alu_imm(j, true, 5, RSP, 8);
	}
}

/* Undo the prologue (without ret). */
static void epilogue(struct jit *j, uint32_t s)
{
	const struct fn_info *f = &j->fn[s];

	if (f->frame)
		mov_rr(j, true, RSP, RBP);
	else if (f->pad)
		alu_imm(j, true, 0, RSP, 8);
	for (int i = f->nsaved - 1; i >= 0; i--)
		pop(j, f->saved[i]);
}

/* --- run-time support called from generated code ---------------------------------------- */

/* callx: the helper whose ID is in a register (raw programs). rdx = 0: no such helper. */
struct callx_ret {
	uint64_t r0, ok;
};

static struct callx_ret jit_callx(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				  struct uxdp_exec *ex, uint64_t id)
{
	const struct uxdp_prog *prog = ex->cur_prog;
	const struct uxdp_helper_proto *proto =
		id <= INT32_MAX ? uxdp_helper_proto((int32_t)id, prog->type) : NULL;
	struct callx_ret r = { 0, 0 };

	if (!proto || !proto->fn) {
		ex->runtime_errors++;
		return r;
	}
	r.r0 = proto->fn(r1, r2, r3, r4, r5, ex);
	r.ok = 1;
	return r;
}

static uint64_t jit_md_read(const struct uxdp_xdp_buff *xdp, uint64_t off)
{
	return uxdp_xdp_md_read(xdp, (uint32_t)off);
}

/* bpf_tail_call: the native code to jump to, or 0 to fall through. */
static void *jit_tail_target(struct uxdp_map *map, uint64_t index, struct uxdp_exec *ex,
			     void *interp_stub)
{
	struct uxdp_prog *next;

	if (!map || (uint32_t)index >= map->max_entries || ex->tail_call_cnt >= UXDP_MAX_TAIL_CALLS)
		return NULL;
	next = uxdp_prog_array_get(map, (uint32_t)index);
	if (!next)
		return NULL;
	ex->tail_call_cnt++;
	ex->cur_prog = next;
	return next->jit ? next->jit->body : interp_stub;
}

/* A tail call into a program without an image: it replaces the frame, so its
 * result goes straight to the caller of the frame. */
static uint64_t jit_tail_interp(void *ctx, struct uxdp_exec *ex)
{
	return uxdp_interp_run_nested(ex->cur_prog, ctx, ex);
}

uint64_t uxdp_jit_call_fn(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2, uint64_t r3,
			  uint64_t r4, uint64_t r5)
{
	const struct uxdp_prog *prog = ex->cur_prog;
	uint32_t sub = (uint32_t)(fn & 0xffffffffu);
	uint64_t r0;

	if ((fn & ~0xffffffffull) != UXDP_FUNC_TAG || !prog || sub >= prog->subprog_cnt)
		return 0;
	if (!prog->jit)
		return uxdp_interp_call_fn(ex, fn, r1, r2, r3, r4, r5);
	if (ex->depth >= UXDP_MAX_CALL_DEPTH)
		return 0;
	ex->depth++;
	r0 = prog->jit->cb[sub](r1, r2, r3, r4, r5, ex);
	ex->depth--;
	ex->cur_prog = prog; /* a tail call in the callback replaced it */
	return r0;
}

/* --- analysis ----------------------------------------------------------------------------- */

static bool is_lddw(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static uint32_t sub_index(const struct uxdp_prog *prog, uint32_t start)
{
	for (uint32_t s = 0; s < prog->subprog_cnt; s++)
		if (prog->subprogs[s].start == start)
			return s;
	return 0;
}

/* Frames a call chain from subprogram s may need (callbacks count as calls), or
 * -1 for recursion. */
static int depth_of(const struct uxdp_prog *prog, uint32_t s, int8_t *memo, uint8_t *state)
{
	const struct uxdp_subprog *sp = &prog->subprogs[s];
	int best = 0;

	if (state[s] == 1)
		return -1;
	if (state[s] == 2)
		return memo[s];
	state[s] = 1;
	for (uint32_t i = sp->start; i < sp->end; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		bool call = insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL;
		bool func = is_lddw(insn) && insn->src_reg == BPF_PSEUDO_FUNC;
		int d;

		if (call || func) {
			d = depth_of(prog, sub_index(prog, i + insn->imm + 1), memo, state);
			if (d < 0)
				return -1;
			if (d > best)
				best = d;
		}
		if (is_lddw(insn))
			i++;
	}
	state[s] = 2;
	memo[s] = (int8_t)(best + 1 > 100 ? 100 : best + 1);
	return memo[s];
}

static void analyse_fn(struct jit *j, uint32_t s)
{
	const struct uxdp_prog *prog = j->prog;
	const struct uxdp_subprog *sp = &prog->subprogs[s];
	struct fn_info *f = &j->fn[s];
	bool used[11] = { false }, calls = false;

	for (uint32_t i = sp->start; i < sp->end; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		uint8_t cls = BPF_CLASS(insn->code);

		if (j->flags[i] & F_LDDW2)
			continue;
		if (cls == BPF_JMP && BPF_OP(insn->code) == BPF_CALL) {
			calls = true;
			if (BPF_SRC(insn->code) == BPF_X)
				used[insn->dst_reg] = true;
			continue;
		}
		if (prog->insn_flags && (prog->insn_flags[i] & UXDP_INSN_MAYBE_CTX))
			calls = true;
		used[insn->dst_reg] = true;
		if (!is_lddw(insn))
			used[insn->src_reg] = true;
	}
	f->nsaved = 0;
	if (used[6])
		f->saved[f->nsaved++] = RBX;
	if (used[7])
		f->saved[f->nsaved++] = R13;
	if (used[8])
		f->saved[f->nsaved++] = R14;
	if (used[9])
		f->saved[f->nsaved++] = R15;
	f->frame = used[10];
	if (f->frame)
		f->saved[f->nsaved++] = RBP;
	/* at entry rsp = 8 mod 16; keep it 0 mod 16 wherever the body calls */
	f->pad = (f->frame || calls) && (f->nsaved % 2 == 0);
}

/*
 * Walk back from insn i inside its basic block: *k is set to the instruction
 * before (the first half of an lddw for its pair); false at a block entry.
 */
static bool prev_in_block(const struct jit *j, uint32_t *i)
{
	uint32_t start = j->prog->subprogs[j->sub_of[*i]].start;

	if ((j->flags[*i] & F_TARGET) || *i == start)
		return false;
	(*i)--;
	if (j->flags[*i] & F_LDDW2)
		(*i)--;
	return true;
}

/* Does insn write register r (calls write r0-r5)? */
static bool writes_reg(const struct bpf_insn *insn, uint8_t r)
{
	uint8_t cls = BPF_CLASS(insn->code);

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
	case BPF_LDX:
	case BPF_LD:
		return insn->dst_reg == r;
	case BPF_STX:
		if (BPF_MODE(insn->code) != UXDP_OP_ATOMIC_MODE)
			return false;
		if (insn->imm == BPF_CMPXCHG)
			return r == BPF_REG_0;
		return (insn->imm & BPF_FETCH) && insn->src_reg == r;
	case BPF_JMP:
	case BPF_JMP32:
		return BPF_OP(insn->code) == BPF_CALL && r <= BPF_REG_5;
	}
	return false;
}

/* The map r1 holds at a helper call at insn i, if an lddw in the same block set it. */
static struct uxdp_map *known_map(const struct jit *j, uint32_t i)
{
	const struct uxdp_prog *prog = j->prog;

	while (prev_in_block(j, &i)) {
		const struct bpf_insn *insn = &prog->insns[i];

		if (!writes_reg(insn, BPF_REG_1))
			continue;
		if (is_lddw(insn) &&
		    (insn->src_reg == BPF_PSEUDO_MAP_FD || insn->src_reg == BPF_PSEUDO_MAP_IDX))
			return prog->maps[insn->imm];
		return NULL;
	}
	return NULL;
}

/* Is r2 at insn i surely r10 + constant (so never NULL)? */
static bool r2_is_stack(const struct jit *j, uint32_t i)
{
	const struct uxdp_prog *prog = j->prog;

	while (prev_in_block(j, &i)) {
		const struct bpf_insn *insn = &prog->insns[i];

		if (!writes_reg(insn, BPF_REG_2))
			continue;
		if (insn->code == (BPF_ALU64 | BPF_MOV | BPF_X) && insn->src_reg == BPF_REG_10 &&
		    insn->off == 0)
			return true;
		if (insn->code != (BPF_ALU64 | BPF_ADD | BPF_K))
			return false;
	}
	return false;
}

static uint64_t lddw_value(const struct uxdp_prog *prog, uint32_t i)
{
	const struct bpf_insn *insn = &prog->insns[i];
	uint64_t lo = (uint32_t)insn->imm, hi = (uint32_t)prog->insns[i + 1].imm;

	switch (insn->src_reg) {
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
		return (uint64_t)(uintptr_t)prog->maps[insn->imm];
	case BPF_PSEUDO_MAP_VALUE:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		return (uint64_t)(uintptr_t)((uint8_t *)uxdp_map__array_data(prog->maps[insn->imm]) +
					     hi);
	case BPF_PSEUDO_FUNC:
		return UXDP_FUNC_TAG | sub_index(prog, i + insn->imm + 1);
	default:
		return lo | hi << 32;
	}
}

/* --- instructions ----------------------------------------------------------------------- */

static void emit_shift_x(struct jit *j, bool w, int ext, int dst, int src)
{
	/* shift by cl (rcx is eBPF r4) */
	if (dst == RCX) {
		mov_rr(j, true, R11, RCX);
		if (src != RCX)
			mov_rr(j, true, RCX, src);
		op_rr(j, w, 0xd3, ext, R11);
		mov_rr(j, w, RCX, R11);
	} else if (src == RCX) {
		op_rr(j, w, 0xd3, ext, dst);
	} else {
		mov_rr(j, true, R11, RCX);
		mov_rr(j, true, RCX, src);
		op_rr(j, w, 0xd3, ext, dst);
		mov_rr(j, true, RCX, R11);
	}
}

/* Unsigned and signed division and modulo, both widths, both sources. */
static void emit_div(struct jit *j, const struct bpf_insn *insn)
{
	bool w = BPF_CLASS(insn->code) == BPF_ALU64, x = BPF_SRC(insn->code) == BPF_X;
	bool mod = BPF_OP(insn->code) == BPF_MOD, sdiv = insn->off == 1;
	int dst = R[insn->dst_reg];
	size_t zero = 0, minus1 = 0, done1 = 0, done2 = 0;

	if (!x && sdiv && insn->imm == -1) {
		/* INT_MIN / -1 wraps; x % -1 is 0 */
		if (mod)
			op_rr(j, false, 0x31, dst, dst);
		else
			op_rr(j, w, 0xf7, 3, dst); /* neg */
		return;
	}
	/* divisor into r11 */
	if (x)
		mov_rr(j, w, R11, R[insn->src_reg]);
	else
		mov_imm32(j, w, R11, insn->imm);
	if (x) {
		op_rr(j, w, 0x85, R11, R11); /* test */
		zero = jcc8_fwd(j, CC_E);
		if (sdiv) {
			alu_imm(j, w, 7, R11, -1);
			minus1 = jcc8_fwd(j, CC_E);
		}
	}
	mov_rr(j, true, R9, RAX);
	mov_rr(j, true, R10, RDX);
	if (dst != RAX)
		mov_rr(j, true, RAX, dst);
	if (sdiv) {
		if (w)
			e2(j, 0x48, 0x99); /* cqo */
		else
			e1(j, 0x99); /* cdq */
		op_rr(j, w, 0xf7, 7, R11); /* idiv */
	} else {
		op_rr(j, false, 0x31, RDX, RDX);
		op_rr(j, w, 0xf7, 6, R11); /* div */
	}
	mov_rr(j, w, R11, mod ? RDX : RAX);
	mov_rr(j, true, RAX, R9);
	mov_rr(j, true, RDX, R10);
	mov_rr(j, w, dst, R11);
	if (!x)
		return;
	done1 = jcc8_fwd(j, -1);
	/* divisor 0: quotient 0, remainder the dividend (zero-extended in 32-bit) */
	patch8(j, zero);
	if (mod) {
		if (!w)
			mov_rr(j, false, dst, dst);
	} else {
		op_rr(j, false, 0x31, dst, dst);
	}
	if (sdiv) {
		done2 = jcc8_fwd(j, -1);
		patch8(j, minus1);
		if (mod)
			op_rr(j, false, 0x31, dst, dst);
		else
			op_rr(j, w, 0xf7, 3, dst);
		patch8(j, done2);
	}
	patch8(j, done1);
}

static void emit_end(struct jit *j, const struct bpf_insn *insn)
{
	int dst = R[insn->dst_reg];
	bool be = BPF_CLASS(insn->code) == BPF_ALU64 || BPF_SRC(insn->code) == BPF_X;

	switch (insn->imm) {
	case 16:
		if (be) {
			/* ror r16, 8 */
			e1(j, 0x66);
			rex(j, false, 0, 0, dst, false);
			e1(j, 0xc1);
			modrm_rr(j, 1, dst);
			e1(j, 8);
		}
		op0f_rr(j, false, 0xb7, dst, dst, false); /* movzx r32, r16 */
		break;
	case 32:
		if (be) {
			rex(j, false, 0, 0, dst, false);
			e2(j, 0x0f, 0xc8 + (dst & 7));
		} else {
			mov_rr(j, false, dst, dst);
		}
		break;
	case 64:
		if (be) {
			rex(j, true, 0, 0, dst, false);
			e2(j, 0x0f, 0xc8 + (dst & 7));
		}
		break;
	}
}

static void emit_load(struct jit *j, uint8_t size, bool sx, int dst, int base, int16_t off)
{
	switch (size) {
	case BPF_B:
		op0f_mem(j, sx, sx ? 0xbe : 0xb6, dst, base, off);
		break;
	case BPF_H:
		op0f_mem(j, sx, sx ? 0xbf : 0xb7, dst, base, off);
		break;
	case BPF_W:
		if (sx)
			op_mem(j, true, 0x63, dst, base, off, false);
		else
			op_mem(j, false, 0x8b, dst, base, off, false);
		break;
	case BPF_DW:
		op_mem(j, true, 0x8b, dst, base, off, false);
		break;
	}
}

static void emit_store_reg(struct jit *j, uint8_t size, int base, int16_t off, int src)
{
	switch (size) {
	case BPF_B:
		op_mem(j, false, 0x88, src, base, off, src >= 4 && src < 8);
		break;
	case BPF_H:
		e1(j, 0x66);
		op_mem(j, false, 0x89, src, base, off, false);
		break;
	case BPF_W:
		op_mem(j, false, 0x89, src, base, off, false);
		break;
	case BPF_DW:
		op_mem(j, true, 0x89, src, base, off, false);
		break;
	}
}

static void emit_store_imm(struct jit *j, uint8_t size, int base, int16_t off, int32_t imm)
{
	switch (size) {
	case BPF_B:
		op_mem(j, false, 0xc6, 0, base, off, false);
		e1(j, (uint8_t)imm);
		break;
	case BPF_H:
		e1(j, 0x66);
		op_mem(j, false, 0xc7, 0, base, off, false);
		e2(j, (uint8_t)imm, (uint8_t)(imm >> 8));
		break;
	case BPF_W:
		op_mem(j, false, 0xc7, 0, base, off, false);
		e32(j, (uint32_t)imm);
		break;
	case BPF_DW:
		op_mem(j, true, 0xc7, 0, base, off, false);
		e32(j, (uint32_t)imm);
		break;
	}
}

static void emit_atomic(struct jit *j, const struct bpf_insn *insn)
{
	bool w = BPF_SIZE(insn->code) == BPF_DW;
	int base = R[insn->dst_reg], src = R[insn->src_reg];
	int16_t off = insn->off;
	uint8_t opc;

	switch (insn->imm) {
	case BPF_ADD:
	case BPF_OR:
	case BPF_AND:
	case BPF_XOR:
		opc = insn->imm == BPF_ADD ? 0x01 : insn->imm == BPF_OR ? 0x09
						  : insn->imm == BPF_AND ? 0x21 : 0x31;
		e1(j, 0xf0);
		op_mem(j, w, opc, src, base, off, false);
		return;
	case BPF_ADD | BPF_FETCH:
		e1(j, 0xf0);
		rex(j, w, src, 0, base, false);
		e2(j, 0x0f, 0xc1); /* xadd */
		modrm_mem(j, src, base, off);
		return;
	case BPF_XCHG:
		op_mem(j, w, 0x87, src, base, off, false);
		return;
	case BPF_CMPXCHG:
		e1(j, 0xf0);
		rex(j, w, src, 0, base, false);
		e2(j, 0x0f, 0xb1);
		modrm_mem(j, src, base, off);
		if (!w)
			mov_rr(j, false, RAX, RAX); /* the old value, zero-extended, on success too */
		return;
	default: { /* OR/AND/XOR with fetch: compare-exchange loop */
		int ext = (insn->imm & ~BPF_FETCH) == BPF_OR ? 0x09
			  : (insn->imm & ~BPF_FETCH) == BPF_AND ? 0x21 : 0x31;
		size_t loop;

		op_mem(j, true, 0x8d, R9, base, off, false); /* lea r9, [base+off] */
		mov_rr(j, true, R10, src);
		push(j, RAX);
		op_mem(j, w, 0x8b, RAX, R9, 0, false);
		loop = j->len;
		mov_rr(j, w, R11, RAX);
		op_rr(j, w, (uint8_t)ext, R10, R11);
		e1(j, 0xf0);
		rex(j, w, R11, 0, R9, false);
		e2(j, 0x0f, 0xb1);
		modrm_mem(j, R11, R9, 0);
		e2(j, 0x75, (uint8_t)(loop - (j->len + 2)));
		mov_rr(j, w, R11, RAX);
		pop(j, RAX);
		mov_rr(j, w, src, R11);
		return;
	}
	}
}

static void emit_helper_call(struct jit *j, const void *fn)
{
	mov_rr(j, true, R9, REG_EX);
	call_c(j, fn, false);
}

/* bpf_map_lookup_elem on an array or per-CPU array the program names directly. */
static bool emit_array_lookup(struct jit *j, uint32_t i)
{
	struct uxdp_map *map = known_map(j, i);
	uint32_t elem;
	uint64_t data, stride;
	size_t null1 = 0, null2, null3 = 0, done;

	if (!map || (map->type != BPF_MAP_TYPE_ARRAY && map->type != BPF_MAP_TYPE_PERCPU_ARRAY))
		return false;
	if (map->max_entries > (1u << 31))
		return false;
	elem = uxdp_percpu_stride(map->value_size);
	stride = (uint64_t)elem * map->max_entries;
	if (map->type == BPF_MAP_TYPE_PERCPU_ARRAY && stride > INT32_MAX)
		return false;
	data = (uint64_t)(uintptr_t)uxdp_array_map_data(map);

	if (!r2_is_stack(j, i)) {
		op_rr(j, true, 0x85, RSI, RSI);
		null1 = jcc8_fwd(j, CC_E);
	}
	op_mem(j, false, 0x8b, RAX, RSI, 0, false); /* mov eax, [rsi] */
	rex(j, false, 0, 0, RAX, false);
	e1(j, 0x3d); /* cmp eax, imm32 */
	e32(j, map->max_entries);
	null2 = jcc8_fwd(j, CC_AE);
	if (__builtin_popcount(elem) == 1) {
		rex(j, true, 0, 0, RAX, false);
		e3(j, 0xc1, 0xe0, (uint8_t)__builtin_ctz(elem)); /* shl rax, n */
	} else {
		rex(j, true, RAX, 0, RAX, false);
		e2(j, 0x69, 0xc0); /* imul rax, rax, imm32 */
		e32(j, elem);
	}
	if (map->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		op_mem(j, false, 0x8b, R11, REG_EX, offsetof(struct uxdp_exec, cpu), false);
		alu_imm(j, false, 7, R11, (int32_t)map->ncpus);
		null3 = jcc8_fwd(j, CC_AE);
		rex(j, true, R11, 0, R11, false);
		e2(j, 0x69, 0xdb); /* imul r11, r11, imm32 */
		e32(j, (uint32_t)stride);
		op_rr(j, true, 0x01, R11, RAX);
	}
	mov_imm64(j, R11, data);
	op_rr(j, true, 0x01, R11, RAX);
	done = jcc8_fwd(j, -1);
	if (null1)
		patch8(j, null1);
	patch8(j, null2);
	if (null3)
		patch8(j, null3);
	op_rr(j, false, 0x31, RAX, RAX);
	patch8(j, done);
	return true;
}

static void emit_tail_call(struct jit *j, uint32_t i)
{
	size_t skip;

	push(j, RDI);
	push(j, RAX);
	mov_rr(j, true, RDI, RSI);
	mov_rr(j, false, RSI, RDX);
	mov_rr(j, true, RDX, REG_EX);
	/* lea rcx, [rip + tail stub] */
	e3(j, 0x48, 0x8d, 0x0d);
	e32(j, (uint32_t)((int64_t)j->lab[L_TAILSTUB(j)] - (int64_t)(j->len + 4)));
	call_c(j, (const void *)jit_tail_target, false);
	mov_rr(j, true, R11, RAX);
	pop(j, RAX);
	pop(j, RDI);
	op_rr(j, true, 0x85, R11, R11);
	/* the epilogue is at most ~20 bytes: rel8 reaches */
	skip = jcc8_fwd(j, CC_E);
	epilogue(j, j->sub_of[i]);
	e3(j, 0x41, 0xff, 0xe3); /* jmp r11 */
	patch8(j, skip);
}

static void emit_maybe_ctx(struct jit *j, const struct bpf_insn *insn)
{
	int dst = R[insn->dst_reg];
	size_t ctx, done;

	op_mem(j, true, 0x8d, R10, R[insn->src_reg], insn->off, false); /* lea r10, [src+off] */
	op_mem(j, true, 0x8b, R11, REG_EX, offsetof(struct uxdp_exec, ctx), false);
	mov_rr(j, true, R9, R10);
	op_rr(j, true, 0x29, R11, R9); /* sub r9, r11 */
	alu_imm(j, true, 7, R9, (int32_t)sizeof(struct xdp_md));
	ctx = jcc8_fwd(j, CC_B);
	op_mem(j, false, 0x8b, dst, R10, 0, false);
	done = jcc8_fwd(j, -1);
	patch8(j, ctx);
	push(j, RAX);
	push(j, RCX);
	push(j, RDX);
	push(j, RSI);
	push(j, RDI);
	push(j, R8);
	mov_rr(j, true, RDI, R11);
	mov_rr(j, true, RSI, R9);
	call_c(j, (const void *)jit_md_read, false);
	mov_rr(j, true, R11, RAX);
	pop(j, R8);
	pop(j, RDI);
	pop(j, RSI);
	pop(j, RDX);
	pop(j, RCX);
	pop(j, RAX);
	mov_rr(j, true, dst, R11);
	patch8(j, done);
}

static void emit_callx(struct jit *j, const struct bpf_insn *insn)
{
	size_t ok;

	alu_imm(j, true, 5, RSP, 8);
	push(j, R[insn->dst_reg]);
	mov_rr(j, true, R9, REG_EX);
	call_c(j, (const void *)jit_callx, false);
	alu_imm(j, true, 0, RSP, 16);
	op_rr(j, true, 0x85, RDX, RDX);
	ok = jcc8_fwd(j, CC_NE);
	/* no such helper: the run ends with r0 = 0, unwound to the entry thunk */
	op_mem(j, true, 0x8b, RSP, REG_EX, offsetof(struct uxdp_exec, engine_state), false);
	op_rr(j, false, 0x31, RAX, RAX);
	e1(j, 0xc3);
	patch8(j, ok);
}

static const uint8_t jcc_of[16] = {
	[BPF_JEQ >> 4] = CC_E,	 [BPF_JNE >> 4] = CC_NE, [BPF_JGT >> 4] = CC_A,
	[BPF_JGE >> 4] = CC_AE,	 [BPF_JLT >> 4] = CC_B,	 [BPF_JLE >> 4] = CC_BE,
	[BPF_JSGT >> 4] = CC_G,	 [BPF_JSGE >> 4] = CC_GE, [BPF_JSLT >> 4] = CC_L,
	[BPF_JSLE >> 4] = CC_LE, [BPF_JSET >> 4] = CC_NE,
};

/* Emit instruction i; returns false for an opcode the JIT does not know. */
static bool emit_insn(struct jit *j, uint32_t i)
{
	const struct uxdp_prog *prog = j->prog;
	const struct bpf_insn *insn = &prog->insns[i];
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	bool x = BPF_SRC(insn->code) == BPF_X, w = cls == BPF_ALU64 || cls == BPF_JMP;
	int dst = R[insn->dst_reg], src = R[insn->src_reg];

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		switch (op) {
		case BPF_ADD:
		case BPF_SUB:
		case BPF_OR:
		case BPF_AND:
		case BPF_XOR: {
			static const uint8_t rr[] = { [BPF_ADD >> 4] = 0x01, [BPF_SUB >> 4] = 0x29,
						      [BPF_OR >> 4] = 0x09, [BPF_AND >> 4] = 0x21,
						      [BPF_XOR >> 4] = 0x31 };
			static const uint8_t ext[] = { [BPF_ADD >> 4] = 0, [BPF_SUB >> 4] = 5,
						       [BPF_OR >> 4] = 1, [BPF_AND >> 4] = 4,
						       [BPF_XOR >> 4] = 6 };
			if (x)
				op_rr(j, w, rr[op >> 4], src, dst);
			else if (w && insn->imm == 0 && op != BPF_AND)
				; /* no change */
			else
				alu_imm(j, w, ext[op >> 4], dst, insn->imm);
			return true;
		}
		case BPF_MOV:
			if (x && insn->off) {
				/* movsx */
				if (insn->off == 32)
					op_rr(j, true, 0x63, dst, src);
				else
					op0f_rr(j, w, insn->off == 8 ? 0xbe : 0xbf, dst, src,
						insn->off == 8);
			} else if (x) {
				if (!w || dst != src)
					mov_rr(j, w, dst, src);
			} else {
				mov_imm32(j, w, dst, insn->imm);
			}
			return true;
		case BPF_MUL:
			if (x) {
				op0f_rr(j, w, 0xaf, dst, src, false);
			} else {
				rex(j, w, dst, 0, dst, false);
				if (insn->imm >= -128 && insn->imm <= 127) {
					e1(j, 0x6b);
					modrm_rr(j, dst, dst);
					e1(j, (uint8_t)insn->imm);
				} else {
					e1(j, 0x69);
					modrm_rr(j, dst, dst);
					e32(j, (uint32_t)insn->imm);
				}
			}
			return true;
		case BPF_NEG:
			op_rr(j, w, 0xf7, 3, dst);
			return true;
		case BPF_LSH:
		case BPF_RSH:
		case BPF_ARSH: {
			int ext = op == BPF_LSH ? 4 : op == BPF_RSH ? 5 : 7;

			if (x) {
				emit_shift_x(j, w, ext, dst, src);
				return true;
			}
			/* r <<= 32; r >>= 32 (or s>>= 32): one zero- or sign-extending move */
			if (w && op == BPF_LSH && insn->imm == 32 && i + 1 < prog->insn_cnt &&
			    (j->flags[i + 1] & F_SKIP)) {
				if (prog->insns[i + 1].code == (BPF_ALU64 | BPF_RSH | BPF_K))
					mov_rr(j, false, dst, dst);
				else
					op_rr(j, true, 0x63, dst, dst);
				return true;
			}
			if (insn->imm == 0) {
				if (!w)
					mov_rr(j, false, dst, dst);
				return true;
			}
			rex(j, w, 0, 0, dst, false);
			if (insn->imm == 1) {
				e1(j, 0xd1);
				modrm_rr(j, ext, dst);
			} else {
				e1(j, 0xc1);
				modrm_rr(j, ext, dst);
				e1(j, (uint8_t)insn->imm);
			}
			return true;
		}
		case BPF_DIV:
		case BPF_MOD:
			emit_div(j, insn);
			return true;
		case BPF_END:
			emit_end(j, insn);
			return true;
		}
		return false;

	case BPF_LDX:
		if (prog->insn_flags && (prog->insn_flags[i] & UXDP_INSN_MAYBE_CTX)) {
			emit_maybe_ctx(j, insn);
			return true;
		}
		emit_load(j, BPF_SIZE(insn->code), BPF_MODE(insn->code) == UXDP_MODE_MEMSX, dst, src,
			  insn->off);
		return true;
	case BPF_ST:
		emit_store_imm(j, BPF_SIZE(insn->code), dst, insn->off, insn->imm);
		return true;
	case BPF_STX:
		if (BPF_MODE(insn->code) == UXDP_OP_ATOMIC_MODE)
			emit_atomic(j, insn);
		else
			emit_store_reg(j, BPF_SIZE(insn->code), dst, insn->off, src);
		return true;
	case BPF_LD:
		mov_imm64(j, dst, lddw_value(prog, i));
		return true;

	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT) {
			epilogue(j, j->sub_of[i]);
			e1(j, 0xc3);
			return true;
		}
		if (op == BPF_CALL) {
			if (x) {
				emit_callx(j, insn);
			} else if (insn->src_reg == BPF_PSEUDO_CALL) {
				call_label(j, 0xe8, L_SUB(j, j->sub_of[i + insn->imm + 1]));
				if (j->has_tail) {
					/* a tail call in the callee changed the running program */
					mov_imm64(j, R11, (uint64_t)(uintptr_t)prog);
					op_mem(j, true, 0x89, R11, REG_EX,
					       offsetof(struct uxdp_exec, cur_prog), false);
				}
			} else if (insn->imm == BPF_FUNC_tail_call) {
				emit_tail_call(j, i);
			} else if (insn->imm == BPF_FUNC_get_smp_processor_id) {
				op_mem(j, false, 0x8b, RAX, REG_EX, offsetof(struct uxdp_exec, cpu),
				       false);
			} else if (insn->imm == BPF_FUNC_map_lookup_elem && emit_array_lookup(j, i)) {
				;
			} else {
				uxdp_helper_fn fn = uxdp_helper_for_map(insn->imm, known_map(j, i));

				emit_helper_call(j, (const void *)(fn ? fn
								      : uxdp_helper_proto(insn->imm,
											  prog->type)->fn));
			}
			return true;
		}
		if (op == BPF_JA) {
			int32_t off = cls == BPF_JMP32 ? insn->imm : insn->off;

			if (off != 0)
				jump_to(j, -1, L_INSN(i + off + 1), i);
			return true;
		}
		if (insn->off == 0)
			return true; /* a conditional jump to the next instruction */
		if (op == BPF_JSET) {
			if (x) {
				op_rr(j, w, 0x85, src, dst);
			} else {
				rex(j, w, 0, 0, dst, false);
				e1(j, 0xf7);
				modrm_rr(j, 0, dst);
				e32(j, (uint32_t)insn->imm);
			}
		} else if (x) {
			op_rr(j, w, 0x39, src, dst);
		} else if (insn->imm == 0) {
			op_rr(j, w, 0x85, dst, dst);
		} else {
			alu_imm(j, w, 7, dst, insn->imm);
		}
		jump_to(j, jcc_of[op >> 4], L_INSN(i + insn->off + 1), i);
		return true;
	}
	return false;
}

/*
 * No tail call, no callback: nothing in a run of prog writes the exec's run
 * state (the tail-call helper and the callback trampoline are the only
 * writers, see jit_tail_target() and uxdp_jit_call_fn() above).
 */
static bool runs_plain(const struct uxdp_prog *prog)
{
	for (uint32_t i = 0; i < prog->insn_cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		const struct uxdp_helper_proto *proto;

		if (is_lddw(insn) && insn->src_reg == BPF_PSEUDO_FUNC)
			return false; /* a callback's address */
		if (insn->code != (BPF_JMP | BPF_CALL) || insn->src_reg != 0)
			continue;
		if (insn->imm == BPF_FUNC_tail_call)
			return false;
		proto = uxdp_helper_proto(insn->imm, prog->type);
		for (int a = 0; proto && a < 5; a++)
			if (proto->args[a] == UXDP_ARG_PTR_TO_FUNC)
				return false;
	}
	return true;
}

/* C-callable entry: (a, b, ex in exreg) -> native function at label. `full` also
 * saves every callee-saved register and records the stack for callx unwinding. */
static void emit_thunk(struct jit *j, int exreg, uint32_t label, bool full)
{
	if (!full) {
		push(j, REG_EX);
		mov_rr(j, true, REG_EX, exreg);
		call_label(j, 0xe8, label);
		pop(j, REG_EX);
		e1(j, 0xc3);
		return;
	}
	size_t call_at;
	static const uint8_t regs[] = { RBX, RBP, R12, R13, R14, R15 };

	for (int r = 0; r < 6; r++)
		push(j, regs[r]);
	mov_rr(j, true, REG_EX, exreg);
	/* push qword [r12 + engine_state] */
	op_mem(j, false, 0xff, 6, REG_EX, offsetof(struct uxdp_exec, engine_state), false);
	e1(j, 0xe8);
	e32(j, 0);
	call_at = j->len;
	op_mem(j, false, 0x8f, 0, REG_EX, offsetof(struct uxdp_exec, engine_state), false);
	for (int r = 5; r >= 0; r--)
		pop(j, regs[r]);
	e1(j, 0xc3);
	if (!j->overflow)
		memcpy(j->buf + call_at - 4, &(uint32_t){ (uint32_t)(j->len - call_at) }, 4);
	/* inner: record rsp (pointing at the return address into the thunk) */
	op_mem(j, true, 0x89, RSP, REG_EX, offsetof(struct uxdp_exec, engine_state), false);
	call_label(j, 0xe9, label);
}

/* One pass over the whole image. false: an instruction the JIT cannot emit. */
static bool emit_pass(struct jit *j)
{
	const struct uxdp_prog *prog = j->prog;

	j->len = 0;
	j->changed = false;
	j->far_miss = false;
	emit_thunk(j, RDX, L_SUB(j, 0), j->has_callx);
	for (uint32_t s = 0; s < prog->subprog_cnt; s++) {
		j->cur[L_CB(j, s)] = (uint32_t)j->len;
		emit_thunk(j, R9, L_SUB(j, s), j->has_callx);
	}
	j->cur[L_TAILSTUB(j)] = (uint32_t)j->len;
	mov_rr(j, true, RSI, REG_EX);
	call_c(j, (const void *)jit_tail_interp, true);

	for (uint32_t s = 0; s < prog->subprog_cnt; s++) {
		const struct uxdp_subprog *sp = &prog->subprogs[s];

		while (j->len % 16)
			e1(j, 0xcc);
		j->cur[L_SUB(j, s)] = (uint32_t)j->len;
		prologue(j, s);
		for (uint32_t i = sp->start; i < sp->end; i++) {
			j->cur[L_INSN(i)] = (uint32_t)j->len;
			if (j->flags[i] & (F_LDDW2 | F_SKIP))
				continue;
			if (!emit_insn(j, i))
				return false;
		}
	}
	j->cur[L_INSN(prog->insn_cnt)] = (uint32_t)j->len;
	return true;
}

void uxdp_jit_free(struct uxdp_prog *prog)
{
	struct uxdp_jit_info *info = prog->jit;

	if (!info)
		return;
	if (info->map)
		munmap(info->map, info->map_len);
	free(info->cb);
	free(info->insn_off);
	free(info);
	prog->jit = NULL;
	prog->jit_image = NULL;
	prog->jit_size = 0;
	prog->jit_entry = NULL;
}

/* RW memory for the image, near the library's code when possible (rel32 calls). */
static void *map_near(size_t len, bool near)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t here = (uintptr_t)(const void *)jit_tail_target & ~(uintptr_t)(page - 1);
	static const int64_t tries[] = { -(64ll << 20), -(512ll << 20), 64ll << 20, 512ll << 20 };

	for (size_t t = 0; near && t < sizeof(tries) / sizeof(tries[0]); t++) {
		uintptr_t hint = here + (uintptr_t)tries[t];
		void *p = mmap((void *)hint, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int64_t d;

		if (p == MAP_FAILED)
			continue;
		d = (int64_t)(uintptr_t)p - (int64_t)here;
		if (d > -(1ll << 30) && d < (1ll << 30))
			return p;
		munmap(p, len);
	}
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int uxdp_jit_compile(struct uxdp_prog *prog, char *log, size_t log_size)
{
	struct jit j = { .prog = prog };
	struct uxdp_jit_info *info = NULL;
	int8_t *memo = NULL;
	uint8_t *state = NULL;
	int err = -ENOMEM, depth;
	uint32_t cnt = prog->insn_cnt;

	memo = calloc(prog->subprog_cnt, 1);
	state = calloc(prog->subprog_cnt, 1);
	j.flags = calloc(cnt + 1, 1);
	j.sub_of = calloc(cnt + 1, sizeof(*j.sub_of));
	j.fn = calloc(prog->subprog_cnt, sizeof(*j.fn));
	j.nlab = cnt + 2 + 2 * prog->subprog_cnt;
	j.lab = calloc(j.nlab, sizeof(*j.lab));
	j.cur = calloc(j.nlab, sizeof(*j.cur));
	if (!memo || !state || !j.flags || !j.sub_of || !j.fn || !j.lab || !j.cur)
		goto out;

	depth = depth_of(prog, 0, memo, state);
	if (depth < 0 || depth > UXDP_MAX_CALL_DEPTH) {
		uxdp_log(log, log_size,
			 "JIT: %s: bpf-to-bpf calls (callbacks included) %s; the kernel refuses "
			 "such programs\n",
			 prog->name, depth < 0 ? "recurse" : "nest deeper than 8 frames");
		err = -EOPNOTSUPP;
		goto out;
	}

	for (uint32_t s = 0; s < prog->subprog_cnt; s++) {
		j.flags[prog->subprogs[s].start] |= F_TARGET;
		for (uint32_t i = prog->subprogs[s].start; i < prog->subprogs[s].end; i++)
			j.sub_of[i] = s;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

		if (is_lddw(insn)) {
			j.flags[i + 1] |= F_LDDW2;
			i++;
			continue;
		}
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_CALL) {
			if (BPF_SRC(insn->code) == BPF_X)
				j.has_callx = true;
			else if (insn->src_reg == 0 && insn->imm == BPF_FUNC_tail_call)
				j.has_tail = true;
			continue;
		}
		if (op == BPF_EXIT)
			continue;
		j.flags[i + 1 + (cls == BPF_JMP32 && op == BPF_JA ? insn->imm : insn->off)] |=
			F_TARGET;
	}
	/* r <<= 32 followed by r >>= 32 or r s>>= 32: fused */
	for (uint32_t i = 0; i + 1 < cnt; i++) {
		const struct bpf_insn *a = &prog->insns[i], *b = &prog->insns[i + 1];

		if (a->code == (BPF_ALU64 | BPF_LSH | BPF_K) && a->imm == 32 &&
		    (b->code == (BPF_ALU64 | BPF_RSH | BPF_K) ||
		     b->code == (BPF_ALU64 | BPF_ARSH | BPF_K)) &&
		    b->imm == 32 && b->dst_reg == a->dst_reg && !(j.flags[i] & F_LDDW2) &&
		    !(j.flags[i + 1] & (F_TARGET | F_LDDW2)))
			j.flags[i + 1] |= F_SKIP;
	}
	for (uint32_t s = 0; s < prog->subprog_cnt; s++)
		analyse_fn(&j, s);

	for (int attempt = 0; attempt < 2; attempt++) {
		bool converged = false;
		void *map;
		size_t map_len;
		long page = sysconf(_SC_PAGESIZE);

		j.near = attempt == 0;
		for (uint32_t i = 0; i < cnt; i++)
			j.flags[i] &= ~F_LONG;
		memset(j.lab, 0, j.nlab * sizeof(*j.lab));
		for (j.pass = 0; j.pass < 64; j.pass++) {
			if (!emit_pass(&j)) {
				uxdp_log(log, log_size, "JIT: %s: cannot compile an instruction\n",
					 prog->name);
				err = -EOPNOTSUPP;
				goto out;
			}
			if (j.overflow)
				goto out;
			bool same = !memcmp(j.lab, j.cur, j.nlab * sizeof(*j.lab));

			memcpy(j.lab, j.cur, j.nlab * sizeof(*j.lab));
			if (j.pass > 0 && !j.changed && same) {
				converged = true;
				break;
			}
		}
		if (!converged) {
			uxdp_log(log, log_size, "JIT: %s: code size does not converge\n",
				 prog->name);
			err = -EOPNOTSUPP;
			goto out;
		}

		/* final pass straight into the image */
		map_len = (j.len + (size_t)page - 1) & ~((size_t)page - 1);
		map = map_near(map_len, j.near);
		if (map == MAP_FAILED)
			goto out;
		free(j.buf);
		j.buf = map;
		j.cap = map_len;
		j.fixed = true;
		j.base = (uint64_t)(uintptr_t)map;
		if (!emit_pass(&j) || j.overflow || j.changed ||
		    memcmp(j.lab, j.cur, j.nlab * sizeof(*j.lab))) {
			munmap(map, map_len);
			j.buf = NULL;
			uxdp_log(log, log_size, "JIT: %s: final pass differs\n", prog->name);
			err = -EFAULT;
			goto out;
		}
		if (j.far_miss) {
			munmap(map, map_len);
			j.buf = NULL;
			j.cap = 0;
			j.fixed = false;
			j.base = 0;
			continue;
		}
		memset((uint8_t *)map + j.len, 0xcc, map_len - j.len);
		if (mprotect(map, map_len, PROT_READ | PROT_EXEC)) {
			err = -errno;
			munmap(map, map_len);
			j.buf = NULL;
			goto out;
		}
		j.buf = NULL;

		info = calloc(1, sizeof(*info));
		if (!info ||
		    !(info->cb = calloc(prog->subprog_cnt, sizeof(*info->cb))) ||
		    !(info->insn_off = calloc(cnt + 1, sizeof(*info->insn_off)))) {
			if (info) {
				free(info->cb);
				free(info);
			}
			munmap(map, map_len);
			goto out;
		}
		info->map = map;
		info->map_len = map_len;
		info->body = (uint8_t *)map + j.lab[L_SUB(&j, 0)];
		for (uint32_t s = 0; s < prog->subprog_cnt; s++)
			info->cb[s] = (jit_cb_fn)(void *)((uint8_t *)map + j.lab[L_CB(&j, s)]);
		memcpy(info->insn_off, j.lab, (cnt + 1) * sizeof(*info->insn_off));
		prog->jit = info;
		prog->jit_image = map;
		prog->jit_size = j.len;
		prog->jit_entry = (uint64_t (*)(void *, uint64_t, struct uxdp_exec *))map;
		prog->jit_plain = runs_plain(prog);
		prog->jit_keeps_geometry = prog->jit_plain && prog->keeps_geometry;
		err = 0;
		goto out;
	}
	uxdp_log(log, log_size, "JIT: %s: cannot place the image\n", prog->name);
	err = -ENOMEM;
out:
	if (!j.fixed)
		free(j.buf);
	free(memo);
	free(state);
	free(j.flags);
	free(j.sub_of);
	free(j.fn);
	free(j.lab);
	free(j.cur);
	return err;
}

const void *uxdp_prog__jited(const struct uxdp_prog *prog, size_t *size,
			     const uint32_t **insn_offsets)
{
	if (!prog->jit) {
		errno = ENOENT;
		return NULL;
	}
	if (size)
		*size = prog->jit_size;
	if (insn_offsets)
		*insn_offsets = prog->jit->insn_off;
	return prog->jit->map;
}

#else /* !__x86_64__ */

int uxdp_jit_compile(struct uxdp_prog *prog, char *log, size_t log_size)
{
	uxdp_log(log, log_size, "the JIT engine is not available on this architecture\n");
	return -EOPNOTSUPP;
}

void uxdp_jit_free(struct uxdp_prog *prog)
{
}

uint64_t uxdp_jit_call_fn(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2, uint64_t r3,
			  uint64_t r4, uint64_t r5)
{
	return 0;
}

const void *uxdp_prog__jited(const struct uxdp_prog *prog, size_t *size,
			     const uint32_t **insn_offsets)
{
	errno = ENOENT;
	return NULL;
}

#endif
