/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Text eBPF assembler, in the dialect of the bpf_conformance test vectors
 * (`mov32 %r0, 1`, `ldxw %r1, [%r2+4]`, `lock fetch add [%r10-8], %r1`,
 * `jne %r0, 0, fail`, `call local func1`, `lddw %r0, 0x1122334455667788`).
 * The disassembler that goes the other way (kernel verifier-log syntax) is
 * uxdp_disasm_insn() in vm.h.
 *
 * Which call when: tests and tools that hold a program as text call
 * uxdp_asm() and hand the result to uxdp_prog__load(); programs that come
 * from ELF objects never pass through here.
 *
 * Dialect summary (one instruction per line, `#` starts a comment):
 *  - registers `%r0` … `%r10` (`r0` … `r10` are accepted too);
 *  - immediates in decimal (`-3`, `42`) or hex (`0xff`, `-0x10`); a 32-bit
 *    immediate is a signed decimal in [-2^31, 2^31-1] or a hex bit pattern up
 *    to 0xffffffff; `lddw` takes any 64-bit value;
 *  - memory operands `[%rN]`, `[%rN+off]`, `[%rN-off]` with a signed 16-bit
 *    offset;
 *  - jump targets `+N` / `-N` (relative to the next instruction) or a label;
 *    labels are `name:` on their own line or before an instruction, and
 *    `exit` names the first `exit` instruction unless a label says otherwise;
 *  - ALU: add sub mul div sdiv mod smod or and xor lsh rsh arsh mov (64-bit;
 *    `32` suffix for the 32-bit forms), neg/neg32, movsx832 movsx1632
 *    movsx864 movsx1664 movsx3264, be16/32/64, le16/32/64, bswap16/32/64
 *    (alias swap16/32/64);
 *  - jumps: ja, ja32 (32-bit offset in imm), jeq jgt jge jlt jle jset jne jsgt
 *    jsge jslt jsle and their `32` forms, exit, `call N` (helper), `call
 *    local label` (bpf-to-bpf), `call %rN` (callx, register in dst_reg);
 *  - memory: ldx{b,h,w,dw}, ldxs{b,h,w}, st{b,h,w,dw}, stx{b,h,w,dw}, lddw;
 *  - atomics: `lock [fetch] {add,or,and,xor}[32] [%rN+off], %rM`,
 *    `lock {xchg,cmpxchg}[32] [%rN+off], %rM`.
 */
#ifndef UXDP_ASM_H
#define UXDP_ASM_H

#include <stddef.h>
#include <linux/bpf.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Assemble a program written in the bpf_conformance assembler dialect.
 *
 * @param text NUL-terminated source, one instruction per line
 * @param insns out: the instructions (lddw takes two slots), allocated with
 *        malloc(); the caller frees them with free(). Set only on success.
 * @param cnt out: number of instruction slots
 * @param err buffer for the error message ("line N: ..."), may be NULL
 * @param err_sz size of err
 * @return 0; -EINVAL for a bad program (unknown mnemonic, bad register, wrong
 *         operand count, immediate or offset out of range, unknown or
 *         duplicate label, bad lock operation, empty program), with the
 *         reason in err; -ENOMEM
 */
UXDP_API int uxdp_asm(const char *text, struct bpf_insn **insns, size_t *cnt, char *err,
		      size_t err_sz);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_ASM_H */
