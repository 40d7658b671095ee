// SPDX-License-Identifier: BSD-2-Clause
/*
 * Interpreter and program-loading tests on hand-written instruction streams:
 * ISA semantics corner cases, calls and frames, load-time refusals, the
 * xdp_md context rewrite and the test-run frame geometry.
 */
#include <errno.h>

#include "test.h"
#include "insn_build.h"
#include "uxdp/uxdp.h"

static char log_buf[8192];
/* Tests of run-time guards load programs the static verifier refuses. */
static bool no_verify;

static struct uxdp_prog *load_type(const struct bpf_insn *insns, size_t cnt, enum uxdp_prog_type t)
{
	UXDP_OPTS(uxdp_prog_load_opts, o, .type = t, .engine = UXDP_ENGINE_INTERP, .log_buf = log_buf,
		  .log_size = sizeof(log_buf), .license = "GPL", .no_verify = no_verify);
	return uxdp_prog__load(insns, cnt, &o);
}

/* Load a raw program, run it on mem, return r0 through *out. */
static int run_raw(const struct bpf_insn *insns, size_t cnt, void *mem, size_t len, uint64_t *out)
{
	struct uxdp_prog *prog = load_type(insns, cnt, UXDP_PROG_RAW);
	struct uxdp_exec *ex;

	if (!prog) {
		fprintf(stderr, "load failed: %s\n", log_buf);
		return -1;
	}
	ex = uxdp_exec__new(NULL);
	if (!ex) {
		uxdp_prog__put(prog);
		return -1;
	}
	*out = uxdp_prog__run(prog, mem, len, ex);
	uxdp_exec__free(ex);
	uxdp_prog__put(prog);
	return 0;
}

#define RUN(insns, want)                                                                           \
	do {                                                                                       \
		uint64_t _r;                                                                       \
		ASSERT_OK(run_raw(insns, ARRAY_LEN(insns), NULL, 0, &_r));                         \
		ASSERT_EQ(_r, (uint64_t)(want));                                                   \
	} while (0)

#define REFUSED(insns, type, fragment)                                                             \
	do {                                                                                       \
		struct uxdp_prog *_p = load_type(insns, ARRAY_LEN(insns), type);                   \
		ASSERT_NULL(_p);                                                                   \
		ASSERT_STR_CONTAINS(log_buf, fragment);                                            \
	} while (0)

