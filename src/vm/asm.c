// SPDX-License-Identifier: BSD-2-Clause
/*
 * Text assembler for the bpf_conformance dialect (see include/uxdp/asm.h for
 * the syntax). One pass turns each line into one or two instructions and
 * records label definitions and label uses; a second pass patches the jump
 * offsets and local-call immediates once every label is known. Encodings are
 * the ones of RFC 9669 (sdiv/smod: offset 1; movsx: offset = source width;
 * ja32: offset in imm; sign-extending loads: mode BPF_MEMSX).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uxdp/asm.h"
#include "vm/vm_internal.h"

#define ASM_MAX_OPERANDS 4
#define ASM_LABEL_MAX	 64

/* What an instruction's operands look like; drives parsing and encoding. */
enum asm_kind {
	K_ALU,	 /* dst, src|imm */
	K_NEG,	 /* dst */
	K_END,	 /* dst; width in imm */
	K_MOVSX, /* dst, src; source width in off */
	K_JMP,	 /* dst, src|imm, target */
	K_JA,	 /* target (16-bit offset) */
	K_JA32,	 /* target (32-bit offset in imm) */
	K_EXIT,	 /* no operand */
	K_CALL,	 /* N | local label | %rN */
	K_LDX,	 /* dst, [src+off] */
	K_ST,	 /* [dst+off], imm */
	K_STX,	 /* [dst+off], src */
	K_LDDW,	 /* dst, imm64 */
	K_LOCK,	 /* [fetch] op [dst+off], src */
};

struct asm_op {
	const char *name;
	enum asm_kind kind;
	uint8_t code;
	int16_t off;
	int32_t imm;
};

/* ALU operations: name, opcode, offset (1 selects the signed division forms). */
#define ASM_ALU_OPS(X)                                                                             \
	X(add, BPF_ADD, 0)                                                                         \
	X(sub, BPF_SUB, 0)                                                                         \
	X(mul, BPF_MUL, 0)                                                                         \
	X(div, BPF_DIV, 0)                                                                         \
	X(sdiv, BPF_DIV, 1)                                                                        \
	X(or, BPF_OR, 0)                                                                           \
	X(and, BPF_AND, 0)                                                                         \
	X(lsh, BPF_LSH, 0)                                                                         \
	X(rsh, BPF_RSH, 0)                                                                         \
	X(mod, BPF_MOD, 0)                                                                         \
	X(smod, BPF_MOD, 1)                                                                        \
	X(xor, BPF_XOR, 0)                                                                         \
	X(mov, BPF_MOV, 0)                                                                         \
	X(arsh, BPF_ARSH, 0)

/* Conditional jumps: name, opcode. */
#define ASM_JMP_OPS(X)                                                                             \
	X(jeq, BPF_JEQ)                                                                            \
	X(jgt, BPF_JGT)                                                                            \
	X(jge, BPF_JGE)                                                                            \
	X(jset, BPF_JSET)                                                                          \
	X(jne, BPF_JNE)                                                                            \
	X(jsgt, BPF_JSGT)                                                                          \
	X(jsge, BPF_JSGE)                                                                          \
	X(jlt, BPF_JLT)                                                                            \
	X(jle, BPF_JLE)                                                                            \
	X(jslt, BPF_JSLT)                                                                          \
	X(jsle, BPF_JSLE)

/* Load/store sizes: suffix, BPF size. */
#define ASM_SIZES(X) X(b, BPF_B) X(h, BPF_H) X(w, BPF_W) X(dw, BPF_DW)

