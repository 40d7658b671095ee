// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the disassembler (src/vm/disasm.c): exact verifier-log text
 * for every instruction class (v4 forms included), the instruction counts it
 * returns, its handling of invalid and truncated input, and a round trip of
 * the whole conformance set (assemble, then disassemble every instruction).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "uxdp/asm.h"
#include "uxdp/vm.h"

char *uxdp_test_asm_section(const char *path); /* test_asm.c */

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* Disassemble one instruction and compare with the expected text. */
#define DIS(want, c, d, s, o, i)                                                                   \
	do {                                                                                       \
		struct bpf_insn _in = INSN(c, d, s, o, i);                                         \
		char _b[128];                                                                      \
		int _r = uxdp_disasm_insn(&_in, 1, _b, sizeof(_b));                                \
		if (_r != 1)                                                                       \
			UXDP_FAIL_AT("code 0x%02x: returned %d (%s)", (c), _r, _b);                \
		if (strcmp(_b, want))                                                              \
			UXDP_FAIL_AT("code 0x%02x: got '%s', want '%s'", (c), _b, want);           \
	} while (0)

/* Assemble `text` (one instruction) and disassemble it. */
#define ASM_DIS(text, want)                                                                        \
	do {                                                                                       \
		struct bpf_insn *_i = NULL;                                                        \
		size_t _c = 0;                                                                     \
		char _e[128], _b[128];                                                             \
		int _r;                                                                            \
		if (uxdp_asm(text, &_i, &_c, _e, sizeof(_e)))                                      \
			UXDP_FAIL_AT("'%s': %s", text, _e);                                        \
		_r = uxdp_disasm_insn(_i, _c, _b, sizeof(_b));                                     \
		free(_i);                                                                          \
		if (_r != (int)_c)                                                                 \
			UXDP_FAIL_AT("'%s': returned %d for %zu insns", text, _r, _c);             \
		if (strcmp(_b, want))                                                              \
			UXDP_FAIL_AT("'%s': got '%s', want '%s'", text, _b, want);                 \
	} while (0)

UXDP_TEST(disasm_alu, fast)
{
	DIS("r1 += r2", 0x0f, 1, 2, 0, 0);
	DIS("w1 += w2", 0x0c, 1, 2, 0, 0);
	DIS("r0 += -3", 0x07, 0, 0, 0, -3);
	DIS("w3 -= 16", 0x14, 3, 0, 0, 16);
	DIS("r0 *= r1", 0x2f, 0, 1, 0, 0);
	DIS("w0 /= 2", 0x34, 0, 0, 0, 2);
	DIS("r0 |= -1", 0x47, 0, 0, 0, -1);
	DIS("w9 &= w10", 0x5c, 9, 10, 0, 0);
	DIS("r1 <<= 63", 0x67, 1, 0, 0, 63);
	DIS("w1 >>= w2", 0x7c, 1, 2, 0, 0);
	DIS("r4 = -r4", 0x87, 4, 0, 0, 0);
	DIS("w4 = -w4", 0x84, 4, 0, 0, 0);
	DIS("r0 %= 3", 0x97, 0, 0, 0, 3);
	DIS("w0 ^= w1", 0xac, 0, 1, 0, 0);
	DIS("r0 = -1", 0xb7, 0, 0, 0, -1);
	DIS("w0 = -2147483648", 0xb4, 0, 0, 0, INT32_MIN);
	DIS("r1 = r10", 0xbf, 1, 10, 0, 0);
	DIS("r0 s>>= 4", 0xc7, 0, 0, 0, 4);
	DIS("w0 s>>= w1", 0xcc, 0, 1, 0, 0);
	DIS("r1 = be16 r1", 0xdc, 1, 0, 0, 16);
	DIS("r2 = be64 r2", 0xdc, 2, 0, 0, 64);
	DIS("r0 = le32 r0", 0xd4, 0, 0, 0, 32);
	return UXDP_TEST_PASS;
}