UXDP_TEST(interp_alu32_zero_extends, fast)
{
	struct bpf_insn p[] = {
		I_LDDW(BPF_REG_0, 0xffffffffffffffffull),
		I_ALU32_IMM(BPF_ADD, BPF_REG_0, 1), /* 32-bit wrap: upper half cleared */
		I_EXIT(),
	};
	RUN(p, 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_div_mod_by_zero_reg, fast)
{
	struct bpf_insn div64[] = {
		I_MOV64_IMM(BPF_REG_0, 77), I_MOV64_IMM(BPF_REG_1, 0),
		I_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_1), I_EXIT(),
	};
	struct bpf_insn mod64[] = {
		I_LDDW(BPF_REG_0, 0x100000007ull), I_MOV64_IMM(BPF_REG_1, 0),
		I_ALU64_REG(BPF_MOD, BPF_REG_0, BPF_REG_1), I_EXIT(),
	};
	struct bpf_insn mod32[] = {
		I_LDDW(BPF_REG_0, 0x100000007ull), I_MOV64_IMM(BPF_REG_1, 0),
		I_ALU32_REG(BPF_MOD, BPF_REG_0, BPF_REG_1), I_EXIT(),
	};
	RUN(div64, 0);
	RUN(mod64, 0x100000007ull); /* dividend unchanged */
	RUN(mod32, 7);		    /* 32-bit: dividend, zero-extended */
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_signed_div_overflow, fast)
{
	struct bpf_insn sdiv[] = {
		I_LDDW(BPF_REG_0, 0x8000000000000000ull),
		I_RAW(BPF_ALU64 | BPF_DIV | BPF_K, BPF_REG_0, 0, 1, -1), I_EXIT(),
	};
	struct bpf_insn smod[] = {
		I_LDDW(BPF_REG_0, 0x8000000000000000ull),
		I_RAW(BPF_ALU64 | BPF_MOD | BPF_K, BPF_REG_0, 0, 1, -1), I_EXIT(),
	};
	struct bpf_insn sdiv_neg[] = {
		I_MOV64_IMM(BPF_REG_0, -7), I_RAW(BPF_ALU64 | BPF_DIV | BPF_K, BPF_REG_0, 0, 1, 2),
		I_EXIT(),
	};
	struct bpf_insn smod_neg[] = {
		I_MOV64_IMM(BPF_REG_0, -7), I_RAW(BPF_ALU64 | BPF_MOD | BPF_K, BPF_REG_0, 0, 1, 2),
		I_EXIT(),
	};
	RUN(sdiv, 0x8000000000000000ull);
	RUN(smod, 0);
	RUN(sdiv_neg, (uint64_t)-3);
	RUN(smod_neg, (uint64_t)-1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_register_shifts_are_masked, fast)
{
	struct bpf_insn lsh64[] = {
		I_MOV64_IMM(BPF_REG_0, 1), I_MOV64_IMM(BPF_REG_1, 65),
		I_ALU64_REG(BPF_LSH, BPF_REG_0, BPF_REG_1), I_EXIT(),
	};
	struct bpf_insn arsh32[] = {
		I_MOV32_IMM(BPF_REG_0, -16), I_MOV64_IMM(BPF_REG_1, 34),
		I_ALU32_REG(BPF_ARSH, BPF_REG_0, BPF_REG_1), I_EXIT(),
	};
	RUN(lsh64, 2);
	RUN(arsh32, 0xfffffffcu);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_jmp32_compares_low_half, fast)
{
	struct bpf_insn p[] = {
		I_LDDW(BPF_REG_1, 0x1234567800000005ull),
		I_MOV64_IMM(BPF_REG_0, 0),
		I_JMP32_IMM(BPF_JEQ, BPF_REG_1, 5, 1),
		I_EXIT(),
		I_MOV64_IMM(BPF_REG_0, 1),
		I_JMP_IMM(BPF_JEQ, BPF_REG_1, 5, 1), /* 64-bit compare: not equal */
		I_EXIT(),
		I_MOV64_IMM(BPF_REG_0, 2),
		I_EXIT(),
	};
	RUN(p, 1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_signed_vs_unsigned_jumps, fast)
{
	struct bpf_insn p[] = {
		I_MOV64_IMM(BPF_REG_1, -1),
		I_MOV64_IMM(BPF_REG_0, 0),
		I_JMP_IMM(BPF_JSGT, BPF_REG_1, 0, 1), /* -1 > 0 signed: no */
		I_ALU64_IMM(BPF_OR, BPF_REG_0, 1),
		I_JMP_IMM(BPF_JGT, BPF_REG_1, 0, 1), /* 0xff..ff > 0 unsigned: yes */
		I_ALU64_IMM(BPF_OR, BPF_REG_0, 2),
		I_EXIT(),
	};
	RUN(p, 1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_sign_extension_ops, fast)
{
	uint8_t mem[8] = { 0x80, 0xff, 0x00, 0x80 };
	struct bpf_insn p[] = {
		I_LDXSX(BPF_B, BPF_REG_2, BPF_REG_1, 0),	 /* -128 */
		I_LDXSX(BPF_W, BPF_REG_3, BPF_REG_1, 0),	 /* 0x8000ff80 as s32 */
		I_RAW(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_3, 16, 0), /* movsx16: 0xff80 */
		I_MOV64_REG(BPF_REG_0, BPF_REG_2),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),	 /* -128 + -128 */
		I_EXIT(),
	};
	uint64_t r0;

	ASSERT_OK(run_raw(p, ARRAY_LEN(p), mem, sizeof(mem), &r0));
	ASSERT_EQ(r0, (uint64_t)-256);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_byte_swaps, fast)
{
	struct bpf_insn be[] = {
		I_LDDW(BPF_REG_0, 0x1122334455667788ull),
		I_RAW(BPF_ALU | BPF_END | BPF_TO_BE, BPF_REG_0, 0, 0, 16), I_EXIT(),
	};
	struct bpf_insn le[] = {
		I_LDDW(BPF_REG_0, 0x1122334455667788ull),
		I_RAW(BPF_ALU | BPF_END | BPF_TO_LE, BPF_REG_0, 0, 0, 32), I_EXIT(),
	};
	struct bpf_insn bswap[] = {
		I_LDDW(BPF_REG_0, 0x1122334455667788ull),
		I_RAW(BPF_ALU64 | BPF_END | BPF_K, BPF_REG_0, 0, 0, 64), I_EXIT(),
	};
	RUN(be, 0x8877);
	RUN(le, 0x55667788);
	RUN(bswap, 0x8877665544332211ull);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_atomics_on_stack, fast)
{
	struct bpf_insn p[] = {
		I_ST(BPF_DW, BPF_REG_10, -8, 10),
		I_MOV64_IMM(BPF_REG_1, 5),
		I_ATOMIC(BPF_DW, BPF_REG_10, BPF_REG_1, -8, BPF_ADD | BPF_FETCH), /* r1 = 10, mem 15 */
		I_MOV64_IMM(BPF_REG_0, 15),
		I_MOV64_IMM(BPF_REG_2, 100),
		I_ATOMIC(BPF_DW, BPF_REG_10, BPF_REG_2, -8, BPF_CMPXCHG), /* r0 = 15, mem 100 */
		I_LDX(BPF_DW, BPF_REG_3, BPF_REG_10, -8),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1), /* 25 */
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3), /* 125 */
		I_EXIT(),
	};
	RUN(p, 125);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_local_call_frames, fast)
{
	/* main keeps r6 and a stack slot across a call whose callee clobbers both of its own */
	struct bpf_insn p[] = {
		I_MOV64_IMM(BPF_REG_6, 40),
		I_ST(BPF_DW, BPF_REG_10, -8, 2),
		I_MOV64_IMM(BPF_REG_1, 7),
		I_CALL_LOCAL(4),
		I_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		I_EXIT(),
		/* callee: r0 = r1 * 100; scribble over r6 and its own stack */
		I_MOV64_IMM(BPF_REG_6, 0),
		I_ST(BPF_DW, BPF_REG_10, -8, 999),
		I_MOV64_REG(BPF_REG_0, BPF_REG_1),
		I_ALU64_IMM(BPF_MUL, BPF_REG_0, 100),
		I_EXIT(),
	};
	RUN(p, 742);
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_recursion_stops_at_depth_limit, fast)
{
	no_verify = true; /* checks the run-time guard, not the verifier */
	/* f(n) = n ? 1 + f(n - 1) : 0, called with n = 20: calls stop at depth 8 */
	struct bpf_insn p[] = {
		I_MOV64_IMM(BPF_REG_1, 20),
		I_CALL_LOCAL(1),
		I_EXIT(),
		I_MOV64_IMM(BPF_REG_0, 0),
		I_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 5),
		I_MOV64_REG(BPF_REG_6, BPF_REG_1),
		I_ALU64_IMM(BPF_SUB, BPF_REG_1, 1),
		I_CALL_LOCAL(-5),
		I_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		I_ALU64_IMM(BPF_ADD, BPF_REG_0, 0),
		I_EXIT(),
	};
	uint64_t r0;

	ASSERT_OK(run_raw(p, ARRAY_LEN(p), NULL, 0, &r0));
	ASSERT_TRUE(r0 < 20); /* stopped early instead of overrunning the stack */
	ASSERT_EQ(r0, UXDP_MAX_CALL_DEPTH - 1); /* f ran at depths 1..7 */
	return UXDP_TEST_PASS;
}

