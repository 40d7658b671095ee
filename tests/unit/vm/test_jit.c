// SPDX-License-Identifier: BSD-2-Clause
/*
 * JIT tests on hand-written programs: engine selection, the image's memory
 * protection and lifetime, jumps that need rel32, every register pairing of
 * the instructions that need fixed x86 registers (division, shifts), tail
 * calls between JIT and interpreted programs and their limit, inlined array
 * lookups, callx, the zero-extension fusion and the dump API. Results are
 * compared with the interpreter's, the reference.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "insn_build.h"
#include "uxdp/uxdp.h"

#if defined(__x86_64__)

static char log_buf[8192];

static struct uxdp_prog *load(const struct bpf_insn *insns, size_t cnt, enum uxdp_prog_type type,
			      enum uxdp_engine engine, struct uxdp_map **maps, size_t map_cnt)
{
	UXDP_OPTS(uxdp_prog_load_opts, o, .type = type, .engine = engine, .log_buf = log_buf,
		  .log_size = sizeof(log_buf), .license = "GPL", .maps = maps, .map_cnt = map_cnt);
	struct uxdp_prog *p = uxdp_prog__load(insns, cnt, &o);

	if (!p)
		fprintf(stderr, "load failed: %s\n", log_buf);
	return p;
}

/* r0 of a raw program on one engine (UINT64_MAX - 1 if it does not load). */
static uint64_t run_raw(const struct bpf_insn *insns, size_t cnt, enum uxdp_engine engine)
{
	struct uxdp_prog *p = load(insns, cnt, UXDP_PROG_RAW, engine, NULL, 0);
	struct uxdp_exec *ex;
	uint64_t r0;

	if (!p)
		return UINT64_MAX - 1;
	if (engine == UXDP_ENGINE_JIT && uxdp_prog__engine(p) != UXDP_ENGINE_JIT) {
		uxdp_prog__put(p);
		return UINT64_MAX - 1;
	}
	ex = uxdp_exec__new(NULL);
	r0 = uxdp_prog__run(p, NULL, 0, ex);
	uxdp_exec__free(ex);
	uxdp_prog__put(p);
	return r0;
}

#define SAME(insns, cnt)                                                                           \
	do {                                                                                       \
		uint64_t _i = run_raw(insns, cnt, UXDP_ENGINE_INTERP);                             \
		uint64_t _j = run_raw(insns, cnt, UXDP_ENGINE_JIT);                                \
		ASSERT_NE(_i, UINT64_MAX - 1);                                                     \
		ASSERT_EQ(_j, _i);                                                                 \
	} while (0)

/* The mapping of /proc/self/maps holding addr: its permissions, or "" if none. */
static void perms_of(const void *addr, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 && (unsigned long)addr >= lo &&
		    (unsigned long)addr < hi) {
			memcpy(out, p, 5);
			break;
		}
	}
	fclose(f);
}

UXDP_TEST(jit_is_the_default_engine, fast)
{
	struct bpf_insn p[] = { I_MOV64_IMM(BPF_REG_0, XDP_DROP), I_EXIT() };
	struct uxdp_prog *prog = load(p, ARRAY_LEN(p), UXDP_PROG_XDP, UXDP_ENGINE_DEFAULT, NULL, 0);
	struct uxdp_prog *interp = load(p, ARRAY_LEN(p), UXDP_PROG_XDP, UXDP_ENGINE_INTERP, NULL, 0);
	size_t size = 0;

	ASSERT_NOT_NULL(prog);
	ASSERT_NOT_NULL(interp);
	ASSERT_EQ(uxdp_prog__engine(prog), UXDP_ENGINE_JIT);
	ASSERT_EQ(uxdp_prog__engine(interp), UXDP_ENGINE_INTERP);
	ASSERT_NOT_NULL(uxdp_prog__jited(prog, &size, NULL));
	ASSERT_TRUE(size > 0);
	ASSERT_NULL(uxdp_prog__jited(interp, NULL, NULL));
	ASSERT_EQ(errno, ENOENT);
	uxdp_prog__put(prog);
	uxdp_prog__put(interp);
	return UXDP_TEST_PASS;
}