UXDP_TEST(disasm_alu_v4, fast)
{
	DIS("r0 s/= r1", 0x3f, 0, 1, 1, 0);
	DIS("w0 s/= -4", 0x34, 0, 0, 1, -4);
	DIS("r1 s%= r2", 0x9f, 1, 2, 1, 0);
	DIS("w0 s%= 4", 0x94, 0, 0, 1, 4);
	DIS("w0 = (s8)w1", 0xbc, 0, 1, 8, 0);
	DIS("w4 = (s16)w3", 0xbc, 4, 3, 16, 0);
	DIS("r6 = (s8)r5", 0xbf, 6, 5, 8, 0);
	DIS("r8 = (s16)r7", 0xbf, 8, 7, 16, 0);
	DIS("r0 = (s32)r9", 0xbf, 0, 9, 32, 0);
	DIS("r0 = bswap16 r0", 0xd7, 0, 0, 0, 16);
	DIS("r3 = bswap64 r3", 0xd7, 3, 0, 0, 64);
	return UXDP_TEST_PASS;
}

UXDP_TEST(disasm_mem, fast)
{
	DIS("r0 = *(u8 *)(r1 +2)", 0x71, 0, 1, 2, 0);
	DIS("r0 = *(u16 *)(r1 +0)", 0x69, 0, 1, 0, 0);
	DIS("r1 = *(u32 *)(r2 +4)", 0x61, 1, 2, 4, 0);
	DIS("r0 = *(u64 *)(r10 -8)", 0x79, 0, 10, -8, 0);
	DIS("r0 = *(s8 *)(r10 -1)", 0x91, 0, 10, -1, 0);
	DIS("r0 = *(s16 *)(r10 -2)", 0x89, 0, 10, -2, 0);
	DIS("r0 = *(s32 *)(r10 -4)", 0x81, 0, 10, -4, 0);
	DIS("*(u8 *)(r10 -1) = 128", 0x72, 10, 0, -1, 0x80);
	DIS("*(u16 *)(r1 +2) = -1", 0x6a, 1, 0, 2, -1);
	DIS("*(u32 *)(r1 +4) = 287454020", 0x62, 1, 0, 4, 0x11223344);
	DIS("*(u64 *)(r1 +32767) = 1", 0x7a, 1, 0, 32767, 1);
	DIS("*(u8 *)(r1 -32768) = r2", 0x73, 1, 2, -32768, 0);
	DIS("*(u16 *)(r1 +0) = r2", 0x6b, 1, 2, 0, 0);
	DIS("*(u32 *)(r1 +4) = r2", 0x63, 1, 2, 4, 0);
	DIS("*(u64 *)(r10 -8) = r1", 0x7b, 10, 1, -8, 0);
	DIS("r0 = *(u16 *)skb[12]", 0x28, 0, 0, 0, 12);
	DIS("r0 = *(u8 *)skb[r3 + 1]", 0x50, 0, 3, 0, 1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(disasm_atomic, fast)
{
	DIS("lock *(u64 *)(r10 -8) += r1", 0xdb, 10, 1, -8, 0x00);
	DIS("lock *(u32 *)(r10 -4) += r1", 0xc3, 10, 1, -4, 0x00);
	DIS("lock *(u64 *)(r1 +8) |= r2", 0xdb, 1, 2, 8, 0x40);
	DIS("lock *(u32 *)(r1 +0) &= r2", 0xc3, 1, 2, 0, 0x50);
	DIS("lock *(u64 *)(r10 -8) ^= r1", 0xdb, 10, 1, -8, 0xa0);
	DIS("r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)", 0xdb, 10, 1, -8, 0x01);
	DIS("r2 = atomic_fetch_or((u32 *)(r1 +0), r2)", 0xc3, 1, 2, 0, 0x41);
	DIS("r3 = atomic_fetch_and((u32 *)(r10 -4), r3)", 0xc3, 10, 3, -4, 0x51);
	DIS("r3 = atomic64_fetch_xor((u64 *)(r10 -8), r3)", 0xdb, 10, 3, -8, 0xa1);
	DIS("r1 = atomic64_xchg((u64 *)(r10 -8), r1)", 0xdb, 10, 1, -8, 0xe1);
	DIS("r1 = atomic_xchg((u32 *)(r10 -8), r1)", 0xc3, 10, 1, -8, 0xe1);
	DIS("r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)", 0xdb, 10, 1, -8, 0xf1);
	DIS("r0 = atomic_cmpxchg((u32 *)(r10 -8), r0, r1)", 0xc3, 10, 1, -8, 0xf1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(disasm_jumps, fast)
{
	const char *name = uxdp_helper_name(1);
	char want[64];

	DIS("if r1 == 0x80000000 goto pc+1", 0x15, 1, 0, 1, INT32_MIN);
	DIS("if w1 == w1 goto pc+1", 0x1e, 1, 1, 1, 0);
	DIS("if r1 > 0x5 goto pc+3", 0x25, 1, 0, 3, 5);
	DIS("if w1 >= w2 goto pc+0", 0x3e, 1, 2, 0, 0);
	DIS("if r1 & 0x1 goto pc+2", 0x45, 1, 0, 2, 1);
	DIS("if w2 != 0xffffff80 goto pc-3", 0x56, 2, 0, -3, -128);
	DIS("if r1 s> 0xffffffff goto pc+1", 0x65, 1, 0, 1, -1);
	DIS("if r1 s>= r2 goto pc+1", 0x7d, 1, 2, 1, 0);
	DIS("if r1 < 0x1 goto pc+1", 0xa5, 1, 0, 1, 1);
	DIS("if w1 <= w2 goto pc+1", 0xbe, 1, 2, 1, 0);
	DIS("if r1 s< 0x1 goto pc+1", 0xc5, 1, 0, 1, 1);
	DIS("if w1 s<= w2 goto pc+32767", 0xde, 1, 2, 32767, 0);
	DIS("goto pc+5", 0x05, 0, 0, 5, 0);
	DIS("goto pc-32768", 0x05, 0, 0, -32768, 0);
	DIS("gotol pc+100000", 0x06, 0, 0, 0, 100000);
	DIS("exit", 0x95, 0, 0, 0, 0);
	DIS("call pc+2", 0x85, 0, 1, 0, 2);
	DIS("call pc-7", 0x85, 0, 1, 0, -7);
	DIS("callx r2", 0x8d, 2, 0, 0, 0);
	DIS("call unknown#999999", 0x85, 0, 0, 0, 999999);
	ASSERT_NOT_NULL(name);
	ASSERT_TRUE(!strcmp(name, "map_lookup_elem"));
	snprintf(want, sizeof(want), "call bpf_%s#1", name);
	DIS(want, 0x85, 0, 0, 0, 1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(disasm_lddw, fast)
{
	struct bpf_insn in[2] = {INSN(0x18, 0, 0, 0, 0x55667788), INSN(0, 0, 0, 0, 0x11223344)};
	char buf[128];

	ASSERT_EQ(uxdp_disasm_insn(in, 2, buf, sizeof(buf)), 2);
	ASSERT_TRUE(!strcmp(buf, "r0 = 0x1122334455667788 ll"));
	in[0] = INSN(0x18, 3, 0, 0, -1);
	in[1] = INSN(0, 0, 0, 0, -1);
	ASSERT_EQ(uxdp_disasm_insn(in, 5, buf, sizeof(buf)), 2);
	ASSERT_TRUE(!strcmp(buf, "r3 = 0xffffffffffffffff ll"));
	in[0] = INSN(0x18, 1, BPF_PSEUDO_MAP_IDX, 0, 2);
	in[1] = INSN(0, 0, 0, 0, 0);
	ASSERT_EQ(uxdp_disasm_insn(in, 2, buf, sizeof(buf)), 2);
	ASSERT_TRUE(!strcmp(buf, "r1 = map[idx:2] ll"));
	in[0] = INSN(0x18, 1, BPF_PSEUDO_MAP_VALUE, 0, 4);
	in[1] = INSN(0, 0, 0, 0, 16);
	ASSERT_EQ(uxdp_disasm_insn(in, 2, buf, sizeof(buf)), 2);
	ASSERT_TRUE(!strcmp(buf, "r1 = map[fd:4][0]+16 ll"));
	in[0] = INSN(0x18, 2, BPF_PSEUDO_FUNC, 0, 7);
	in[1] = INSN(0, 0, 0, 0, 0);
	ASSERT_EQ(uxdp_disasm_insn(in, 2, buf, sizeof(buf)), 2);
	ASSERT_TRUE(!strcmp(buf, "r2 = func pc+7 ll"));
	/* the second half is missing */
	ASSERT_EQ(uxdp_disasm_insn(in, 1, buf, sizeof(buf)), -EINVAL);
	ASSERT_STR_CONTAINS(buf, "second half");
	return UXDP_TEST_PASS;
}

UXDP_TEST(disasm_invalid, fast)
{
	struct bpf_insn in;
	char buf[64];

	in = INSN(0x00, 0, 0, 0, 0); /* lone second half of lddw */
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, sizeof(buf)), -EINVAL);
	ASSERT_STR_CONTAINS(buf, "invalid insn code 0x00");
	in = INSN(0xdb, 10, 1, -8, 0x10); /* atomic sub does not exist */
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, sizeof(buf)), -EINVAL);
	in = INSN(0xd3, 10, 1, -8, 0x00); /* atomic on a byte */
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, sizeof(buf)), -EINVAL);
	in = INSN(0x99, 0, 1, 0, 0); /* ldx with mode MEMSX and size DW */
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, sizeof(buf)), -EINVAL);
	in = INSN(0xe5, 0, 0, 0, 0); /* jump op 0xe0 */
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, sizeof(buf)), -EINVAL);
	in = INSN(0x96, 0, 0, 0, 0); /* exit in JMP32 */
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, sizeof(buf)), -EINVAL);
	in = INSN(0xe7, 0, 0, 0, 0); /* ALU op 0xe0 */
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, sizeof(buf)), -EINVAL);
	ASSERT_EQ(uxdp_disasm_insn(&in, 0, buf, sizeof(buf)), -EINVAL);
	ASSERT_EQ(uxdp_disasm_insn(NULL, 1, buf, sizeof(buf)), -EINVAL);
	/* a small buffer truncates, never overflows */
	in = INSN(0x61, 1, 2, 4, 0);
	memset(buf, 'X', sizeof(buf));
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, buf, 8), 1);
	ASSERT_TRUE(!strcmp(buf, "r1 = *("));
	ASSERT_EQ(buf[8], 'X');
	ASSERT_EQ(uxdp_disasm_insn(&in, 1, NULL, 0), 1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(disasm_from_asm, fast)
{
	ASM_DIS("ldxw %r1, [%r2+4]", "r1 = *(u32 *)(r2 +4)");
	ASM_DIS("jgt %r1, 5, +3", "if r1 > 0x5 goto pc+3");
	ASM_DIS("lock add [%r10-8], %r1", "lock *(u64 *)(r10 -8) += r1");
	ASM_DIS("lock fetch add [%r10-8], %r0", "r0 = atomic64_fetch_add((u64 *)(r10 -8), r0)");
	ASM_DIS("lddw %r0, 0x1122334455667788", "r0 = 0x1122334455667788 ll");
	ASM_DIS("movsx1632 %r4, %r3", "w4 = (s16)w3");
	ASM_DIS("ja32 -1", "gotol pc-1");
	ASM_DIS("call local +4", "call pc+4");
	return UXDP_TEST_PASS;
}

/* Assemble every vector, then disassemble every instruction: nothing may fail. */
UXDP_TEST(disasm_conformance_roundtrip, fast)
{
	const char *dir = UXDP_SOURCE_ROOT "/../shared/conformance/bpf_conformance";
	struct dirent *de;
	DIR *d = opendir(dir);
	int files = 0, insns_seen = 0, failed = 0;

	if (!d) {
		fprintf(stderr, "%s missing: skipping\n", dir);
		return UXDP_TEST_SKIP;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name), cnt = 0, pc;
		char path[4096], err[256], buf[128];
		struct bpf_insn *insns = NULL;
		char *text;

		if (n < 5 || strcmp(de->d_name + n - 5, ".data"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = uxdp_test_asm_section(path);
		if (!text)
			continue;
		if (uxdp_asm(text, &insns, &cnt, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", de->d_name, err);
			failed++;
			free(text);
			continue;
		}
		files++;
		for (pc = 0; pc < cnt;) {
			int r = uxdp_disasm_insn(&insns[pc], cnt - pc, buf, sizeof(buf));

			if (r < 1 || !buf[0]) {
				fprintf(stderr, "%s: insn %zu (code 0x%02x): %d %s\n", de->d_name,
					pc, insns[pc].code, r, buf);
				failed++;
				break;
			}
			insns_seen++;
			pc += r;
		}
		free(insns);
		free(text);
	}
	closedir(d);
	ASSERT_EQ(failed, 0);
	ASSERT_TRUE(files >= 300);
	ASSERT_TRUE(insns_seen > 2500); /* 2599 in the 2026-03 snapshot */
	return UXDP_TEST_PASS;
}