UXDP_TEST(load_refuses_bad_shift_and_div_imm, fast)
{
	struct bpf_insn shift[] = { I_MOV64_IMM(BPF_REG_0, 1), I_ALU64_IMM(BPF_LSH, BPF_REG_0, 64),
				    I_EXIT() };
	struct bpf_insn shift32[] = { I_MOV64_IMM(BPF_REG_0, 1), I_ALU32_IMM(BPF_RSH, BPF_REG_0, 32),
				      I_EXIT() };
	struct bpf_insn div[] = { I_MOV64_IMM(BPF_REG_0, 1), I_ALU64_IMM(BPF_DIV, BPF_REG_0, 0),
				  I_EXIT() };

	REFUSED(shift, UXDP_PROG_RAW, "insn 1: invalid shift 64");
	REFUSED(shift32, UXDP_PROG_RAW, "invalid shift 32");
	REFUSED(div, UXDP_PROG_RAW, "division by zero");
	return UXDP_TEST_PASS;
}

UXDP_TEST(load_refuses_bad_control_flow, fast)
{
	struct bpf_insn out_of_range[] = { I_MOV64_IMM(BPF_REG_0, 0), I_JA(5), I_EXIT() };
	struct bpf_insn fall_off[] = { I_MOV64_IMM(BPF_REG_0, 0) };
	struct bpf_insn into_lddw[] = { I_JA(1), I_LDDW(BPF_REG_0, 1), I_EXIT() };
	struct bpf_insn across_subprog[] = {
		I_CALL_LOCAL(2), I_JA(2), I_EXIT(), I_MOV64_IMM(BPF_REG_0, 0), I_EXIT(),
	};

	REFUSED(out_of_range, UXDP_PROG_RAW, "jump out of range");
	REFUSED(fall_off, UXDP_PROG_RAW, "last insn is not an exit or jmp");
	REFUSED(into_lddw, UXDP_PROG_RAW, "middle of lddw");
	REFUSED(across_subprog, UXDP_PROG_RAW, "jump out of range");
	return UXDP_TEST_PASS;
}