UXDP_TEST(jit_image_is_never_writable_and_is_freed, fast)
{
	struct bpf_insn p[] = { I_MOV64_IMM(BPF_REG_0, 7), I_EXIT() };
	struct uxdp_prog *prog = load(p, ARRAY_LEN(p), UXDP_PROG_RAW, UXDP_ENGINE_JIT, NULL, 0);
	const void *image;
	char perms[5];

	ASSERT_NOT_NULL(prog);
	image = uxdp_prog__jited(prog, NULL, NULL);
	ASSERT_NOT_NULL(image);
	perms_of(image, perms);
	ASSERT_STR_CONTAINS(perms, "r-x");
	uxdp_prog__put(prog);
	perms_of(image, perms);
	ASSERT_EQ(strlen(perms), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(jit_dump_offsets_cover_the_code, fast)
{
	struct bpf_insn p[] = {
		I_MOV64_IMM(BPF_REG_0, 1),
		I_LDDW(BPF_REG_1, 0x123456789abcdefull),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		I_EXIT(),
	};
	struct uxdp_prog *prog = load(p, ARRAY_LEN(p), UXDP_PROG_RAW, UXDP_ENGINE_JIT, NULL, 0);
	const uint32_t *off;
	size_t size;

	ASSERT_NOT_NULL(prog);
	ASSERT_NOT_NULL(uxdp_prog__jited(prog, &size, &off));
	for (size_t i = 0; i < ARRAY_LEN(p); i++)
		ASSERT_TRUE(off[i] <= off[i + 1]);
	ASSERT_EQ(off[ARRAY_LEN(p)], size);
	ASSERT_TRUE(off[1] < off[3]); /* lddw made code */
	uxdp_prog__put(prog);
	return UXDP_TEST_PASS;
}

/* A forward jump over ~1 KiB of code and a backward loop around it: rel32 both ways. */
UXDP_TEST(jit_long_jumps, fast)
{
	enum { PAD = 200 };
	struct bpf_insn p[PAD + 16];
	size_t n = 0;

	p[n++] = I_MOV64_IMM(BPF_REG_0, 0);
	p[n++] = I_MOV64_IMM(BPF_REG_6, 3); /* loop counter */
	/* loop: */
	p[n++] = I_JMP_IMM(BPF_JEQ, BPF_REG_0, 1000, PAD); /* never taken, over the padding */
	for (int k = 0; k < PAD; k++)
		p[n++] = I_ALU64_IMM(BPF_ADD, BPF_REG_0, 0x12345);
	p[n++] = I_ALU64_IMM(BPF_SUB, BPF_REG_6, 1);
	p[n++] = I_JMP_IMM(BPF_JNE, BPF_REG_6, 0, -(PAD + 3)); /* back to loop */
	p[n++] = I_EXIT();
	SAME(p, n);
	ASSERT_EQ(run_raw(p, n, UXDP_ENGINE_JIT), 3ull * PAD * 0x12345);
	return UXDP_TEST_PASS;
}

/*
 * Division and shifts use rax, rdx and rcx (r0, r3, r4) implicitly: every
 * destination/source pairing, both widths, every register folded into r0.
 */
UXDP_TEST(jit_fixed_register_ops_every_pairing, fast)
{
	static const uint8_t ops[] = { BPF_DIV, BPF_MOD, BPF_LSH, BPF_RSH, BPF_ARSH };
	static const uint64_t vals[10] = {
		0x8000000000000000ull, 0xfffffffffffffff9ull, 7, 0xffffffff80000003ull, 33,
		0x123456789ull,	       0xffffffffull,	      0, 63, 0xfffffffffffffffeull,
	};

	for (size_t o = 0; o < sizeof(ops); o++)
		for (int w = 0; w < 2; w++)
			for (int sdiv = 0; sdiv < 2; sdiv++)
				for (uint8_t d = 0; d < 10; d++)
					for (uint8_t s = 0; s < 10; s++) {
						struct bpf_insn p[48];
						size_t n = 0;
						uint8_t cls = w ? BPF_ALU64 : BPF_ALU;

						if (sdiv && ops[o] != BPF_DIV && ops[o] != BPF_MOD)
							continue;
						for (uint8_t r = 0; r < 10; r++) {
							p[n++] = I_LDDW_LO(r, 0, (int32_t)(uint32_t)vals[r]);
							p[n++] = I_LDDW_HI((int32_t)(vals[r] >> 32));
						}
						p[n++] = I_RAW(cls | ops[o] | BPF_X, d, s, sdiv, 0);
						for (uint8_t r = 1; r < 10; r++) {
							p[n++] = I_ALU64_IMM(BPF_MUL, BPF_REG_0, 31);
							p[n++] = I_ALU64_REG(BPF_XOR, BPF_REG_0, r);
						}
						p[n++] = I_EXIT();
						SAME(p, n);
					}
	return UXDP_TEST_PASS;
}

UXDP_TEST(jit_zero_extension_fusion, fast)
{
	struct bpf_insn zext[] = {
		I_LDDW(BPF_REG_0, 0xfedcba9887654321ull),
		I_ALU64_IMM(BPF_LSH, BPF_REG_0, 32),
		I_ALU64_IMM(BPF_RSH, BPF_REG_0, 32),
		I_EXIT(),
	};
	struct bpf_insn sext[] = {
		I_LDDW(BPF_REG_3, 0x0000000087654321ull),
		I_ALU64_IMM(BPF_LSH, BPF_REG_3, 32),
		I_ALU64_IMM(BPF_ARSH, BPF_REG_3, 32),
		I_MOV64_REG(BPF_REG_0, BPF_REG_3),
		I_EXIT(),
	};
	/* a jump lands between the two shifts: no fusion */
	struct bpf_insn split[] = {
		I_LDDW(BPF_REG_0, 0xfedcba9887654321ull),
		I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
		I_ALU64_IMM(BPF_LSH, BPF_REG_0, 32),
		I_ALU64_IMM(BPF_RSH, BPF_REG_0, 32),
		I_EXIT(),
	};

	ASSERT_EQ(run_raw(zext, ARRAY_LEN(zext), UXDP_ENGINE_JIT), 0x87654321ull);
	ASSERT_EQ(run_raw(sext, ARRAY_LEN(sext), UXDP_ENGINE_JIT), 0xffffffff87654321ull);
	SAME(split, ARRAY_LEN(split));
	return UXDP_TEST_PASS;
}

UXDP_TEST(jit_callx_unknown_helper_ends_the_run, fast)
{
	struct bpf_insn p[] = {
		I_MOV64_IMM(BPF_REG_0, 5),
		I_MOV64_IMM(BPF_REG_6, 6),
		I_MOV64_IMM(BPF_REG_2, 999),
		I_RAW(BPF_JMP | BPF_CALL | BPF_X, BPF_REG_2, 0, 0, 0),
		I_MOV64_IMM(BPF_REG_0, 2),
		I_EXIT(),
	};
	struct bpf_insn ok[] = {
		I_MOV64_IMM(BPF_REG_2, BPF_FUNC_ktime_get_ns),
		I_RAW(BPF_JMP | BPF_CALL | BPF_X, BPF_REG_2, 0, 0, 0),
		I_MOV64_IMM(BPF_REG_0, 2),
		I_EXIT(),
	};

	ASSERT_EQ(run_raw(p, ARRAY_LEN(p), UXDP_ENGINE_INTERP), 0);
	ASSERT_EQ(run_raw(p, ARRAY_LEN(p), UXDP_ENGINE_JIT), 0);
	ASSERT_EQ(run_raw(ok, ARRAY_LEN(ok), UXDP_ENGINE_JIT), 2);
	return UXDP_TEST_PASS;
}

static uint64_t run_xdp(struct uxdp_prog *prog, uint32_t cpu)
{
	UXDP_OPTS(uxdp_exec_opts, eo, .cpu = cpu);
	struct uxdp_exec *ex = uxdp_exec__new(&eo);
	uint8_t frame[512] = { 0 };
	struct uxdp_xdp_buff xdp = {
		.data = frame + 256,
		.data_end = frame + 256 + 64,
		.data_meta = frame + 256,
		.data_hard_start = frame,
		.frame_sz = sizeof(frame),
		.ingress_ifindex = 1,
	};
	uint64_t r0 = uxdp_prog__run(prog, &xdp, 0, ex);

	uxdp_exec__free(ex);
	return r0;
}

/* Inlined lookups: in range (value written), out of range (NULL), per-CPU slot. */
UXDP_TEST(jit_inlined_array_lookups, fast)
{
	UXDP_OPTS(uxdp_map_create_opts, mo, .ncpus = 3);
	struct bpf_insn p[] = {
		/* r6 = 0; for key in {3, 4}: v = lookup(map, key); if v: *v += key+40 else r6 += 1 */
		I_MOV64_IMM(BPF_REG_6, 0),
		I_ST(BPF_W, BPF_REG_10, -4, 3),
		I_LD_MAP(BPF_REG_1, 0),
		I_MOV64_REG(BPF_REG_2, BPF_REG_10),
		I_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		I_CALL(BPF_FUNC_map_lookup_elem),
		I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		I_ST(BPF_DW, BPF_REG_0, 0, 43),
		I_JA(1),
		I_ALU64_IMM(BPF_ADD, BPF_REG_6, 1),
		I_ST(BPF_W, BPF_REG_10, -4, 4),
		I_LD_MAP(BPF_REG_1, 0),
		I_MOV64_REG(BPF_REG_2, BPF_REG_10),
		I_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		I_CALL(BPF_FUNC_map_lookup_elem),
		I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		I_ST(BPF_DW, BPF_REG_0, 0, 44),
		I_JA(1),
		I_ALU64_IMM(BPF_ADD, BPF_REG_6, 1),
		I_MOV64_REG(BPF_REG_0, BPF_REG_6),
		I_EXIT(),
	};

	for (int percpu = 0; percpu < 2; percpu++) {
		struct uxdp_map *map = uxdp_map__create(percpu ? BPF_MAP_TYPE_PERCPU_ARRAY
							       : BPF_MAP_TYPE_ARRAY,
							"arr", 4, 12, 4, &mo);
		struct uxdp_prog *prog;
		uint8_t vals[3 * 16];
		uint32_t key = 3;

		ASSERT_NOT_NULL(map);
		prog = load(p, ARRAY_LEN(p), UXDP_PROG_XDP, UXDP_ENGINE_JIT, &map, 1);
		ASSERT_NOT_NULL(prog);
		ASSERT_EQ(run_xdp(prog, 2), 1); /* key 4 is out of range */
		ASSERT_OK(uxdp_map__lookup_elem(map, &key, vals));
		if (percpu) {
			/* stride 16 per CPU; only CPU 2's slot was written */
			ASSERT_EQ(vals[0], 0);
			ASSERT_EQ(vals[16], 0);
			ASSERT_EQ(vals[32], 43);
		} else {
			ASSERT_EQ(vals[0], 43);
		}
		uxdp_prog__put(prog);
		uxdp_map__put(map);
	}
	return UXDP_TEST_PASS;
}

/* Tail calls: JIT -> JIT, JIT -> interpreter, the 33 limit, from a subprogram. */
static uint64_t tail_scenario(enum uxdp_engine main_engine, enum uxdp_engine target_engine,
			      uint32_t *count)
{
	UXDP_OPTS(uxdp_map_create_opts, mo, .ncpus = 1);
	struct uxdp_map *maps[2];
	struct uxdp_prog *self, *target;
	/* self: count[0] += 1; tail_call(pa, 0) (itself); then r0 = 1000 + subprog() */
	struct bpf_insn selfp[] = {
		I_MOV64_REG(BPF_REG_6, BPF_REG_1),
		I_ST(BPF_W, BPF_REG_10, -4, 0),
		I_LD_MAP(BPF_REG_1, 1),
		I_MOV64_REG(BPF_REG_2, BPF_REG_10),
		I_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		I_CALL(BPF_FUNC_map_lookup_elem),
		I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2),
		I_MOV64_IMM(BPF_REG_1, 1),
		I_ATOMIC(BPF_W, BPF_REG_0, BPF_REG_1, 0, BPF_ADD),
		I_MOV64_REG(BPF_REG_1, BPF_REG_6),
		I_LD_MAP(BPF_REG_2, 0),
		I_MOV64_IMM(BPF_REG_3, 0),
		I_CALL(BPF_FUNC_tail_call),
		I_MOV64_REG(BPF_REG_1, BPF_REG_6),
		I_CALL_LOCAL(2),
		I_ALU64_IMM(BPF_ADD, BPF_REG_0, 1000),
		I_EXIT(),
		/* subprog: tail_call(pa, 1) -> target; fall back: return 5 */
		I_LD_MAP(BPF_REG_2, 0),
		I_MOV64_IMM(BPF_REG_3, 1),
		I_CALL(BPF_FUNC_tail_call),
		I_MOV64_IMM(BPF_REG_0, 5),
		I_EXIT(),
	};
	struct bpf_insn targetp[] = { I_MOV64_IMM(BPF_REG_0, 70), I_EXIT() };
	uint32_t k, id;
	uint64_t r0;

	maps[0] = uxdp_map__create(BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2, &mo);
	maps[1] = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "count", 4, 4, 1, &mo);
	self = load(selfp, ARRAY_LEN(selfp), UXDP_PROG_XDP, main_engine, maps, 2);
	target = load(targetp, ARRAY_LEN(targetp), UXDP_PROG_XDP, target_engine, NULL, 0);
	if (!self || !target)
		return UINT64_MAX;
	k = 0;
	id = uxdp_prog__id(self);
	uxdp_map__update_elem(maps[0], &k, &id, BPF_ANY);
	k = 1;
	id = uxdp_prog__id(target);
	uxdp_map__update_elem(maps[0], &k, &id, BPF_ANY);
	r0 = run_xdp(self, 0);
	k = 0;
	uxdp_map__lookup_elem(maps[1], &k, count);
	/* the array holds a reference to self: clear it before dropping ours */
	k = 0;
	uxdp_map__delete_elem(maps[0], &k);
	k = 1;
	uxdp_map__delete_elem(maps[0], &k);
	uxdp_prog__put(self);
	uxdp_prog__put(target);
	uxdp_map__put(maps[0]);
	uxdp_map__put(maps[1]);
	return r0;
}

