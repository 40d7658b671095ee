/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Instruction constructors for hand-written test programs (our own, in the
 * spirit of the kernel's filter.h macros).
 */
#ifndef UXDP_TEST_INSN_BUILD_H
#define UXDP_TEST_INSN_BUILD_H

#include <linux/bpf.h>

#define I_RAW(CODE, DST, SRC, OFF, IMM)                                                            \
	((struct bpf_insn){ .code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF),      \
			    .imm = (IMM) })
#define I_ALU64_IMM(OP, DST, IMM) I_RAW(BPF_ALU64 | (OP) | BPF_K, DST, 0, 0, IMM)
#define I_ALU64_REG(OP, DST, SRC) I_RAW(BPF_ALU64 | (OP) | BPF_X, DST, SRC, 0, 0)
#define I_ALU32_IMM(OP, DST, IMM) I_RAW(BPF_ALU | (OP) | BPF_K, DST, 0, 0, IMM)
#define I_ALU32_REG(OP, DST, SRC) I_RAW(BPF_ALU | (OP) | BPF_X, DST, SRC, 0, 0)
#define I_MOV64_IMM(DST, IMM) I_ALU64_IMM(BPF_MOV, DST, IMM)
#define I_MOV64_REG(DST, SRC) I_ALU64_REG(BPF_MOV, DST, SRC)
#define I_MOV32_IMM(DST, IMM) I_ALU32_IMM(BPF_MOV, DST, IMM)
#define I_LDX(SIZE, DST, SRC, OFF) I_RAW(BPF_LDX | BPF_MEM | (SIZE), DST, SRC, OFF, 0)
#define I_LDXSX(SIZE, DST, SRC, OFF) I_RAW(BPF_LDX | 0x80 | (SIZE), DST, SRC, OFF, 0)
#define I_STX(SIZE, DST, SRC, OFF) I_RAW(BPF_STX | BPF_MEM | (SIZE), DST, SRC, OFF, 0)
#define I_ST(SIZE, DST, OFF, IMM) I_RAW(BPF_ST | BPF_MEM | (SIZE), DST, 0, OFF, IMM)
#define I_ATOMIC(SIZE, DST, SRC, OFF, OP) I_RAW(BPF_STX | 0xc0 | (SIZE), DST, SRC, OFF, OP)
#define I_JMP_IMM(OP, DST, IMM, OFF) I_RAW(BPF_JMP | (OP) | BPF_K, DST, 0, OFF, IMM)
#define I_JMP_REG(OP, DST, SRC, OFF) I_RAW(BPF_JMP | (OP) | BPF_X, DST, SRC, OFF, 0)
#define I_JMP32_IMM(OP, DST, IMM, OFF) I_RAW(BPF_JMP32 | (OP) | BPF_K, DST, 0, OFF, IMM)
#define I_JA(OFF) I_RAW(BPF_JMP | BPF_JA, 0, 0, OFF, 0)
#define I_CALL(ID) I_RAW(BPF_JMP | BPF_CALL, 0, 0, 0, ID)
#define I_CALL_LOCAL(OFF) I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, OFF)
#define I_EXIT() I_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define I_LDDW_LO(DST, SRC, IMM) I_RAW(BPF_LD | BPF_IMM | BPF_DW, DST, SRC, 0, IMM)
#define I_LDDW_HI(IMM) I_RAW(0, 0, 0, 0, IMM)
/* Two instructions: r = 64-bit constant */
#define I_LDDW(DST, V) I_LDDW_LO(DST, 0, (int32_t)(uint32_t)(V)), I_LDDW_HI((int32_t)((uint64_t)(V) >> 32))
/* Two instructions: r = map (index into the load options' map table) */
#define I_LD_MAP(DST, IDX) I_LDDW_LO(DST, BPF_PSEUDO_MAP_IDX, IDX), I_LDDW_HI(0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* UXDP_TEST_INSN_BUILD_H */