UXDP_TEST(load_refuses_reserved_fields_and_registers, fast)
{
	struct bpf_insn r10[] = { I_MOV64_IMM(BPF_REG_10, 0), I_EXIT() };
	struct bpf_insn reg11[] = { I_RAW(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0), I_EXIT() };
	struct bpf_insn exit_imm[] = { I_MOV64_IMM(BPF_REG_0, 0),
				       I_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 1) };
	struct bpf_insn half_lddw[] = { I_LDDW_LO(BPF_REG_0, 0, 1) };
	struct bpf_insn bad_op[] = { I_RAW(0xe7, 0, 0, 0, 0), I_EXIT() };
	struct bpf_insn ld_abs[] = { I_RAW(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), I_EXIT() };

	REFUSED(r10, UXDP_PROG_RAW, "frame pointer is read only");
	REFUSED(reg11, UXDP_PROG_RAW, "invalid register");
	REFUSED(exit_imm, UXDP_PROG_RAW, "BPF_EXIT uses reserved fields");
	REFUSED(half_lddw, UXDP_PROG_RAW, "invalid lddw");
	REFUSED(bad_op, UXDP_PROG_RAW, "invalid BPF_ALU opcode");
	REFUSED(ld_abs, UXDP_PROG_XDP, "BPF_LD_[ABS|IND]");
	return UXDP_TEST_PASS;
}

UXDP_TEST(load_refuses_unknown_and_unsupported_helpers, fast)
{
	struct bpf_insn unknown[] = { I_CALL(99999), I_EXIT() };
	struct bpf_insn unsupported[] = { I_CALL(BPF_FUNC_skb_store_bytes), I_EXIT() };

	REFUSED(unknown, UXDP_PROG_XDP, "insn 0: program calls unknown helper 99999");
	REFUSED(unsupported, UXDP_PROG_XDP, "helper 9 (bpf_skb_store_bytes)");
	return UXDP_TEST_PASS;
}

