// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the text assembler (src/vm/asm.c): exact RFC 9669 encodings
 * for every instruction form of the bpf_conformance dialect, label and
 * offset resolution, the range and syntax errors (with their line numbers),
 * and that every `-- asm` section of the conformance vectors assembles.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "uxdp/asm.h"

/* Expected encoding: opcode, dst, src, off, imm. */
struct enc {
	uint8_t code, dst, src;
	int16_t off;
	int32_t imm;
};

/* Assemble `text` (one instruction, two for lddw) and compare with `want`. */
static int check_enc(const char *text, const struct enc *want, size_t n)
{
	struct bpf_insn *insns = NULL;
	char err[256];
	size_t cnt = 0, i;
	int ret = uxdp_asm(text, &insns, &cnt, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "'%s': %s\n", text, err);
		return 1;
	}
	if (cnt != n) {
		fprintf(stderr, "'%s': %zu insns, want %zu\n", text, cnt, n);
		free(insns);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (insns[i].code != want[i].code || insns[i].dst_reg != want[i].dst ||
		    insns[i].src_reg != want[i].src || insns[i].off != want[i].off ||
		    insns[i].imm != want[i].imm) {
			fprintf(stderr,
				"'%s' [%zu]: got code 0x%02x dst %u src %u off %d imm %d, "
				"want 0x%02x %u %u %d %d\n",
				text, i, insns[i].code, insns[i].dst_reg, insns[i].src_reg,
				insns[i].off, insns[i].imm, want[i].code, want[i].dst, want[i].src,
				want[i].off, want[i].imm);
			free(insns);
			return 1;
		}
	}
	free(insns);
	return 0;
}

#define ENC1(text, code, dst, src, off, imm)                                                       \
	do {                                                                                       \
		const struct enc _w[] = {{code, dst, src, off, imm}};                              \
		if (check_enc(text, _w, 1))                                                        \
			UXDP_FAIL_AT("encoding of '%s'", text);                                    \
	} while (0)

/* Assembly must fail with -EINVAL and an error containing `msg`. */
#define ASM_FAILS(text, msg)                                                                       \
	do {                                                                                       \
		struct bpf_insn *_i = NULL;                                                        \
		size_t _c = 0;                                                                     \
		char _e[256];                                                                      \
		int _r = uxdp_asm(text, &_i, &_c, _e, sizeof(_e));                                 \
		if (_r != -EINVAL) {                                                               \
			free(_i);                                                                  \
			UXDP_FAIL_AT("'%s' assembled (ret %d), want -EINVAL", text, _r);           \
		}                                                                                  \
		ASSERT_NULL(_i);                                                                   \
		ASSERT_STR_CONTAINS(_e, msg);                                                      \
	} while (0)

