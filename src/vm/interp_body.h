/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The interpreter's execution loop, included twice by interp.c: once as the
 * fast engine and once with an executed-instruction counter (INTERP_TICK),
 * for benchmarks and tests that need instruction counts. The includer
 * defines INTERP_FN (the function name), INTERP_CODE (the uxdp_prog field
 * holding this variant's pre-decoded code) and INTERP_TICK.
 */
/*
 * Run from entry (NULL: the program start, r1 = ctx, r2 = ctx_len) or, for a
 * callback, from a subprogram with r1..r5 = args in a new frame. Called once
 * with tables != NULL to publish the handler addresses.
 */
static uint64_t INTERP_FN(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len, struct uxdp_exec *ex,
		    const struct slot *entry, uint64_t *args, const void ***tables)
{
	static const void *ops[256];
	static const void *special[OP_SPECIAL_CNT];
	struct frame frames[UXDP_MAX_CALL_DEPTH];
	uint64_t r[11];
	const struct slot *ip;
	uint32_t depth, base_depth;

	if (tables) {
#define ALU_BOTH(OPC, NAME)                                                                        \
	ops[BPF_ALU64 | OPC | BPF_K] = &&NAME##64_K;                                               \
	ops[BPF_ALU64 | OPC | BPF_X] = &&NAME##64_X;                                               \
	ops[BPF_ALU | OPC | BPF_K] = &&NAME##32_K;                                                 \
	ops[BPF_ALU | OPC | BPF_X] = &&NAME##32_X;
		ALU_BOTH(BPF_ADD, ADD)
		ALU_BOTH(BPF_SUB, SUB)
		ALU_BOTH(BPF_MUL, MUL)
		ALU_BOTH(BPF_DIV, DIV)
		ALU_BOTH(BPF_OR, OR)
		ALU_BOTH(BPF_AND, AND)
		ALU_BOTH(BPF_LSH, LSH)
		ALU_BOTH(BPF_RSH, RSH)
		ALU_BOTH(BPF_MOD, MOD)
		ALU_BOTH(BPF_XOR, XOR)
		ALU_BOTH(BPF_MOV, MOV)
		ALU_BOTH(BPF_ARSH, ARSH)
		ops[BPF_ALU64 | BPF_NEG] = &&NEG64;
		ops[BPF_ALU | BPF_NEG] = &&NEG32;
#define JMP_BOTH(OPC, NAME)                                                                        \
	ops[BPF_JMP | OPC | BPF_K] = &&NAME##64_K;                                                 \
	ops[BPF_JMP | OPC | BPF_X] = &&NAME##64_X;                                                 \
	ops[BPF_JMP32 | OPC | BPF_K] = &&NAME##32_K;                                               \
	ops[BPF_JMP32 | OPC | BPF_X] = &&NAME##32_X;
		JMP_BOTH(BPF_JEQ, JEQ)
		JMP_BOTH(BPF_JNE, JNE)
		JMP_BOTH(BPF_JGT, JGT)
		JMP_BOTH(BPF_JGE, JGE)
		JMP_BOTH(BPF_JLT, JLT)
		JMP_BOTH(BPF_JLE, JLE)
		JMP_BOTH(BPF_JSGT, JSGT)
		JMP_BOTH(BPF_JSGE, JSGE)
		JMP_BOTH(BPF_JSLT, JSLT)
		JMP_BOTH(BPF_JSLE, JSLE)
		JMP_BOTH(BPF_JSET, JSET)
		ops[BPF_JMP | BPF_JA] = &&JA;
		ops[BPF_LDX | BPF_MEM | BPF_B] = &&LDX_B;
		ops[BPF_LDX | BPF_MEM | BPF_H] = &&LDX_H;
		ops[BPF_LDX | BPF_MEM | BPF_W] = &&LDX_W;
		ops[BPF_LDX | BPF_MEM | BPF_DW] = &&LDX_DW;
		ops[BPF_LDX | UXDP_MODE_MEMSX | BPF_B] = &&LDXSX_B;
		ops[BPF_LDX | UXDP_MODE_MEMSX | BPF_H] = &&LDXSX_H;
		ops[BPF_LDX | UXDP_MODE_MEMSX | BPF_W] = &&LDXSX_W;
		ops[BPF_ST | BPF_MEM | BPF_B] = &&ST_B;
		ops[BPF_ST | BPF_MEM | BPF_H] = &&ST_H;
		ops[BPF_ST | BPF_MEM | BPF_W] = &&ST_W;
		ops[BPF_ST | BPF_MEM | BPF_DW] = &&ST_DW;
		ops[BPF_STX | BPF_MEM | BPF_B] = &&STX_B;
		ops[BPF_STX | BPF_MEM | BPF_H] = &&STX_H;
		ops[BPF_STX | BPF_MEM | BPF_W] = &&STX_W;
		ops[BPF_STX | BPF_MEM | BPF_DW] = &&STX_DW;

		special[OP_INVALID] = &&INVALID;
		special[OP_LDDW] = &&LDDW;
		special[OP_CALL_HELPER] = &&CALL_HELPER;
		special[OP_CALL_LOCAL] = &&CALL_LOCAL;
		special[OP_CALLX] = &&CALLX;
		special[OP_TAIL_CALL] = &&TAIL_CALL;
		special[OP_EXIT] = &&EXIT;
		special[OP_JA32] = &&JA32;
		special[OP_SDIV64_K] = &&SDIV64_K;
		special[OP_SDIV64_X] = &&SDIV64_X;
		special[OP_SMOD64_K] = &&SMOD64_K;
		special[OP_SMOD64_X] = &&SMOD64_X;
		special[OP_SDIV32_K] = &&SDIV32_K;
		special[OP_SDIV32_X] = &&SDIV32_X;
		special[OP_SMOD32_K] = &&SMOD32_K;
		special[OP_SMOD32_X] = &&SMOD32_X;
		special[OP_MOVSX64_8] = &&MOVSX64_8;
		special[OP_MOVSX64_16] = &&MOVSX64_16;
		special[OP_MOVSX64_32] = &&MOVSX64_32;
		special[OP_MOVSX32_8] = &&MOVSX32_8;
		special[OP_MOVSX32_16] = &&MOVSX32_16;
		special[OP_ATOMIC32] = &&ATOMIC32;
		special[OP_ATOMIC64] = &&ATOMIC64;
		special[OP_BSWAP16] = &&BSWAP16;
		special[OP_BSWAP32] = &&BSWAP32;
		special[OP_BSWAP64] = &&BSWAP64;
		special[OP_LE16] = &&LE16;
		special[OP_LE32] = &&LE32;
		special[OP_LE64] = &&LE64;
		special[OP_BE16] = &&BE16;
		special[OP_BE32] = &&BE32;
		special[OP_BE64] = &&BE64;
		special[OP_LDX_W_MAYBE_CTX] = &&LDX_W_MAYBE_CTX;
		special[OP_POISON] = &&POISON;
		tables[0] = ops;
		tables[1] = special;
		return 0;
	}

	const struct uxdp_prog *saved_prog = ex->cur_prog;

	base_depth = ex->depth;
	depth = base_depth;
	if (depth >= UXDP_MAX_CALL_DEPTH)
		return 0; /* a callback nested deeper than any frame allows */
	ex->cur_prog = prog;
	memset(r, 0, sizeof(r));
	r[10] = (uint64_t)(uintptr_t)(ex->stack + sizeof(ex->stack) - depth * UXDP_STACK_SIZE);
	if (entry) {
		r[1] = args[0];
		r[2] = args[1];
		r[3] = args[2];
		r[4] = args[3];
		r[5] = args[4];
		ip = entry;
	} else {
		r[1] = (uint64_t)(uintptr_t)ctx;
		r[2] = ctx_len;
		ip = prog->INTERP_CODE->slots;
	}
	ex->depth = depth + 1;

#define DST r[ip->dst]
#define SRC r[ip->src]
#define IMM ((int64_t)ip->imm)
#define NEXT                                                                                       \
	do {                                                                                       \
		INTERP_TICK;                                                                       \
		ip++;                                                                              \
		goto *ip->op;                                                                      \
	} while (0)
#define JUMP_IF(c)                                                                                 \
	do {                                                                                       \
		if (c) {                                                                           \
			INTERP_TICK;                                                               \
			ip = ip->aux.target;                                                       \
			goto *ip->op;                                                              \
		}                                                                                  \
		NEXT;                                                                              \
	} while (0)
#define ADDR ((uintptr_t)(DST + (int64_t)ip->off))
#define SADDR ((uintptr_t)(SRC + (int64_t)ip->off))

	goto *ip->op;

	/* ALU64 */
ADD64_K:
	DST += IMM;
	NEXT;
ADD64_X:
	DST += SRC;
	NEXT;
SUB64_K:
	DST -= IMM;
	NEXT;
SUB64_X:
	DST -= SRC;
	NEXT;
MUL64_K:
	DST *= IMM;
	NEXT;
MUL64_X:
	DST *= SRC;
	NEXT;
DIV64_K:
	DST = DST / (uint64_t)IMM;
	NEXT;
DIV64_X:
	DST = SRC ? DST / SRC : 0;
	NEXT;
OR64_K:
	DST |= IMM;
	NEXT;
OR64_X:
	DST |= SRC;
	NEXT;
AND64_K:
	DST &= IMM;
	NEXT;
AND64_X:
	DST &= SRC;
	NEXT;
LSH64_K:
	DST <<= ip->imm;
	NEXT;
LSH64_X:
	DST <<= (SRC & 63);
	NEXT;
RSH64_K:
	DST >>= ip->imm;
	NEXT;
RSH64_X:
	DST >>= (SRC & 63);
	NEXT;
MOD64_K:
	DST = DST % (uint64_t)IMM;
	NEXT;
MOD64_X:
	DST = SRC ? DST % SRC : DST;
	NEXT;
XOR64_K:
	DST ^= IMM;
	NEXT;
XOR64_X:
	DST ^= SRC;
	NEXT;
MOV64_K:
	DST = IMM;
	NEXT;
MOV64_X:
	DST = SRC;
	NEXT;
ARSH64_K:
	DST = (uint64_t)((int64_t)DST >> ip->imm);
	NEXT;
ARSH64_X:
	DST = (uint64_t)((int64_t)DST >> (SRC & 63));
	NEXT;
NEG64:
	DST = -DST;
	NEXT;
SDIV64_K:
	if (ip->imm == -1)
		DST = -DST; /* INT64_MIN / -1 wraps to INT64_MIN */
	else
		DST = (uint64_t)((int64_t)DST / IMM);
	NEXT;
SDIV64_X:
	if (SRC == 0)
		DST = 0;
	else if ((int64_t)SRC == -1)
		DST = -DST;
	else
		DST = (uint64_t)((int64_t)DST / (int64_t)SRC);
	NEXT;
SMOD64_K:
	if (ip->imm == -1)
		DST = 0;
	else
		DST = (uint64_t)((int64_t)DST % IMM);
	NEXT;
SMOD64_X:
	if (SRC == 0)
		;
	else if ((int64_t)SRC == -1)
		DST = 0;
	else
		DST = (uint64_t)((int64_t)DST % (int64_t)SRC);
	NEXT;
MOVSX64_8:
	DST = (uint64_t)(int64_t)(int8_t)SRC;
	NEXT;
MOVSX64_16:
	DST = (uint64_t)(int64_t)(int16_t)SRC;
	NEXT;
MOVSX64_32:
	DST = (uint64_t)(int64_t)(int32_t)SRC;
	NEXT;

	/* ALU (32-bit, results zero-extended) */
ADD32_K:
	DST = (uint32_t)(DST + ip->imm);
	NEXT;
ADD32_X:
	DST = (uint32_t)(DST + SRC);
	NEXT;
SUB32_K:
	DST = (uint32_t)(DST - ip->imm);
	NEXT;
SUB32_X:
	DST = (uint32_t)(DST - SRC);
	NEXT;
MUL32_K:
	DST = (uint32_t)((uint32_t)DST * (uint32_t)ip->imm);
	NEXT;
MUL32_X:
	DST = (uint32_t)((uint32_t)DST * (uint32_t)SRC);
	NEXT;
DIV32_K:
	DST = (uint32_t)DST / (uint32_t)ip->imm;
	NEXT;
DIV32_X:
	DST = (uint32_t)SRC ? (uint32_t)DST / (uint32_t)SRC : 0;
	NEXT;
OR32_K:
	DST = (uint32_t)(DST | (uint32_t)ip->imm);
	NEXT;
OR32_X:
	DST = (uint32_t)(DST | SRC);
	NEXT;
AND32_K:
	DST = (uint32_t)(DST & (uint32_t)ip->imm);
	NEXT;
AND32_X:
	DST = (uint32_t)(DST & SRC);
	NEXT;
LSH32_K:
	DST = (uint32_t)((uint32_t)DST << ip->imm);
	NEXT;
LSH32_X:
	DST = (uint32_t)((uint32_t)DST << (SRC & 31));
	NEXT;
RSH32_K:
	DST = (uint32_t)DST >> ip->imm;
	NEXT;
RSH32_X:
	DST = (uint32_t)DST >> (SRC & 31);
	NEXT;
MOD32_K:
	DST = (uint32_t)DST % (uint32_t)ip->imm;
	NEXT;
MOD32_X:
	DST = (uint32_t)SRC ? (uint32_t)DST % (uint32_t)SRC : (uint32_t)DST;
	NEXT;
XOR32_K:
	DST = (uint32_t)(DST ^ (uint32_t)ip->imm);
	NEXT;
XOR32_X:
	DST = (uint32_t)(DST ^ SRC);
	NEXT;
MOV32_K:
	DST = (uint32_t)ip->imm;
	NEXT;
MOV32_X:
	DST = (uint32_t)SRC;
	NEXT;
ARSH32_K:
	DST = (uint32_t)((int32_t)DST >> ip->imm);
	NEXT;
ARSH32_X:
	DST = (uint32_t)((int32_t)DST >> (SRC & 31));
	NEXT;
NEG32:
	DST = (uint32_t)-(uint32_t)DST;
	NEXT;
SDIV32_K:
	if (ip->imm == -1)
		DST = (uint32_t)-(uint32_t)DST;
	else
		DST = (uint32_t)((int32_t)DST / ip->imm);
	NEXT;
SDIV32_X:
	if ((uint32_t)SRC == 0)
		DST = 0;
	else if ((int32_t)SRC == -1)
		DST = (uint32_t)-(uint32_t)DST;
	else
		DST = (uint32_t)((int32_t)DST / (int32_t)SRC);
	NEXT;
SMOD32_K:
	if (ip->imm == -1)
		DST = 0;
	else
		DST = (uint32_t)((int32_t)DST % ip->imm);
	NEXT;
SMOD32_X:
	if ((uint32_t)SRC == 0)
		DST = (uint32_t)DST;
	else if ((int32_t)SRC == -1)
		DST = 0;
	else
		DST = (uint32_t)((int32_t)DST % (int32_t)SRC);
	NEXT;
MOVSX32_8:
	DST = (uint32_t)(int32_t)(int8_t)SRC;
	NEXT;
MOVSX32_16:
	DST = (uint32_t)(int32_t)(int16_t)SRC;
	NEXT;

	/* byte order (host is little-endian) */
LE16:
	DST = (uint16_t)DST;
	NEXT;
LE32:
	DST = (uint32_t)DST;
	NEXT;
LE64:
	NEXT;
BE16:
BSWAP16:
	DST = bswap16(DST);
	NEXT;
BE32:
BSWAP32:
	DST = __builtin_bswap32((uint32_t)DST);
	NEXT;
BE64:
BSWAP64:
	DST = __builtin_bswap64(DST);
	NEXT;

	/* jumps */
JA:
	INTERP_TICK;
	ip = ip->aux.target;
	goto *ip->op;
JA32:
	INTERP_TICK;
	ip = ip->aux.target;
	goto *ip->op;
JEQ64_K:
	JUMP_IF(DST == (uint64_t)IMM);
JEQ64_X:
	JUMP_IF(DST == SRC);
JNE64_K:
	JUMP_IF(DST != (uint64_t)IMM);
JNE64_X:
	JUMP_IF(DST != SRC);
JGT64_K:
	JUMP_IF(DST > (uint64_t)IMM);
JGT64_X:
	JUMP_IF(DST > SRC);
JGE64_K:
	JUMP_IF(DST >= (uint64_t)IMM);
JGE64_X:
	JUMP_IF(DST >= SRC);
JLT64_K:
	JUMP_IF(DST < (uint64_t)IMM);
JLT64_X:
	JUMP_IF(DST < SRC);
JLE64_K:
	JUMP_IF(DST <= (uint64_t)IMM);
JLE64_X:
	JUMP_IF(DST <= SRC);
JSGT64_K:
	JUMP_IF((int64_t)DST > IMM);
JSGT64_X:
	JUMP_IF((int64_t)DST > (int64_t)SRC);
JSGE64_K:
	JUMP_IF((int64_t)DST >= IMM);
JSGE64_X:
	JUMP_IF((int64_t)DST >= (int64_t)SRC);
JSLT64_K:
	JUMP_IF((int64_t)DST < IMM);
JSLT64_X:
	JUMP_IF((int64_t)DST < (int64_t)SRC);
JSLE64_K:
	JUMP_IF((int64_t)DST <= IMM);
JSLE64_X:
	JUMP_IF((int64_t)DST <= (int64_t)SRC);
JSET64_K:
	JUMP_IF(DST & (uint64_t)IMM);
JSET64_X:
	JUMP_IF(DST & SRC);
JEQ32_K:
	JUMP_IF((uint32_t)DST == (uint32_t)ip->imm);
JEQ32_X:
	JUMP_IF((uint32_t)DST == (uint32_t)SRC);
JNE32_K:
	JUMP_IF((uint32_t)DST != (uint32_t)ip->imm);
JNE32_X:
	JUMP_IF((uint32_t)DST != (uint32_t)SRC);
JGT32_K:
	JUMP_IF((uint32_t)DST > (uint32_t)ip->imm);
JGT32_X:
	JUMP_IF((uint32_t)DST > (uint32_t)SRC);
JGE32_K:
	JUMP_IF((uint32_t)DST >= (uint32_t)ip->imm);
JGE32_X:
	JUMP_IF((uint32_t)DST >= (uint32_t)SRC);
JLT32_K:
	JUMP_IF((uint32_t)DST < (uint32_t)ip->imm);
JLT32_X:
	JUMP_IF((uint32_t)DST < (uint32_t)SRC);
JLE32_K:
	JUMP_IF((uint32_t)DST <= (uint32_t)ip->imm);
JLE32_X:
	JUMP_IF((uint32_t)DST <= (uint32_t)SRC);
JSGT32_K:
	JUMP_IF((int32_t)DST > ip->imm);
JSGT32_X:
	JUMP_IF((int32_t)DST > (int32_t)SRC);
JSGE32_K:
	JUMP_IF((int32_t)DST >= ip->imm);
JSGE32_X:
	JUMP_IF((int32_t)DST >= (int32_t)SRC);
JSLT32_K:
	JUMP_IF((int32_t)DST < ip->imm);
JSLT32_X:
	JUMP_IF((int32_t)DST < (int32_t)SRC);
JSLE32_K:
	JUMP_IF((int32_t)DST <= ip->imm);
JSLE32_X:
	JUMP_IF((int32_t)DST <= (int32_t)SRC);
JSET32_K:
	JUMP_IF((uint32_t)DST & (uint32_t)ip->imm);
JSET32_X:
	JUMP_IF((uint32_t)DST & (uint32_t)SRC);

	/* memory */
LDX_B:
	DST = *(u8_ua *)SADDR;
	NEXT;
LDX_H:
	DST = *(u16_ua *)SADDR;
	NEXT;
LDX_W:
	DST = *(u32_ua *)SADDR;
	NEXT;
LDX_DW:
	DST = *(u64_ua *)SADDR;
	NEXT;
LDX_W_MAYBE_CTX : {
	uintptr_t a = SADDR, c = (uintptr_t)ex->ctx;

	if (a - c < sizeof(struct xdp_md))
		DST = uxdp_xdp_md_read(ex->ctx, (uint32_t)(a - c));
	else
		DST = *(u32_ua *)a;
	NEXT;
}
LDXSX_B:
	DST = (uint64_t)(int64_t) * (s8_ua *)SADDR;
	NEXT;
LDXSX_H:
	DST = (uint64_t)(int64_t) * (s16_ua *)SADDR;
	NEXT;
LDXSX_W:
	DST = (uint64_t)(int64_t) * (s32_ua *)SADDR;
	NEXT;
ST_B:
	*(u8_ua *)ADDR = (uint8_t)ip->imm;
	NEXT;
ST_H:
	*(u16_ua *)ADDR = (uint16_t)ip->imm;
	NEXT;
ST_W:
	*(u32_ua *)ADDR = (uint32_t)ip->imm;
	NEXT;
ST_DW:
	*(u64_ua *)ADDR = (uint64_t)IMM;
	NEXT;
STX_B:
	*(u8_ua *)ADDR = (uint8_t)SRC;
	NEXT;
STX_H:
	*(u16_ua *)ADDR = (uint16_t)SRC;
	NEXT;
STX_W:
	*(u32_ua *)ADDR = (uint32_t)SRC;
	NEXT;
STX_DW:
	*(u64_ua *)ADDR = SRC;
	NEXT;

/* One body for both widths: T is the operand type, results land zero-extended. */
#define ATOMIC_BODY(T)                                                                             \
	do {                                                                                       \
		T *p = (T *)ADDR, v = (T)SRC, old;                                                 \
                                                                                                   \
		switch (ip->imm) {                                                                 \
		case BPF_ADD:                                                                      \
			__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);                                \
			break;                                                                     \
		case BPF_ADD | BPF_FETCH:                                                          \
			SRC = __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);                          \
			break;                                                                     \
		case BPF_OR:                                                                       \
			__atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);                                 \
			break;                                                                     \
		case BPF_OR | BPF_FETCH:                                                           \
			SRC = __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);                           \
			break;                                                                     \
		case BPF_AND:                                                                      \
			__atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);                                \
			break;                                                                     \
		case BPF_AND | BPF_FETCH:                                                          \
			SRC = __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);                          \
			break;                                                                     \
		case BPF_XOR:                                                                      \
			__atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);                                \
			break;                                                                     \
		case BPF_XOR | BPF_FETCH:                                                          \
			SRC = __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);                          \
			break;                                                                     \
		case BPF_XCHG:                                                                     \
			SRC = __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);                         \
			break;                                                                     \
		case BPF_CMPXCHG:                                                                  \
			old = (T)r[0];                                                             \
			__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_SEQ_CST,           \
						    __ATOMIC_SEQ_CST);                             \
			r[0] = old;                                                                \
			break;                                                                     \
		}                                                                                  \
	} while (0)