UXDP_TEST(load_refuses_kfunc_calls, fast)
{
	struct bpf_insn p[] = { I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 5), I_EXIT() };

	REFUSED(p, UXDP_PROG_XDP, "kfunc");
	return UXDP_TEST_PASS;
}

/* Build a frame as test-run does and run prog on it. */
static uint32_t run_on_frame(struct uxdp_prog *prog, uint8_t *frame, uint32_t len,
			     struct uxdp_xdp_buff *xdp)
{
	struct uxdp_exec *ex = uxdp_exec__new(NULL);
	uint32_t act;

	memset(xdp, 0, sizeof(*xdp));
	xdp->data_hard_start = frame;
	xdp->data = frame + 256;
	xdp->data_meta = xdp->data;
	xdp->data_end = xdp->data + len;
	xdp->frame_sz = 4096;
	xdp->ingress_ifindex = 7;
	xdp->rx_queue_index = 3;
	act = uxdp_prog__run_xdp(prog, xdp, ex);
	uxdp_exec__free(ex);
	return act;
}

UXDP_TEST(ctx_rewrite_reads_real_frame, fast)
{
	/* r0 = (data_end - data) + ingress_ifindex * 1000 + rx_queue_index * 100000 */
	struct bpf_insn p[] = {
		I_LDX(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		I_LDX(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		I_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -16), /* spill ctx */
		I_MOV64_IMM(BPF_REG_1, 0),
		I_LDX(BPF_DW, BPF_REG_6, BPF_REG_10, -16), /* fill into r6 */
		I_LDX(BPF_W, BPF_REG_4, BPF_REG_6, offsetof(struct xdp_md, ingress_ifindex)),
		I_LDX(BPF_W, BPF_REG_5, BPF_REG_6, offsetof(struct xdp_md, rx_queue_index)),
		I_MOV64_REG(BPF_REG_0, BPF_REG_3),
		I_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_2),
		I_ALU64_IMM(BPF_MUL, BPF_REG_4, 1000),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_4),
		I_ALU64_IMM(BPF_MUL, BPF_REG_5, 100000),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_5),
		I_EXIT(),
	};
	static uint8_t frame[4096];
	struct uxdp_xdp_buff xdp;
	struct uxdp_prog *prog = load_type(p, ARRAY_LEN(p), UXDP_PROG_XDP);

	ASSERT_NOT_NULL(prog);
	ASSERT_EQ(run_on_frame(prog, frame, 60, &xdp), 60 + 7000 + 300000);
	uxdp_prog__put(prog);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ctx_rewrite_follows_calls, fast)
{
	/* the callee receives ctx in r1 and reads data_end - data */
	struct bpf_insn p[] = {
		I_CALL_LOCAL(1),
		I_EXIT(),
		I_LDX(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		I_LDX(BPF_W, BPF_REG_0, BPF_REG_1, offsetof(struct xdp_md, data_end)),
		I_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_2),
		I_EXIT(),
	};
	static uint8_t frame[4096];
	struct uxdp_xdp_buff xdp;
	struct uxdp_prog *prog = load_type(p, ARRAY_LEN(p), UXDP_PROG_XDP);

	ASSERT_NOT_NULL(prog);
	ASSERT_EQ(run_on_frame(prog, frame, 99, &xdp), 99);
	uxdp_prog__put(prog);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ctx_rewrite_refusals, fast)
{
	struct bpf_insn write[] = { I_ST(BPF_W, BPF_REG_1, 0, 0), I_MOV64_IMM(BPF_REG_0, 2), I_EXIT() };
	struct bpf_insn modified[] = { I_ALU64_IMM(BPF_ADD, BPF_REG_1, 4),
				       I_LDX(BPF_W, BPF_REG_0, BPF_REG_1, 0), I_EXIT() };
	struct bpf_insn bad_off[] = { I_LDX(BPF_W, BPF_REG_0, BPF_REG_1, 24), I_EXIT() };
	struct bpf_insn bad_size[] = { I_LDX(BPF_DW, BPF_REG_0, BPF_REG_1, 0), I_EXIT() };
	struct bpf_insn egress[] = { I_LDX(BPF_W, BPF_REG_0, BPF_REG_1, 20), I_EXIT() };
	struct bpf_insn mixed[] = {
		I_LDX(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, rx_queue_index)),
		I_JMP_IMM(BPF_JEQ, BPF_REG_2, 0, 1), I_MOV64_REG(BPF_REG_1, BPF_REG_10),
		I_LDX(BPF_W, BPF_REG_0, BPF_REG_1, -8), I_EXIT(),
	};
	struct uxdp_prog *prog;

	REFUSED(write, UXDP_PROG_XDP, "xdp_md is read-only");
	REFUSED(modified, UXDP_PROG_XDP, "dereference of modified ctx ptr");
	REFUSED(bad_off, UXDP_PROG_XDP, "invalid bpf_context access off=24 size=4");
	REFUSED(bad_size, UXDP_PROG_XDP, "invalid bpf_context access off=0 size=8");
	REFUSED(egress, UXDP_PROG_XDP, "invalid bpf_context access off=20");
	REFUSED(mixed, UXDP_PROG_XDP, "one load cannot read both");
	{
		struct bpf_insn uninit[] = { I_MOV64_REG(BPF_REG_0, BPF_REG_3), I_EXIT() };
		struct bpf_insn uninit_r0[] = { I_EXIT() };

		REFUSED(uninit, UXDP_PROG_XDP, "insn 0: R3 !read_ok");
		REFUSED(uninit_r0, UXDP_PROG_RAW, "insn 0: R0 !read_ok");
	}
	prog = load_type(egress, ARRAY_LEN(egress), UXDP_PROG_XDP_DEVMAP);
	ASSERT_NOT_NULL(prog); /* devmap programs may read egress_ifindex */
	uxdp_prog__put(prog);
	return UXDP_TEST_PASS;
}