UXDP_TEST(jit_tail_calls, fast)
{
	uint32_t ci, cj, cm;

	/* 1 run + 33 tail calls into itself, then the subprogram's tail call is refused */
	ASSERT_EQ(tail_scenario(UXDP_ENGINE_INTERP, UXDP_ENGINE_INTERP, &ci), 1005);
	ASSERT_EQ(ci, 34);
	ASSERT_EQ(tail_scenario(UXDP_ENGINE_JIT, UXDP_ENGINE_JIT, &cj), 1005);
	ASSERT_EQ(cj, 34);
	ASSERT_EQ(tail_scenario(UXDP_ENGINE_JIT, UXDP_ENGINE_INTERP, &cm), 1005);
	ASSERT_EQ(cm, 34);
	return UXDP_TEST_PASS;
}

/* Below the limit, the subprogram's tail call replaces its frame only. */
UXDP_TEST(jit_tail_call_from_subprogram, fast)
{
	UXDP_OPTS(uxdp_map_create_opts, mo, .ncpus = 1);
	struct bpf_insn mainp[] = {
		I_MOV64_IMM(BPF_REG_6, 100),
		I_CALL_LOCAL(2),
		I_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		I_EXIT(),
		I_LD_MAP(BPF_REG_2, 0),
		I_MOV64_IMM(BPF_REG_3, 0),
		I_MOV64_IMM(BPF_REG_6, 1), /* the callee's r6: the caller's survives */
		I_CALL(BPF_FUNC_tail_call),
		I_MOV64_IMM(BPF_REG_0, 5),
		I_EXIT(),
	};
	struct bpf_insn targetp[] = { I_MOV64_IMM(BPF_REG_0, 70), I_EXIT() };

	for (int e = 0; e < 3; e++) {
		enum uxdp_engine me = e == 0 ? UXDP_ENGINE_INTERP : UXDP_ENGINE_JIT;
		enum uxdp_engine te = e == 1 ? UXDP_ENGINE_JIT : UXDP_ENGINE_INTERP;
		struct uxdp_map *pa = uxdp_map__create(BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 1, &mo);
		struct uxdp_prog *m = load(mainp, ARRAY_LEN(mainp), UXDP_PROG_XDP, me, &pa, 1);
		struct uxdp_prog *t = load(targetp, ARRAY_LEN(targetp), UXDP_PROG_XDP, te, NULL, 0);
		uint32_t k = 0, id;

		ASSERT_NOT_NULL(m);
		ASSERT_NOT_NULL(t);
		ASSERT_EQ(run_xdp(m, 0), 105); /* empty slot: the call falls through */
		id = uxdp_prog__id(t);
		ASSERT_OK(uxdp_map__update_elem(pa, &k, &id, BPF_ANY));
		ASSERT_EQ(run_xdp(m, 0), 170);
		uxdp_prog__put(m);
		uxdp_prog__put(t);
		uxdp_map__put(pa);
	}
	return UXDP_TEST_PASS;
}