UXDP_TEST(asm_alu_encodings, fast)
{
	ENC1("add %r1, %r2", 0x0f, 1, 2, 0, 0);
	ENC1("add32 %r1, %r2", 0x0c, 1, 2, 0, 0);
	ENC1("add %r1, 5", 0x07, 1, 0, 0, 5);
	ENC1("add32 %r0, -3", 0x04, 0, 0, 0, -3);
	ENC1("sub %r3, 0x10", 0x17, 3, 0, 0, 16);
	ENC1("mul32 %r0, 7", 0x24, 0, 0, 0, 7);
	ENC1("div %r0, %r1", 0x3f, 0, 1, 0, 0);
	ENC1("or %r0, 0xffffffff", 0x47, 0, 0, 0, -1);
	ENC1("and32 %r9, %r10", 0x5c, 9, 10, 0, 0);
	ENC1("lsh %r1, 63", 0x67, 1, 0, 0, 63);
	ENC1("rsh32 %r1, %r2", 0x7c, 1, 2, 0, 0);
	ENC1("neg %r4", 0x87, 4, 0, 0, 0);
	ENC1("neg32 %r4", 0x84, 4, 0, 0, 0);
	ENC1("mod %r0, 3", 0x97, 0, 0, 0, 3);
	ENC1("xor32 %r0, %r1", 0xac, 0, 1, 0, 0);
	ENC1("mov %r0, -1", 0xb7, 0, 0, 0, -1);
	ENC1("mov32 %r0, 0x80000000", 0xb4, 0, 0, 0, INT32_MIN);
	ENC1("mov32 %r0, -2147483648", 0xb4, 0, 0, 0, INT32_MIN);
	ENC1("mov32 %r0, 2147483647", 0xb4, 0, 0, 0, INT32_MAX);
	ENC1("mov %r1, %r10", 0xbf, 1, 10, 0, 0);
	ENC1("arsh %r0, 4", 0xc7, 0, 0, 0, 4);
	ENC1("arsh32 %r0, %r1", 0xcc, 0, 1, 0, 0);
	ENC1("mov r2, r3", 0xbf, 2, 3, 0, 0); /* % is optional */
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_v4_alu_encodings, fast)
{
	/* RFC 9669: signed division and modulo use offset 1 */
	ENC1("sdiv %r0, %r1", 0x3f, 0, 1, 1, 0);
	ENC1("sdiv32 %r0, -4", 0x34, 0, 0, 1, -4);
	ENC1("smod %r1, %r2", 0x9f, 1, 2, 1, 0);
	ENC1("smod32 %r0, 4", 0x94, 0, 0, 1, 4);
	/* movsx: offset = width of the source */
	ENC1("movsx832 %r0, %r1", 0xbc, 0, 1, 8, 0);
	ENC1("movsx1632 %r4, %r3", 0xbc, 4, 3, 16, 0);
	ENC1("movsx864 %r6, %r5", 0xbf, 6, 5, 8, 0);
	ENC1("movsx1664 %r8, %r7", 0xbf, 8, 7, 16, 0);
	ENC1("movsx3264 %r0, %r9", 0xbf, 0, 9, 32, 0);
	/* byte swaps */
	ENC1("be16 %r0", 0xdc, 0, 0, 0, 16);
	ENC1("be32 %r1", 0xdc, 1, 0, 0, 32);
	ENC1("be64 %r2", 0xdc, 2, 0, 0, 64);
	ENC1("le16 %r0", 0xd4, 0, 0, 0, 16);
	ENC1("le64 %r0", 0xd4, 0, 0, 0, 64);
	ENC1("bswap16 %r0", 0xd7, 0, 0, 0, 16);
	ENC1("bswap32 %r0", 0xd7, 0, 0, 0, 32);
	ENC1("bswap64 %r0", 0xd7, 0, 0, 0, 64);
	ENC1("swap64 %r3", 0xd7, 3, 0, 0, 64);
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_mem_encodings, fast)
{
	ENC1("ldxb %r0, [%r1+2]", 0x71, 0, 1, 2, 0);
	ENC1("ldxh %r0, [%r1]", 0x69, 0, 1, 0, 0);
	ENC1("ldxw %r0, [%r1+0x10]", 0x61, 0, 1, 16, 0);
	ENC1("ldxdw %r0, [%r10-8]", 0x79, 0, 10, -8, 0);
	ENC1("ldxdw %r0, [ %r10 - 8 ]", 0x79, 0, 10, -8, 0);
	ENC1("ldxsb %r0, [%r10-1]", 0x91, 0, 10, -1, 0);
	ENC1("ldxsh %r0, [%r10-2]", 0x89, 0, 10, -2, 0);
	ENC1("ldxsw %r0, [%r10-4]", 0x81, 0, 10, -4, 0);
	ENC1("stb [%r10-1], 0x80", 0x72, 10, 0, -1, 0x80);
	ENC1("sth [%r1+2], -1", 0x6a, 1, 0, 2, -1);
	ENC1("stw [%r1+4], 0x11223344", 0x62, 1, 0, 4, 0x11223344);
	ENC1("stdw [%r1+32767], 1", 0x7a, 1, 0, 32767, 1);
	ENC1("stxb [%r1-32768], %r2", 0x73, 1, 2, -32768, 0);
	ENC1("stxh [%r1], %r2", 0x6b, 1, 2, 0, 0);
	ENC1("stxw [%r1+4], %r2", 0x63, 1, 2, 4, 0);
	ENC1("stxdw [%r10-8], %r1", 0x7b, 10, 1, -8, 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_lddw, fast)
{
	const struct enc a[] = {{0x18, 0, 0, 0, 0x55667788}, {0, 0, 0, 0, 0x11223344}};
	const struct enc b[] = {{0x18, 3, 0, 0, -1}, {0, 0, 0, 0, -1}};
	const struct enc c[] = {{0x18, 1, 0, 0, 0}, {0, 0, 0, 0, INT32_MIN}};
	const struct enc d[] = {{0x18, 2, 0, 0, 5}, {0, 0, 0, 0, 0}};

	ASSERT_OK(check_enc("lddw %r0, 0x1122334455667788", a, 2));
	ASSERT_OK(check_enc("lddw %r3, 0xffffffffffffffff", b, 2));
	ASSERT_OK(check_enc("lddw %r3, -1", b, 2));
	ASSERT_OK(check_enc("lddw %r1, 0x8000000000000000", c, 2));
	ASSERT_OK(check_enc("lddw %r1, -9223372036854775808", c, 2));
	ASSERT_OK(check_enc("lddw %r2, 5", d, 2));
	ASM_FAILS("lddw %r0, 0x10000000000000000", "line 1: invalid 64-bit immediate");
	ASM_FAILS("lddw %r0, -9223372036854775809", "out of 64-bit range");
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_atomic_encodings, fast)
{
	ENC1("lock add [%r10-8], %r1", 0xdb, 10, 1, -8, 0x00);
	ENC1("lock add32 [%r10-4], %r1", 0xc3, 10, 1, -4, 0x00);
	ENC1("lock fetch add [%r10-8], %r1", 0xdb, 10, 1, -8, 0x01);
	ENC1("lock or [%r1+8], %r2", 0xdb, 1, 2, 8, 0x40);
	ENC1("lock fetch or32 [%r1], %r2", 0xc3, 1, 2, 0, 0x41);
	ENC1("lock and [%r10-8], %r1", 0xdb, 10, 1, -8, 0x50);
	ENC1("lock fetch and32 [%r10-4], %r3", 0xc3, 10, 3, -4, 0x51);
	ENC1("lock xor [%r10-8], %r1", 0xdb, 10, 1, -8, 0xa0);
	ENC1("lock fetch xor [%r10-8], %r3", 0xdb, 10, 3, -8, 0xa1);
	ENC1("lock xchg [%r10-8], %r1", 0xdb, 10, 1, -8, 0xe1);
	ENC1("lock xchg32 [%r10-8], %r1", 0xc3, 10, 1, -8, 0xe1);
	ENC1("lock cmpxchg [%r10-8], %r1", 0xdb, 10, 1, -8, 0xf1);
	ENC1("lock cmpxchg32 [%r10-8], %r1", 0xc3, 10, 1, -8, 0xf1);
	ASM_FAILS("lock or [%r10-8]", "invalid number of operands for lock");
	ASM_FAILS("lock", "invalid number of operands for lock");
	ASM_FAILS("lock fetch", "invalid number of operands for lock");
	ASM_FAILS("lock sub [%r10-8], %r1", "invalid lock operation 'sub'");
	ASM_FAILS("lock add [%r10-8], 1", "invalid register '1'");
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_jump_encodings, fast)
{
	ENC1("jeq %r1, 0x80000000, +1", 0x15, 1, 0, 1, INT32_MIN);
	ENC1("jeq32 %r1, %r1, +1", 0x1e, 1, 1, 1, 0);
	ENC1("jgt %r1, 5, -1", 0x25, 1, 0, -1, 5);
	ENC1("jge32 %r1, %r2, +0", 0x3e, 1, 2, 0, 0);
	ENC1("jset %r1, 1, +2", 0x45, 1, 0, 2, 1);
	ENC1("jne32 %r2, 0xffffff80, +3", 0x56, 2, 0, 3, -128);
	ENC1("jsgt %r1, -1, +1", 0x65, 1, 0, 1, -1);
	ENC1("jsge %r1, %r2, +1", 0x7d, 1, 2, 1, 0);
	ENC1("jlt %r1, 1, +1", 0xa5, 1, 0, 1, 1);
	ENC1("jle32 %r1, %r2, +1", 0xbe, 1, 2, 1, 0);
	ENC1("jslt %r1, 1, +1", 0xc5, 1, 0, 1, 1);
	ENC1("jsle32 %r1, %r2, +32767", 0xde, 1, 2, 32767, 0);
	ENC1("ja +5", 0x05, 0, 0, 5, 0);
	ENC1("ja -32768", 0x05, 0, 0, -32768, 0);
	ENC1("ja32 +100000", 0x06, 0, 0, 0, 100000);
	ENC1("exit", 0x95, 0, 0, 0, 0);
	ENC1("call 5", 0x85, 0, 0, 0, 5);
	ENC1("call helper 12", 0x85, 0, 0, 0, 12);
	ENC1("call %r2", 0x8d, 2, 0, 0, 0);
	ENC1("call local -1", 0x85, 0, 1, 0, -1);
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_labels, fast)
{
	const char *prog = "# comment line\n"
			   "mov %r0, 0          # trailing comment\n"
			   "start:\n"
			   "jeq %r0, 1, done\n"
			   "ja32 back\n"
			   "lddw %r1, 1\n"
			   "back: add %r0, 1\n"
			   "ja start\n"
			   "done:\n"
			   "call local func\n"
			   "exit\n"
			   "func:\n"
			   "jne %r1, 0, exit\n" /* "exit" is the first exit (pc 8) */
			   "exit\n";
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	char err[128];

	ASSERT_OK(uxdp_asm(prog, &insns, &cnt, err, sizeof(err)));
	ASSERT_EQ(cnt, 11);
	ASSERT_EQ(insns[1].code, 0x15);
	ASSERT_EQ(insns[1].off, 5); /* pc 1 -> done (pc 7) */
	ASSERT_EQ(insns[2].code, 0x06);
	ASSERT_EQ(insns[2].imm, 2); /* pc 2 -> back (pc 5) */
	ASSERT_EQ(insns[2].off, 0);
	ASSERT_EQ(insns[6].off, -6); /* pc 6 -> start (pc 1) */
	ASSERT_EQ(insns[7].src_reg, 1);
	ASSERT_EQ(insns[7].imm, 1);  /* pc 7 -> func (pc 9) */
	ASSERT_EQ(insns[9].off, -2); /* pc 9 -> first exit (pc 8) */
	free(insns);

	/* a label named exit wins over the implicit one */
	ASSERT_OK(uxdp_asm("ja exit\nexit\nexit:\nexit\n", &insns, &cnt, err, sizeof(err)));
	ASSERT_EQ(insns[0].off, 1);
	free(insns);
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_errors, fast)
{
	/* the negative/ vectors of bpf_conformance */
	ASM_FAILS("mov32 %r0, 2147483648\nexit",
		  "line 1: immediate '2147483648' out of 32-bit range");
	ASM_FAILS("mov32 %r0, 0x100000000\nexit", "line 1: immediate '0x100000000' out of 32-bit");
	ASM_FAILS("ja NOT_A_LABEL\nexit", "line 1: unknown label 'NOT_A_LABEL'");
	ASM_FAILS("ldxq %r0, %r1\nexit", "line 1: invalid mnemonic 'ldxq'");
	ASM_FAILS("ldxb %r0, %r1\nexit", "line 1: expected a memory operand");
	ASM_FAILS("ldxb %r0, [%r1+0x10000]\nexit", "line 1: offset '+0x10000' out of 16-bit");
	ASM_FAILS("lddw %r0\nexit", "line 1: 'lddw' takes 2 operands, got 1");
	ASM_FAILS("or %r0, %r50\nexit", "line 1: invalid register '%r50'");
	ASM_FAILS("-- Unknown directive\n", "line 1: unknown directive");
	/* more */
	ASM_FAILS("mov %r0, 1\n\n  exit %r1\n", "line 3: 'exit' takes 0 operands, got 1");
	ASM_FAILS("mov %r11, 1", "invalid register '%r11'");
	ASM_FAILS("mov %r01, 1", "invalid register");
	ASM_FAILS("mov %r0, -2147483649", "out of 32-bit range");
	ASM_FAILS("mov %r0, 12abc", "invalid immediate '12abc'");
	ASM_FAILS("mov %r0, 0x", "invalid immediate");
	ASM_FAILS("add %r0", "'add' takes 2 operands, got 1");
	ASM_FAILS("add %r0, 1, 2", "'add' takes 2 operands, got 3");
	ASM_FAILS("add %r0,", "empty operand");
	ASM_FAILS("neg %r0, 1", "'neg' takes 1 operand, got 2");
	ASM_FAILS("jeq %r0, 1", "'jeq' takes 3 operands");
	ASM_FAILS("jeq %r0, 1, 5", "invalid jump target '5'");
	ASM_FAILS("ja +32768", "offset '+32768' out of 16-bit signed range");
	ASM_FAILS("ldxw %r0, [%r1-32769]", "out of 16-bit signed range");
	ASM_FAILS("stw [%r1], %r2", "invalid immediate '%r2'");
	ASM_FAILS("stxw [%r1], 2", "invalid register '2'");
	ASM_FAILS("call", "'call' takes 1 operand, got 0");
	ASM_FAILS("call remote 1", "invalid call mode 'remote'");
	ASM_FAILS("call local nowhere\nexit", "line 1: unknown label 'nowhere'");
	ASM_FAILS("a:\nexit\na:\nexit", "line 3: duplicate label 'a'");
	ASM_FAILS("1bad:\nexit", "invalid label name '1bad'");
	ASM_FAILS("# nothing\n\n", "no instructions");
	ASM_FAILS("", "no instructions");
	return UXDP_TEST_PASS;
}

UXDP_TEST(asm_no_err_buffer, fast)
{
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;

	ASSERT_EQ(uxdp_asm("bogus", &insns, &cnt, NULL, 0), -EINVAL);
	ASSERT_NULL(insns);
	ASSERT_EQ(uxdp_asm(NULL, &insns, &cnt, NULL, 0), -EINVAL);
	return UXDP_TEST_PASS;
}

/*
 * The text of the `-- asm` section of a conformance vector, or NULL if it has
 * none (shared with test_disasm.c).
 */
char *uxdp_test_asm_section(const char *path);
char *uxdp_test_asm_section(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	char *out = NULL;
	size_t len = 0;
	bool in_asm = false, found = false;

	if (!f)
		return NULL;
	out = calloc(1, 1);
	while (out && fgets(line, sizeof(line), f)) {
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "--", 2)) {
			in_asm = strstr(p, "asm") != NULL;
			found |= in_asm;
			continue;
		}
		if (in_asm) {
			size_t l = strlen(line);
			char *n = realloc(out, len + l + 1);

			if (!n) {
				free(out);
				out = NULL;
				break;
			}
			out = n;
			memcpy(out + len, line, l + 1);
			len += l;
		}
	}
	fclose(f);
	if (!found) {
		free(out);
		return NULL;
	}
	return out;
}

UXDP_TEST(asm_conformance_vectors, fast)
{
	const char *dir = UXDP_SOURCE_ROOT "/../shared/conformance/bpf_conformance";
	struct dirent *de;
	DIR *d = opendir(dir);
	int files = 0, failed = 0;

	if (!d) {
		fprintf(stderr, "%s missing: skipping\n", dir);
		return UXDP_TEST_SKIP;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char path[4096], err[256];
		struct bpf_insn *insns = NULL;
		size_t cnt = 0;
		char *text;

		if (n < 5 || strcmp(de->d_name + n - 5, ".data"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = uxdp_test_asm_section(path);
		if (!text)
			continue;
		files++;
		if (uxdp_asm(text, &insns, &cnt, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", de->d_name, err);
			failed++;
		}
		free(insns);
		free(text);
	}
	closedir(d);
	ASSERT_EQ(failed, 0);
	ASSERT_TRUE(files >= 300);
	return UXDP_TEST_PASS;
}