UXDP_TEST(test_run_geometry_and_errors, fast)
{
	no_verify = true; /* checks the run-time guard, not the verifier */
	/* returns XDP_PASS and writes 0xab at data[0] */
	struct bpf_insn p[] = {
		I_LDX(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct xdp_md, data)),
		I_ST(BPF_B, BPF_REG_2, 0, 0xab),
		I_MOV64_IMM(BPF_REG_0, XDP_PASS),
		I_EXIT(),
	};
	struct uxdp_prog *prog = load_type(p, ARRAY_LEN(p), UXDP_PROG_XDP);
	struct uxdp_exec *ex = uxdp_exec__new(NULL);
	static uint8_t in[5000], out[8192];
	int err;

	ASSERT_NOT_NULL(prog);
	ASSERT_NOT_NULL(ex);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;

	UXDP_OPTS(uxdp_test_run_opts, runt, .data_in = in, .data_size_in = 13, .data_out = out,
		  .data_size_out = sizeof(out));
	ASSERT_EQ(uxdp_prog__test_run(prog, ex, &runt), -EINVAL); /* runt */

	UXDP_OPTS(uxdp_test_run_opts, ok, .data_in = in, .data_size_in = 60, .data_out = out,
		  .data_size_out = sizeof(out));
	ASSERT_OK(uxdp_prog__test_run(prog, ex, &ok));
	ASSERT_EQ(ok.retval, XDP_PASS);
	ASSERT_EQ(ok.data_size_out, 60);
	ASSERT_EQ(out[0], 0xab);
	ASSERT_MEMEQ(out + 1, in + 1, 59);

	/* 5000 bytes: 3520 linear + one fragment, all returned */
	UXDP_OPTS(uxdp_test_run_opts, big, .data_in = in, .data_size_in = 5000, .data_out = out,
		  .data_size_out = sizeof(out));
	ASSERT_OK(uxdp_prog__test_run(prog, ex, &big));
	ASSERT_EQ(big.data_size_out, 5000);
	ASSERT_MEMEQ(out + 1, in + 1, 4999);

	UXDP_OPTS(uxdp_test_run_opts, small, .data_in = in, .data_size_in = 60, .data_out = out,
		  .data_size_out = 10);
	err = uxdp_prog__test_run(prog, ex, &small);
	ASSERT_EQ(err, -ENOSPC);
	ASSERT_EQ(small.data_size_out, 60);

	uxdp_exec__free(ex);
	uxdp_prog__put(prog);
	return UXDP_TEST_PASS;
}