ATOMIC32:
	ATOMIC_BODY(uint32_t);
	NEXT;
ATOMIC64:
	ATOMIC_BODY(uint64_t);
	NEXT;

LDDW:
	INTERP_TICK;
	DST = ip->aux.imm64;
	ip += 2;
	goto *ip->op;

CALL_HELPER:
	r[0] = ip->aux.fn(r[1], r[2], r[3], r[4], r[5], ex);
	NEXT;

CALLX : {
	/* Raw programs only (see prog.c): the helper whose ID is in the register. */
	const struct uxdp_helper_proto *proto =
		DST <= INT32_MAX ? uxdp_helper_proto((int32_t)DST, prog->type) : NULL;

	if (!proto || !proto->fn) {
		ex->runtime_errors++;
		ex->depth = base_depth;
		ex->cur_prog = saved_prog;
		return 0;
	}
	r[0] = proto->fn(r[1], r[2], r[3], r[4], r[5], ex);
	NEXT;
}

CALL_LOCAL:
	if (depth + 1 >= UXDP_MAX_CALL_DEPTH) {
		/* The verifier bounds call depth; without it, refuse to overrun the stack. */
		r[0] = 0;
		NEXT;
	}
	INTERP_TICK;
	frames[depth].ret = ip + 1;
	frames[depth].prog = prog;
	frames[depth].r6 = r[6];
	frames[depth].r7 = r[7];
	frames[depth].r8 = r[8];
	frames[depth].r9 = r[9];
	frames[depth].r10 = r[10];
	depth++;
	ex->depth = depth + 1;
	r[10] -= UXDP_STACK_SIZE;
	ip = ip->aux.target;
	goto *ip->op;

