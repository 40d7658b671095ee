/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entry point of the static verifier (verifier.c), called by the program
 * load pipeline (prog.c) after map resolution, on the instructions as the
 * program gave them (before the xdp_md context rewrite).
 */
#ifndef UXDP_VERIFIER_H
#define UXDP_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "vm_internal.h"

struct uxdp_verify_stats {
	uint32_t processed; /* instructions walked, all paths together */
	uint32_t states;    /* states kept for pruning */
};

struct uxdp_verify_opts {
	uint32_t log_level; /* 0: errors; 1: + a summary; 2: + every instruction walked */
	/* raw programs: bytes r1 points to (0: unknown, accesses through r1 unchecked) */
	uint32_t raw_mem_size;
	const struct uxdp_line_info *line_info; /* sorted or not; may be NULL */
	size_t line_info_cnt;
	uint32_t insn_budget; /* 0: UXDP_MAX_INSNS */
	struct uxdp_verify_stats *stats; /* out, may be NULL */
};

/*
 * Prove the program safe. insns are the program's instructions before the
 * context rewrite (prog->insns may already be rewritten); prog gives the
 * type, the subprograms and the resolved maps. 0, or -EACCES/-EINVAL/-E2BIG
 * with the reason, the instruction and the register state appended to log.
 */
int uxdp_verify(struct uxdp_prog *prog, const struct bpf_insn *insns,
		const struct uxdp_verify_opts *opts, char *log, size_t log_size);

#endif /* UXDP_VERIFIER_H */