#else /* the JIT exists only on x86-64: every case above skips */

#define SKIPPED(name)                                                                              \
	UXDP_TEST(name, fast)                                                                      \
	{                                                                                          \
		return UXDP_TEST_SKIP;                                                             \
	}
SKIPPED(jit_is_the_default_engine)
SKIPPED(jit_image_is_never_writable_and_is_freed)
SKIPPED(jit_dump_offsets_cover_the_code)
SKIPPED(jit_long_jumps)
SKIPPED(jit_fixed_register_ops_every_pairing)
SKIPPED(jit_zero_extension_fusion)
SKIPPED(jit_callx_unknown_helper_ends_the_run)
SKIPPED(jit_inlined_array_lookups)
SKIPPED(jit_tail_calls)
SKIPPED(jit_tail_call_from_subprogram)

#endif

/* An explicit JIT request loads on x86-64 and is refused with EOPNOTSUPP elsewhere. */
UXDP_TEST(jit_request_matches_the_architecture, fast)
{
	struct bpf_insn p[] = { I_MOV64_IMM(BPF_REG_0, 1), I_EXIT() };
	UXDP_OPTS(uxdp_prog_load_opts, o, .type = UXDP_PROG_RAW, .engine = UXDP_ENGINE_JIT);
	struct uxdp_prog *prog = uxdp_prog__load(p, ARRAY_LEN(p), &o);

#if defined(__x86_64__)
	ASSERT_NOT_NULL(prog);
	ASSERT_EQ(uxdp_prog__engine(prog), UXDP_ENGINE_JIT);
	uxdp_prog__put(prog);
#else
	ASSERT_NULL(prog);
	ASSERT_EQ(errno, EOPNOTSUPP);
#endif
	return UXDP_TEST_PASS;
}