TAIL_CALL : {
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r[2];
	uint32_t index = (uint32_t)r[3];
	struct uxdp_prog *next;

	if (!map || index >= map->max_entries || ex->tail_call_cnt >= UXDP_MAX_TAIL_CALLS)
		NEXT;
	next = uxdp_prog_array_get(map, index);
	if (!next)
		NEXT;
	INTERP_TICK;
	ex->tail_call_cnt++;
	prog = next;
	ex->cur_prog = prog;
	ip = prog->INTERP_CODE->slots;
	goto *ip->op;
}

EXIT:
	INTERP_TICK;
	if (depth == base_depth) {
		ex->depth = base_depth;
		ex->cur_prog = saved_prog;
		return r[0];
	}
	depth--;
	ex->depth = depth + 1;
	ip = frames[depth].ret;
	prog = frames[depth].prog;
	ex->cur_prog = prog;
	r[6] = frames[depth].r6;
	r[7] = frames[depth].r7;
	r[8] = frames[depth].r8;
	r[9] = frames[depth].r9;
	r[10] = frames[depth].r10;
	goto *ip->op;

POISON:
	/* a CO-RE-poisoned instruction was reached (see UXDP_CORE_POISON_HELPER) */
	ex->runtime_errors++;
	ex->depth = base_depth;
	ex->cur_prog = saved_prog;
	return 0;

INVALID:
	/* second half of lddw or an impossible opcode: never reached by a loaded program */
	ex->depth = base_depth;
	ex->cur_prog = saved_prog;
	return 0;
}

#undef DST
#undef SRC
#undef IMM
#undef NEXT
#undef JUMP_IF
#undef ADDR
#undef SADDR
#undef ALU_BOTH
#undef JMP_BOTH
#undef ATOMIC_BODY