#define ASM_ALU_ENTRY(n, op, o)                                                                    \
	{#n, K_ALU, BPF_ALU64 | (op), (o), 0}, {#n "32", K_ALU, BPF_ALU | (op), (o), 0},
#define ASM_JMP_ENTRY(n, op)                                                                       \
	{#n, K_JMP, BPF_JMP | (op), 0, 0}, {#n "32", K_JMP, BPF_JMP32 | (op), 0, 0},
#define ASM_MEM_ENTRY(s, sz)                                                                       \
	{"ldx" #s, K_LDX, BPF_LDX | BPF_MEM | (sz), 0, 0},                                         \
		{"st" #s, K_ST, BPF_ST | BPF_MEM | (sz), 0, 0},                                    \
		{"stx" #s, K_STX, BPF_STX | BPF_MEM | (sz), 0, 0},

static const struct asm_op asm_ops[] = {
	ASM_ALU_OPS(ASM_ALU_ENTRY) ASM_JMP_OPS(ASM_JMP_ENTRY)
		ASM_SIZES(ASM_MEM_ENTRY){"neg", K_NEG, BPF_ALU64 | BPF_NEG, 0, 0},
	{"neg32", K_NEG, BPF_ALU | BPF_NEG, 0, 0},
	{"movsx832", K_MOVSX, BPF_ALU | BPF_MOV | BPF_X, 8, 0},
	{"movsx1632", K_MOVSX, BPF_ALU | BPF_MOV | BPF_X, 16, 0},
	{"movsx864", K_MOVSX, BPF_ALU64 | BPF_MOV | BPF_X, 8, 0},
	{"movsx1664", K_MOVSX, BPF_ALU64 | BPF_MOV | BPF_X, 16, 0},
	{"movsx3264", K_MOVSX, BPF_ALU64 | BPF_MOV | BPF_X, 32, 0},
	{"be16", K_END, BPF_ALU | BPF_END | BPF_TO_BE, 0, 16},
	{"be32", K_END, BPF_ALU | BPF_END | BPF_TO_BE, 0, 32},
	{"be64", K_END, BPF_ALU | BPF_END | BPF_TO_BE, 0, 64},
	{"le16", K_END, BPF_ALU | BPF_END | BPF_TO_LE, 0, 16},
	{"le32", K_END, BPF_ALU | BPF_END | BPF_TO_LE, 0, 32},
	{"le64", K_END, BPF_ALU | BPF_END | BPF_TO_LE, 0, 64},
	{"bswap16", K_END, BPF_ALU64 | BPF_END, 0, 16},
	{"bswap32", K_END, BPF_ALU64 | BPF_END, 0, 32},
	{"bswap64", K_END, BPF_ALU64 | BPF_END, 0, 64},
	{"swap16", K_END, BPF_ALU64 | BPF_END, 0, 16},
	{"swap32", K_END, BPF_ALU64 | BPF_END, 0, 32},
	{"swap64", K_END, BPF_ALU64 | BPF_END, 0, 64},
	{"ja", K_JA, BPF_JMP | BPF_JA, 0, 0},
	{"ja32", K_JA32, BPF_JMP32 | BPF_JA, 0, 0},
	{"exit", K_EXIT, BPF_JMP | BPF_EXIT, 0, 0},
	{"call", K_CALL, BPF_JMP | BPF_CALL, 0, 0},
	{"ldxsb", K_LDX, BPF_LDX | UXDP_MODE_MEMSX | BPF_B, 0, 0},
	{"ldxsh", K_LDX, BPF_LDX | UXDP_MODE_MEMSX | BPF_H, 0, 0},
	{"ldxsw", K_LDX, BPF_LDX | UXDP_MODE_MEMSX | BPF_W, 0, 0},
	{"lddw", K_LDDW, BPF_LD | BPF_IMM | BPF_DW, 0, 0},
	{"lock", K_LOCK, BPF_STX | UXDP_OP_ATOMIC_MODE, 0, 0},
};

/* Atomic operations after `lock`: name, imm, whether `fetch` is implied. */
static const struct {
	const char *name;
	int32_t imm;
	bool always_fetch;
} asm_lock_ops[] = {
	{"add", BPF_ADD, false}, {"or", BPF_OR, false},	   {"and", BPF_AND, false},
	{"xor", BPF_XOR, false}, {"xchg", BPF_XCHG, true}, {"cmpxchg", BPF_CMPXCHG, true},
};

struct asm_label {
	char name[ASM_LABEL_MAX];
	size_t pc;
};

/* A label use waiting for the label table to be complete. */
struct asm_fixup {
	char name[ASM_LABEL_MAX];
	size_t pc;
	int line;
	bool in_imm; /* ja32 and call local keep the offset in imm */
};

struct asm_state {
	struct bpf_insn *insns;
	size_t cnt, cap;
	struct asm_label *labels;
	size_t label_cnt, label_cap;
	struct asm_fixup *fixups;
	size_t fixup_cnt, fixup_cap;
	bool have_exit;
	size_t first_exit;
	int line;
	char *err;
	size_t err_sz;
};

__attribute__((format(printf, 2, 3))) static int asm_err(struct asm_state *st, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!st->err || !st->err_sz)
		return -EINVAL;
	n = snprintf(st->err, st->err_sz, "line %d: ", st->line);
	if (n >= 0 && (size_t)n < st->err_sz) {
		va_start(ap, fmt);
		vsnprintf(st->err + n, st->err_sz - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Grow an array of `*cap` elements of size `elem` so that one more fits. */
static int asm_grow(void **arr, size_t *cap, size_t cnt, size_t elem)
{
	size_t ncap;
	void *p;

	if (cnt < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 32;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int asm_emit(struct asm_state *st, const struct bpf_insn *insn)
{
	if (st->cnt >= UXDP_MAX_INSNS)
		return asm_err(st, "program longer than %d instructions", UXDP_MAX_INSNS);
	if (asm_grow((void **)&st->insns, &st->cap, st->cnt, sizeof(*insn)))
		return -ENOMEM;
	st->insns[st->cnt++] = *insn;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool is_label_name(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_' || *s == '.'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	return true;
}

/*
 * Parse an integer in decimal or hex with an optional sign. *is_hex tells
 * which base it was written in (range rules differ: a hex immediate is a bit
 * pattern, a decimal one a signed value). The magnitude must fit 64 bits.
 */
static bool parse_number(const char *s, bool *neg, uint64_t *mag, bool *is_hex)
{
	char *end;

	*neg = false;
	if (*s == '+' || *s == '-') {
		*neg = *s == '-';
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return false;
	*is_hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (*is_hex && !isxdigit((unsigned char)s[2]))
		return false;
	errno = 0;
	*mag = strtoull(s, &end, *is_hex ? 16 : 10);
	if (errno == ERANGE || *end)
		return false;
	return true;
}

/* 32-bit immediate: signed decimal in [INT32_MIN, INT32_MAX] or hex up to 0xffffffff. */
static int parse_imm32(struct asm_state *st, const char *s, int32_t *out)
{
	bool neg, hex;
	uint64_t mag;

	if (!parse_number(s, &neg, &mag, &hex))
		return asm_err(st, "invalid immediate '%s'", s);
	if (neg) {
		if (mag > (uint64_t)INT32_MAX + 1)
			return asm_err(st, "immediate '%s' out of 32-bit range", s);
		*out = (int32_t)(uint32_t)(0 - mag);
		return 0;
	}
	if (mag > (hex ? (uint64_t)UINT32_MAX : (uint64_t)INT32_MAX))
		return asm_err(st, "immediate '%s' out of 32-bit range", s);
	*out = (int32_t)(uint32_t)mag;
	return 0;
}

/* 64-bit immediate of lddw: any value in [INT64_MIN, UINT64_MAX]. */
static int parse_imm64(struct asm_state *st, const char *s, uint64_t *out)
{
	bool neg, hex;
	uint64_t mag;

	if (!parse_number(s, &neg, &mag, &hex))
		return asm_err(st, "invalid 64-bit immediate '%s'", s);
	if (neg && mag > (uint64_t)INT64_MAX + 1)
		return asm_err(st, "immediate '%s' out of 64-bit range", s);
	*out = neg ? 0 - mag : mag;
	return 0;
}

/* Signed offset that must fit `bits` bits (16 for off, 32 for ja32/call imm). */
static int parse_offset(struct asm_state *st, const char *s, int bits, int64_t *out)
{
	bool neg, hex;
	uint64_t mag;
	uint64_t lim = (uint64_t)1 << (bits - 1);

	if (!parse_number(s, &neg, &mag, &hex))
		return asm_err(st, "invalid offset '%s'", s);
	if (neg ? mag > lim : mag >= lim)
		return asm_err(st, "offset '%s' out of %d-bit signed range", s, bits);
	*out = neg ? -(int64_t)mag : (int64_t)mag;
	return 0;
}

static int parse_reg(struct asm_state *st, const char *s, uint8_t *out)
{
	const char *p = s;
	char *end;
	long n;

	if (*p == '%')
		p++;
	if (*p != 'r' || !isdigit((unsigned char)p[1]))
		return asm_err(st, "invalid register '%s'", s);
	n = strtol(p + 1, &end, 10);
	if (*end || n < 0 || n > 10 || (p[1] == '0' && p[2]))
		return asm_err(st, "invalid register '%s'", s);
	*out = (uint8_t)n;
	return 0;
}

static bool looks_like_reg(const char *s)
{
	return s[0] == '%' || (s[0] == 'r' && isdigit((unsigned char)s[1]));
}

/* `[%rN]`, `[%rN+off]`, `[%rN-off]` (spaces allowed inside the brackets). */
static int parse_mem(struct asm_state *st, const char *s, uint8_t *reg, int16_t *off)
{
	char buf[96], *p, *q, *sign;
	size_t len = strlen(s);
	int64_t v = 0;
	int err;

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 >= sizeof(buf))
		return asm_err(st, "expected a memory operand [%%rN+off], got '%s'", s);
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	p = trim(buf);
	sign = strpbrk(p, "+-");
	if (sign) {
		/* the offset keeps its sign; the register part ends before it */
		char off_buf[48];

		q = sign;
		if (strlen(q) >= sizeof(off_buf))
			return asm_err(st, "invalid offset in '%s'", s);
		/* drop blanks between the sign and the number */
		off_buf[0] = *q++;
		while (isspace((unsigned char)*q))
			q++;
		snprintf(off_buf + 1, sizeof(off_buf) - 1, "%s", q);
		*sign = '\0';
		err = parse_offset(st, trim(off_buf), 16, &v);
		if (err)
			return err;
	}
	err = parse_reg(st, trim(p), reg);
	if (err)
		return err;
	*off = (int16_t)v;
	return 0;
}

/*
 * A jump target: `+N` / `-N` is an offset relative to the next instruction;
 * a name is a label, patched later. bits = 16 (off) or 32 (imm).
 */
static int parse_target(struct asm_state *st, const char *s, int bits, bool in_imm, int64_t *out)
{
	struct asm_fixup *fx;

	*out = 0;
	if (*s == '+' || *s == '-')
		return parse_offset(st, s, bits, out);
	if (!is_label_name(s))
		return asm_err(st, "invalid jump target '%s' (want a label or +N/-N)", s);
	if (strlen(s) >= ASM_LABEL_MAX)
		return asm_err(st, "label '%s' too long", s);
	if (asm_grow((void **)&st->fixups, &st->fixup_cap, st->fixup_cnt, sizeof(*fx)))
		return -ENOMEM;
	fx = &st->fixups[st->fixup_cnt++];
	snprintf(fx->name, sizeof(fx->name), "%s", s);
	fx->pc = st->cnt;
	fx->line = st->line;
	fx->in_imm = in_imm;
	return 0;
}

static int add_label(struct asm_state *st, const char *name)
{
	struct asm_label *lb;
	size_t i;

	if (!is_label_name(name))
		return asm_err(st, "invalid label name '%s'", name);
	if (strlen(name) >= ASM_LABEL_MAX)
		return asm_err(st, "label '%s' too long", name);
	for (i = 0; i < st->label_cnt; i++)
		if (!strcmp(st->labels[i].name, name))
			return asm_err(st, "duplicate label '%s'", name);
	if (asm_grow((void **)&st->labels, &st->label_cap, st->label_cnt, sizeof(*lb)))
		return -ENOMEM;
	lb = &st->labels[st->label_cnt++];
	snprintf(lb->name, sizeof(lb->name), "%s", name);
	lb->pc = st->cnt;
	return 0;
}

static const struct asm_op *find_op(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(asm_ops) / sizeof(asm_ops[0]); i++)
		if (!strcmp(asm_ops[i].name, name))
			return &asm_ops[i];
	return NULL;
}

/* Split "a, b, c" into trimmed operands in place. Returns the count or -EINVAL. */
static int split_operands(struct asm_state *st, char *s, char **ops)
{
	int n = 0;
	char *p;

	s = trim(s);
	if (!*s)
		return 0;
	for (;;) {
		p = strchr(s, ',');
		if (p)
			*p = '\0';
		if (n == ASM_MAX_OPERANDS)
			return asm_err(st, "too many operands");
		ops[n] = trim(s);
		if (!*ops[n])
			return asm_err(st, "empty operand");
		n++;
		if (!p)
			return n;
		s = p + 1;
	}
}

static int want_operands(struct asm_state *st, const char *mn, int got, int want)
{
	if (got != want)
		return asm_err(st, "'%s' takes %d operand%s, got %d", mn, want,
			       want == 1 ? "" : "s", got);
	return 0;
}

/* `lock [fetch] op[32] [%rN+off], %rM` — rest is everything after "lock". */
static int asm_lock(struct asm_state *st, char *rest)
{
	struct bpf_insn insn = {0};
	char *ops[ASM_MAX_OPERANDS], *word, *args, opname[16];
	bool fetch = false, is32;
	uint8_t dst, src;
	size_t i, len;
	int n, err;

	rest = trim(rest);
	if (!strncmp(rest, "fetch", 5) && (isspace((unsigned char)rest[5]) || !rest[5])) {
		fetch = true;
		rest = trim(rest + 5);
	}
	word = rest;
	args = word + strcspn(word, " \t");
	if (*args)
		*args++ = '\0';
	if (!*word)
		return asm_err(st, "invalid number of operands for lock: missing operation");
	len = strlen(word);
	is32 = len > 2 && !strcmp(word + len - 2, "32");
	if (len >= sizeof(opname))
		return asm_err(st, "invalid lock operation '%s'", word);
	snprintf(opname, sizeof(opname), "%.*s", (int)(is32 ? len - 2 : len), word);
	for (i = 0; i < sizeof(asm_lock_ops) / sizeof(asm_lock_ops[0]); i++)
		if (!strcmp(asm_lock_ops[i].name, opname))
			break;
	if (i == sizeof(asm_lock_ops) / sizeof(asm_lock_ops[0]))
		return asm_err(st, "invalid lock operation '%s'", word);
	n = split_operands(st, args, ops);
	if (n < 0)
		return n;
	if (n != 2)
		return asm_err(
			st, "invalid number of operands for lock %s: want [%%rN+off], %%rM, got %d",
			word, n);
	insn.code = BPF_STX | UXDP_OP_ATOMIC_MODE | (is32 ? BPF_W : BPF_DW);
	insn.imm = asm_lock_ops[i].imm | (fetch ? BPF_FETCH : 0);
	err = parse_mem(st, ops[0], &dst, &insn.off);
	if (err)
		return err;
	err = parse_reg(st, ops[1], &src);
	if (err)
		return err;
	insn.dst_reg = dst;
	insn.src_reg = src;
	return asm_emit(st, &insn);
}

/* `call N` (helper), `call local label`, `call helper N`, `call %rN` (callx). */
static int asm_call(struct asm_state *st, char *rest)
{
	struct bpf_insn insn = {.code = BPF_JMP | BPF_CALL};
	char *mode, *arg;
	int64_t off;
	uint8_t dst;
	int err;

	rest = trim(rest);
	if (!*rest)
		return asm_err(st, "'call' takes 1 operand, got 0");
	mode = rest;
	arg = mode + strcspn(mode, " \t");
	if (*arg) {
		*arg++ = '\0';
		arg = trim(arg);
		if (strchr(arg, ' ') || strchr(arg, '\t') || strchr(arg, ','))
			return asm_err(st, "'call' takes 1 operand");
		if (!strcmp(mode, "local")) {
			insn.src_reg = BPF_PSEUDO_CALL;
			err = parse_target(st, arg, 32, true, &off);
			if (err)
				return err;
			insn.imm = (int32_t)off;
			return asm_emit(st, &insn);
		}
		if (!strcmp(mode, "helper")) {
			err = parse_imm32(st, arg, &insn.imm);
			return err ?: asm_emit(st, &insn);
		}
		return asm_err(st, "invalid call mode '%s' (want local or helper)", mode);
	}
	if (strchr(mode, ','))
		return asm_err(st, "'call' takes 1 operand");
	if (looks_like_reg(mode)) {
		/* callx: the register goes in dst_reg, as LLVM encodes it */
		insn.code = BPF_JMP | BPF_CALL | BPF_X;
		err = parse_reg(st, mode, &dst);
		insn.dst_reg = dst;
		return err ?: asm_emit(st, &insn);
	}
	err = parse_imm32(st, mode, &insn.imm);
	return err ?: asm_emit(st, &insn);
}

static int asm_insn(struct asm_state *st, char *mn, char *rest)
{
	const struct asm_op *op = find_op(mn);
	struct bpf_insn insn = {0}, hi = {0};
	char *ops[ASM_MAX_OPERANDS];
	int64_t off;
	uint64_t imm64 = 0;
	uint8_t dst = 0, src = 0;
	int n, err;

	if (!op)
		return asm_err(st, "invalid mnemonic '%s'", mn);
	if (op->kind == K_LOCK)
		return asm_lock(st, rest);
	if (op->kind == K_CALL)
		return asm_call(st, rest);

	n = split_operands(st, rest, ops);
	if (n < 0)
		return n;
	insn.code = op->code;
	insn.off = op->off;
	insn.imm = op->imm;

	switch (op->kind) {
	case K_ALU:
		if ((err = want_operands(st, mn, n, 2)) || (err = parse_reg(st, ops[0], &dst)))
			return err;
		if (looks_like_reg(ops[1])) {
			insn.code |= BPF_X;
			err = parse_reg(st, ops[1], &src);
		} else {
			err = parse_imm32(st, ops[1], &insn.imm);
		}
		break;
	case K_NEG:
	case K_END:
		if ((err = want_operands(st, mn, n, 1)))
			return err;
		err = parse_reg(st, ops[0], &dst);
		break;
	case K_MOVSX:
		if ((err = want_operands(st, mn, n, 2)) || (err = parse_reg(st, ops[0], &dst)))
			return err;
		err = parse_reg(st, ops[1], &src);
		break;
	case K_JMP:
		if ((err = want_operands(st, mn, n, 3)) || (err = parse_reg(st, ops[0], &dst)))
			return err;
		if (looks_like_reg(ops[1])) {
			insn.code |= BPF_X;
			err = parse_reg(st, ops[1], &src);
		} else {
			err = parse_imm32(st, ops[1], &insn.imm);
		}
		if (err)
			return err;
		err = parse_target(st, ops[2], 16, false, &off);
		insn.off = (int16_t)off;
		break;
	case K_JA:
	case K_JA32:
		if ((err = want_operands(st, mn, n, 1)))
			return err;
		err = parse_target(st, ops[0], op->kind == K_JA ? 16 : 32, op->kind == K_JA32,
				   &off);
		if (op->kind == K_JA)
			insn.off = (int16_t)off;
		else
			insn.imm = (int32_t)off;
		break;
	case K_EXIT:
		if ((err = want_operands(st, mn, n, 0)))
			return err;
		if (!st->have_exit) {
			st->have_exit = true;
			st->first_exit = st->cnt;
		}
		break;
	case K_LDX:
		if ((err = want_operands(st, mn, n, 2)) || (err = parse_reg(st, ops[0], &dst)))
			return err;
		err = parse_mem(st, ops[1], &src, &insn.off);
		break;
	case K_ST:
		if ((err = want_operands(st, mn, n, 2)) ||
		    (err = parse_mem(st, ops[0], &dst, &insn.off)))
			return err;
		err = parse_imm32(st, ops[1], &insn.imm);
		break;
	case K_STX:
		if ((err = want_operands(st, mn, n, 2)) ||
		    (err = parse_mem(st, ops[0], &dst, &insn.off)))
			return err;
		err = parse_reg(st, ops[1], &src);
		break;
	case K_LDDW:
		if ((err = want_operands(st, mn, n, 2)) || (err = parse_reg(st, ops[0], &dst)) ||
		    (err = parse_imm64(st, ops[1], &imm64)))
			return err;
		insn.dst_reg = dst;
		insn.imm = (int32_t)(uint32_t)imm64;
		hi.imm = (int32_t)(uint32_t)(imm64 >> 32);
		err = asm_emit(st, &insn);
		return err ?: asm_emit(st, &hi);
	default:
		return asm_err(st, "internal error: unhandled mnemonic '%s'", mn);
	}
	if (err)
		return err;
	insn.dst_reg = dst;
	insn.src_reg = src;
	return asm_emit(st, &insn);
}

static int asm_line(struct asm_state *st, char *line)
{
	char *hash = strchr(line, '#'), *s, *colon, *mn, *rest;

	if (hash)
		*hash = '\0';
	s = trim(line);
	if (!*s)
		return 0;
	if (!strncmp(s, "--", 2))
		return asm_err(st, "unknown directive '%s'", s);
	/* leading "label:" (possibly followed by an instruction) */
	colon = strchr(s, ':');
	if (colon && colon == s + strcspn(s, " \t:")) {
		int err;

		*colon = '\0';
		err = add_label(st, s);
		if (err)
			return err;
		s = trim(colon + 1);
		if (!*s)
			return 0;
	}
	mn = s;
	rest = mn + strcspn(mn, " \t");
	if (*rest)
		*rest++ = '\0';
	return asm_insn(st, mn, rest);
}

static const struct asm_label *find_label(const struct asm_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->label_cnt; i++)
		if (!strcmp(st->labels[i].name, name))
			return &st->labels[i];
	return NULL;
}

static int asm_resolve(struct asm_state *st)
{
	size_t i;

	for (i = 0; i < st->fixup_cnt; i++) {
		const struct asm_fixup *fx = &st->fixups[i];
		const struct asm_label *lb = find_label(st, fx->name);
		struct bpf_insn *insn = &st->insns[fx->pc];
		size_t target;
		int64_t rel;

		st->line = fx->line;
		if (lb)
			target = lb->pc;
		else if (!strcmp(fx->name, "exit") && st->have_exit)
			target = st->first_exit;
		else
			return asm_err(st, "unknown label '%s'", fx->name);
		rel = (int64_t)target - (int64_t)fx->pc - 1;
		if (fx->in_imm) {
			insn->imm = (int32_t)rel;
		} else {
			if (rel < INT16_MIN || rel > INT16_MAX)
				return asm_err(st, "jump to '%s' out of 16-bit range (%lld)",
					       fx->name, (long long)rel);
			insn->off = (int16_t)rel;
		}
	}
	return 0;
}

int uxdp_asm(const char *text, struct bpf_insn **insns, size_t *cnt, char *err, size_t err_sz)
{
	struct asm_state st = {.err = err, .err_sz = err_sz};
	const char *p = text, *nl;
	char *line = NULL;
	size_t line_cap = 0;
	int ret = 0;

	if (err && err_sz)
		err[0] = '\0';
	if (!text || !insns || !cnt) {
		st.line = 0;
		return asm_err(&st, "no program text");
	}
	while (*p) {
		size_t len;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len + 1 > line_cap) {
			char *nb = realloc(line, len + 1);

			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			line = nb;
			line_cap = len + 1;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		st.line++;
		ret = asm_line(&st, line);
		if (ret)
			goto out;
		p += len + (nl ? 1 : 0);
	}
	ret = asm_resolve(&st);
	if (ret)
		goto out;
	if (!st.cnt) {
		st.line = st.line ? st.line : 1;
		ret = asm_err(&st, "no instructions");
		goto out;
	}
	*insns = st.insns;
	*cnt = st.cnt;
	st.insns = NULL;
out:
	if (ret == -ENOMEM && err && err_sz)
		snprintf(err, err_sz, "line %d: out of memory", st.line);
	free(line);
	free(st.insns);
	free(st.labels);
	free(st.fixups);
	return ret;
}