UXDP_TEST(load_refuses_too_many_insns, fast)
{
	size_t n = UXDP_MAX_INSNS + 1;
	struct bpf_insn *p = calloc(n, sizeof(*p));
	struct uxdp_prog *prog;

	ASSERT_NOT_NULL(p);
	for (size_t i = 0; i + 1 < n; i++)
		p[i] = I_MOV64_IMM(BPF_REG_0, 0);
	p[n - 1] = I_EXIT();
	prog = load_type(p, n, UXDP_PROG_RAW);
	free(p);
	ASSERT_NULL(prog);
	ASSERT_EQ(errno, E2BIG);
	ASSERT_STR_CONTAINS(log_buf, "more than the limit of 1000000");
	return UXDP_TEST_PASS;
}

UXDP_TEST(interp_counting_variant_counts_executed_insns, fast)
{
	/* 2 + 5 * 3 + 2 executed: a loop of five rounds, then the verdict */
	struct bpf_insn xdp[] = {
		I_MOV64_IMM(BPF_REG_0, 0),
		I_MOV64_IMM(BPF_REG_1, 5),
		I_ALU64_IMM(BPF_ADD, BPF_REG_0, 2),
		I_ALU64_IMM(BPF_SUB, BPF_REG_1, 1),
		I_JMP_IMM(BPF_JNE, BPF_REG_1, 0, -3),
		I_MOV64_IMM(BPF_REG_0, XDP_PASS),
		I_EXIT(),
	};
	struct uxdp_prog *prog = load_type(xdp, ARRAY_LEN(xdp), UXDP_PROG_XDP);
	struct uxdp_exec *ex = uxdp_exec__new(NULL);
	static uint8_t in[64];

	ASSERT_NOT_NULL(prog);
	UXDP_OPTS(uxdp_test_run_opts, t, .data_in = in, .data_size_in = sizeof(in),
		  .count_insns = true);
	ASSERT_OK(uxdp_prog__test_run(prog, ex, &t));
	ASSERT_EQ(t.insn_cnt, 19);
	ASSERT_EQ(t.retval, XDP_PASS);
	uxdp_exec__free(ex);
	uxdp_prog__put(prog);
	return UXDP_TEST_PASS;
}

UXDP_TEST(core_poison_loads_and_aborts_when_reached, fast)
{
	no_verify = true; /* checks the run-time guard, not the verifier */
	/* r0 = r1 (memory); skip the poisoned call unless the memory pointer is NULL */
	struct bpf_insn p[] = {
		I_MOV64_IMM(BPF_REG_0, 7),
		I_JMP_IMM(BPF_JNE, BPF_REG_1, 0, 1),
		I_CALL(0xbad2310),
		I_EXIT(),
	};
	uint8_t mem[4];
	uint64_t r0;

	ASSERT_OK(run_raw(p, ARRAY_LEN(p), mem, sizeof(mem), &r0));
	ASSERT_EQ(r0, 7); /* not reached */
	ASSERT_OK(run_raw(p, ARRAY_LEN(p), NULL, 0, &r0));
	ASSERT_EQ(r0, 0); /* reached: the run ends with 0 */
	return UXDP_TEST_PASS;
}
