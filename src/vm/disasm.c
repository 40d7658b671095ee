// SPDX-License-Identifier: BSD-2-Clause
/*
 * Disassembler: one instruction to text in the syntax of the kernel verifier
 * log and `bpftool prog dump xlated` (`r1 = *(u32 *)(r2 +4)`, `w0 += w1`,
 * `if r1 > 0x5 goto pc+3`, `call bpf_map_lookup_elem#1`,
 * `lock *(u64 *)(r10 -8) += r1`, `r0 = atomic64_fetch_add((u64 *)(r10 -8), r0)`),
 * without the "(opcode)" prefix. lddw is written as `r0 = 0x... ll`, as
 * llvm-objdump writes it, so that a 64-bit constant is told from a 32-bit one.
 * Covers the whole of RFC 9669 (v4 included) plus the encodings uxdp loads
 * (pseudo lddw sources, callx); anything else is reported as invalid.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "uxdp/vm.h"
#include "vm/vm_internal.h"

/* ALU operators by BPF_OP() >> 4; NULL where the opcode has its own form. */
static const char *const disasm_alu_ops[16] = {
	[BPF_ADD >> 4] = "+=",	[BPF_SUB >> 4] = "-=",	[BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=",	[BPF_OR >> 4] = "|=",	[BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=", [BPF_MOD >> 4] = "%=",
	[BPF_XOR >> 4] = "^=",	[BPF_MOV >> 4] = "=",	[BPF_ARSH >> 4] = "s>>=",
};

/* Jump conditions by BPF_OP() >> 4. */
static const char *const disasm_jmp_ops[16] = {
	[BPF_JEQ >> 4] = "==",	 [BPF_JGT >> 4] = ">",	  [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&",	 [BPF_JNE >> 4] = "!=",	  [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<",	  [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<",	 [BPF_JSLE >> 4] = "s<=",
};

/* Access types by BPF_SIZE() >> 3. */
static const char *const disasm_sizes[4] = {
	[BPF_W >> 3] = "u32", [BPF_H >> 3] = "u16", [BPF_B >> 3] = "u8", [BPF_DW >> 3] = "u64"};
static const char *const disasm_ssizes[4] = {
	[BPF_W >> 3] = "s32", [BPF_H >> 3] = "s16", [BPF_B >> 3] = "s8", [BPF_DW >> 3] = NULL};

/* Atomic read-modify-write operations by BPF_OP(imm) >> 4. */
static const char *const disasm_atomic_ops[16] = {[BPF_ADD >> 4] = "add",
						  [BPF_OR >> 4] = "or",
						  [BPF_AND >> 4] = "and",
						  [BPF_XOR >> 4] = "xor"};

__attribute__((format(printf, 3, 4))) static int out(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !sz)
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	return 0;
}

static int invalid(char *buf, size_t sz, const struct bpf_insn *insn)
{
	out(buf, sz, "invalid insn code 0x%02x", insn->code);
	return -EINVAL;
}

static int disasm_alu(const struct bpf_insn *insn, char *buf, size_t sz)
{
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64;
	char r = is64 ? 'r' : 'w';
	uint8_t op = BPF_OP(insn->code);
	const char *sym = disasm_alu_ops[op >> 4];

	if (op == BPF_END) {
		if (is64) /* BPF_ALU64 | BPF_END: unconditional swap (v4) */
			return out(buf, sz, "r%d = bswap%d r%d", insn->dst_reg, insn->imm,
				   insn->dst_reg);
		return out(buf, sz, "r%d = %s%d r%d", insn->dst_reg,
			   BPF_SRC(insn->code) == BPF_TO_BE ? "be" : "le", insn->imm,
			   insn->dst_reg);
	}
	if (op == BPF_NEG)
		return out(buf, sz, "%c%d = -%c%d", r, insn->dst_reg, r, insn->dst_reg);
	if (!sym)
		return -EINVAL;
	if ((op == BPF_DIV || op == BPF_MOD) && insn->off == 1)
		sym = op == BPF_DIV ? "s/=" : "s%=";
	if (BPF_SRC(insn->code) == BPF_X) {
		if (op == BPF_MOV && insn->off == 8)
			return out(buf, sz, "%c%d = (s8)%c%d", r, insn->dst_reg, r, insn->src_reg);
		if (op == BPF_MOV && insn->off == 16)
			return out(buf, sz, "%c%d = (s16)%c%d", r, insn->dst_reg, r, insn->src_reg);
		if (op == BPF_MOV && insn->off == 32)
			return out(buf, sz, "%c%d = (s32)%c%d", r, insn->dst_reg, r, insn->src_reg);
		return out(buf, sz, "%c%d %s %c%d", r, insn->dst_reg, sym, r, insn->src_reg);
	}
	return out(buf, sz, "%c%d %s %d", r, insn->dst_reg, sym, insn->imm);
}

static int disasm_call(const struct bpf_insn *insn, char *buf, size_t sz)
{
	const char *name;

	if (BPF_SRC(insn->code) == BPF_X) /* callx: target in dst_reg */
		return out(buf, sz, "callx r%d", insn->dst_reg);
	switch (insn->src_reg) {
	case BPF_PSEUDO_CALL:
		return out(buf, sz, "call pc%+d", insn->imm);
	case BPF_PSEUDO_KFUNC_CALL:
		return out(buf, sz, "call kernel-function#%d", insn->imm);
	default:
		name = uxdp_helper_name(insn->imm);
		if (name)
			return out(buf, sz, "call bpf_%s#%d", name, insn->imm);
		return out(buf, sz, "call unknown#%d", insn->imm);
	}
}

static int disasm_jmp(const struct bpf_insn *insn, char *buf, size_t sz)
{
	bool is32 = BPF_CLASS(insn->code) == BPF_JMP32;
	char r = is32 ? 'w' : 'r';
	uint8_t op = BPF_OP(insn->code);
	const char *sym = disasm_jmp_ops[op >> 4];

	switch (op) {
	case BPF_JA:
		if (is32)
			return out(buf, sz, "gotol pc%+d", insn->imm);
		return out(buf, sz, "goto pc%+d", insn->off);
	case BPF_CALL:
		return is32 ? -EINVAL : disasm_call(insn, buf, sz);
	case BPF_EXIT:
		return is32 ? -EINVAL : out(buf, sz, "exit");
	}
	if (!sym)
		return -EINVAL;
	if (BPF_SRC(insn->code) == BPF_X)
		return out(buf, sz, "if %c%d %s %c%d goto pc%+d", r, insn->dst_reg, sym, r,
			   insn->src_reg, insn->off);
	return out(buf, sz, "if %c%d %s 0x%x goto pc%+d", r, insn->dst_reg, sym,
		   (uint32_t)insn->imm, insn->off);
}

static int disasm_atomic(const struct bpf_insn *insn, char *buf, size_t sz)
{
	const char *size = disasm_sizes[BPF_SIZE(insn->code) >> 3];
	const char *w = BPF_SIZE(insn->code) == BPF_DW ? "64" : "";
	int32_t imm = insn->imm;

	if (BPF_SIZE(insn->code) != BPF_DW && BPF_SIZE(insn->code) != BPF_W)
		return -EINVAL;
	if (imm == BPF_XCHG)
		return out(buf, sz, "r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)", insn->src_reg, w,
			   size, insn->dst_reg, insn->off, insn->src_reg);
	if (imm == BPF_CMPXCHG)
		return out(buf, sz, "r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", w, size,
			   insn->dst_reg, insn->off, insn->src_reg);
	if (imm & ~(0xf0 | BPF_FETCH) || !disasm_atomic_ops[(imm & 0xf0) >> 4])
		return -EINVAL;
	if (imm & BPF_FETCH)
		return out(buf, sz, "r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)", insn->src_reg,
			   w, disasm_atomic_ops[(imm & 0xf0) >> 4], size, insn->dst_reg, insn->off,
			   insn->src_reg);
	return out(buf, sz, "lock *(%s *)(r%d %+d) %s r%d", size, insn->dst_reg, insn->off,
		   disasm_alu_ops[(imm & 0xf0) >> 4], insn->src_reg);
}

static int disasm_lddw(const struct bpf_insn *insn, size_t remaining, char *buf, size_t sz)
{
	uint64_t imm;

	if (remaining < 2) {
		out(buf, sz, "lddw without its second half");
		return -EINVAL;
	}
	imm = ((uint64_t)(uint32_t)insn[1].imm << 32) | (uint32_t)insn[0].imm;
	switch (insn->src_reg) {
	case 0:
		out(buf, sz, "r%d = 0x%llx ll", insn->dst_reg, (unsigned long long)imm);
		break;
	case BPF_PSEUDO_MAP_FD:
		out(buf, sz, "r%d = map[fd:%d] ll", insn->dst_reg, insn[0].imm);
		break;
	case BPF_PSEUDO_MAP_IDX:
		out(buf, sz, "r%d = map[idx:%d] ll", insn->dst_reg, insn[0].imm);
		break;
	case BPF_PSEUDO_MAP_VALUE:
		out(buf, sz, "r%d = map[fd:%d][0]+%u ll", insn->dst_reg, insn[0].imm,
		    (uint32_t)insn[1].imm);
		break;
	case BPF_PSEUDO_MAP_IDX_VALUE:
		out(buf, sz, "r%d = map[idx:%d][0]+%u ll", insn->dst_reg, insn[0].imm,
		    (uint32_t)insn[1].imm);
		break;
	case BPF_PSEUDO_BTF_ID:
		out(buf, sz, "r%d = btf_id[%d] ll", insn->dst_reg, insn[0].imm);
		break;
	case BPF_PSEUDO_FUNC:
		out(buf, sz, "r%d = func pc%+d ll", insn->dst_reg, insn[0].imm);
		break;
	default:
		out(buf, sz, "lddw with invalid src_reg %d", insn->src_reg);
		return -EINVAL;
	}
	return 2;
}

int uxdp_disasm_insn(const struct bpf_insn *insn, size_t remaining, char *buf, size_t buf_sz)
{
	uint8_t code;
	int ret = -EINVAL;

	if (buf && buf_sz)
		buf[0] = '\0';
	if (!insn || !remaining)
		return -EINVAL;
	code = insn->code;
	switch (BPF_CLASS(code)) {
	case BPF_ALU:
	case BPF_ALU64:
		ret = disasm_alu(insn, buf, buf_sz);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		ret = disasm_jmp(insn, buf, buf_sz);
		break;
	case BPF_LDX:
		if (BPF_MODE(code) == BPF_MEM)
			ret = out(buf, buf_sz, "r%d = *(%s *)(r%d %+d)", insn->dst_reg,
				  disasm_sizes[BPF_SIZE(code) >> 3], insn->src_reg, insn->off);
		else if (BPF_MODE(code) == UXDP_MODE_MEMSX && disasm_ssizes[BPF_SIZE(code) >> 3])
			ret = out(buf, buf_sz, "r%d = *(%s *)(r%d %+d)", insn->dst_reg,
				  disasm_ssizes[BPF_SIZE(code) >> 3], insn->src_reg, insn->off);
		break;
	case BPF_ST:
		if (BPF_MODE(code) == BPF_MEM)
			ret = out(buf, buf_sz, "*(%s *)(r%d %+d) = %d",
				  disasm_sizes[BPF_SIZE(code) >> 3], insn->dst_reg, insn->off,
				  insn->imm);
		break;
	case BPF_STX:
		if (BPF_MODE(code) == BPF_MEM)
			ret = out(buf, buf_sz, "*(%s *)(r%d %+d) = r%d",
				  disasm_sizes[BPF_SIZE(code) >> 3], insn->dst_reg, insn->off,
				  insn->src_reg);
		else if (BPF_MODE(code) == UXDP_OP_ATOMIC_MODE)
			ret = disasm_atomic(insn, buf, buf_sz);
		break;
	case BPF_LD:
		if (code == (BPF_LD | BPF_IMM | BPF_DW))
			return disasm_lddw(insn, remaining, buf, buf_sz);
		if (BPF_MODE(code) == BPF_ABS)
			ret = out(buf, buf_sz, "r0 = *(%s *)skb[%d]",
				  disasm_sizes[BPF_SIZE(code) >> 3], insn->imm);
		else if (BPF_MODE(code) == BPF_IND)
			ret = out(buf, buf_sz, "r0 = *(%s *)skb[r%d + %d]",
				  disasm_sizes[BPF_SIZE(code) >> 3], insn->src_reg, insn->imm);
		break;
	}
	if (ret < 0)
		return invalid(buf, buf_sz, insn);
	return 1;
}
