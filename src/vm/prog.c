// SPDX-License-Identifier: BSD-2-Clause
/*
 * Program loading: the checks the kernel makes on every instruction before
 * anything runs (opcodes, reserved fields, registers, jump targets, shift
 * immediates, lddw pairs and pseudo forms, helper IDs), subprogram discovery,
 * map resolution, the xdp_md context rewrite, and handing the prepared
 * program to an engine. Also the program object's accessors and lifetime.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"
#include "verifier.h"
#include "helper/helper_internal.h"
#include "map/map_internal.h"
#include "util/opts.h"

#define LOG(...) uxdp_log(log, log_size, __VA_ARGS__)

static bool is_jmp_class(uint8_t cls)
{
	return cls == BPF_JMP || cls == BPF_JMP32;
}

/* Is insn[i] a bpf-to-bpf call (BPF_PSEUDO_CALL)? */
static bool is_pseudo_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL;
}

static bool is_pseudo_func(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW) && insn->src_reg == BPF_PSEUDO_FUNC;
}

static int check_alu(struct bpf_insn *insn, uint32_t i, bool mask_shift_imm, char *log,
		     size_t log_size)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code), src = BPF_SRC(insn->code);
	bool is64 = cls == BPF_ALU64;

	if (op == BPF_END) {
		if (insn->src_reg || insn->off ||
		    (insn->imm != 16 && insn->imm != 32 && insn->imm != 64) ||
		    (is64 && src == BPF_X)) {
			LOG("insn %u: BPF_END uses reserved fields\n", i);
			return -EINVAL;
		}
	} else if (op == BPF_NEG) {
		if (src != BPF_K || insn->src_reg || insn->off || insn->imm) {
			LOG("insn %u: BPF_NEG uses reserved fields\n", i);
			return -EINVAL;
		}
	} else if (op == BPF_MOV) {
		if (src == BPF_X) {
			bool sx_ok = is64 ? (insn->off == 0 || insn->off == 8 || insn->off == 16 ||
					     insn->off == 32)
					  : (insn->off == 0 || insn->off == 8 || insn->off == 16);
			if (insn->imm || !sx_ok) {
				LOG("insn %u: BPF_MOV uses reserved fields\n", i);
				return -EINVAL;
			}
		} else if (insn->src_reg || insn->off) {
			LOG("insn %u: BPF_MOV uses reserved fields\n", i);
			return -EINVAL;
		}
	} else if (op <= BPF_ARSH && op != BPF_NEG) {
		bool sdiv_ok = insn->off == 0 || (insn->off == 1 && (op == BPF_DIV || op == BPF_MOD));

		if (src == BPF_X ? (insn->imm || !sdiv_ok) : (insn->src_reg || !sdiv_ok)) {
			LOG("insn %u: BPF_ALU uses reserved fields\n", i);
			return -EINVAL;
		}
		if (src == BPF_K && (op == BPF_DIV || op == BPF_MOD) && insn->imm == 0) {
			LOG("insn %u: division by zero\n", i);
			return -EINVAL;
		}
		if (src == BPF_K && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)) {
			int width = is64 ? 64 : 32;

			if ((insn->imm < 0 || insn->imm >= width) && !mask_shift_imm) {
				LOG("insn %u: invalid shift %d\n", i, insn->imm);
				return -EINVAL;
			}
			insn->imm &= width - 1;
		}
	} else {
		LOG("insn %u: invalid BPF_ALU opcode 0x%02x\n", i, insn->code);
		return -EINVAL;
	}
	if (insn->dst_reg == BPF_REG_10) {
		LOG("insn %u: frame pointer is read only\n", i);
		return -EINVAL;
	}
	return 0;
}

static int check_jmp(const struct bpf_insn *insn, uint32_t i, enum uxdp_prog_type type, char *log,
		     size_t log_size)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code), src = BPF_SRC(insn->code);

	switch (op) {
	case BPF_JA:
		if (src != BPF_K || insn->src_reg || insn->dst_reg ||
		    (cls == BPF_JMP ? insn->imm != 0 : insn->off != 0)) {
			LOG("insn %u: BPF_JA uses reserved fields\n", i);
			return -EINVAL;
		}
		return 0;
	case BPF_EXIT:
		if (cls == BPF_JMP32 || src != BPF_K || insn->imm || insn->src_reg ||
		    insn->dst_reg || insn->off) {
			LOG("insn %u: BPF_EXIT uses reserved fields\n", i);
			return -EINVAL;
		}
		return 0;
	case BPF_CALL:
		if (src == BPF_X) {
			/*
			 * callx (call the helper whose ID is in a register, LLVM's
			 * encoding puts the register in dst_reg): the kernel has no such
			 * call; raw programs accept it, and have no helpers to reach.
			 */
			if (type != UXDP_PROG_RAW || cls == BPF_JMP32 || insn->off ||
			    insn->src_reg || insn->imm) {
				LOG("insn %u: BPF_CALL uses reserved fields\n", i);
				return -EINVAL;
			}
			return 0;
		}
		if (cls == BPF_JMP32 || insn->off || insn->dst_reg) {
			LOG("insn %u: BPF_CALL uses reserved fields\n", i);
			return -EINVAL;
		}
		if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			LOG("insn %u: kernel function calls (kfuncs) are not supported\n", i);
			return -EINVAL;
		}
		if (insn->src_reg != 0 && insn->src_reg != BPF_PSEUDO_CALL) {
			LOG("insn %u: BPF_CALL uses reserved fields\n", i);
			return -EINVAL;
		}
		return 0;
	case BPF_JEQ:
	case BPF_JGT:
	case BPF_JGE:
	case BPF_JSET:
	case BPF_JNE:
	case BPF_JSGT:
	case BPF_JSGE:
	case BPF_JLT:
	case BPF_JLE:
	case BPF_JSLT:
	case BPF_JSLE:
		if (src == BPF_X ? insn->imm != 0 : insn->src_reg != 0) {
			LOG("insn %u: BPF_JMP/JMP32 uses reserved fields\n", i);
			return -EINVAL;
		}
		return 0;
	default:
		LOG("insn %u: invalid BPF_JMP/JMP32 opcode 0x%02x\n", i, insn->code);
		return -EINVAL;
	}
}

static int check_mem(const struct bpf_insn *insn, uint32_t i, char *log, size_t log_size)
{
	uint8_t cls = BPF_CLASS(insn->code), mode = BPF_MODE(insn->code), size = BPF_SIZE(insn->code);

	switch (cls) {
	case BPF_LDX:
		if (mode != BPF_MEM && !(mode == UXDP_MODE_MEMSX && size != BPF_DW)) {
			LOG("insn %u: unknown BPF_LDX mode 0x%02x\n", i, insn->code);
			return -EINVAL;
		}
		if (insn->imm) {
			LOG("insn %u: BPF_LDX uses reserved fields\n", i);
			return -EINVAL;
		}
		if (insn->dst_reg == BPF_REG_10) {
			LOG("insn %u: frame pointer is read only\n", i);
			return -EINVAL;
		}
		return 0;
	case BPF_ST:
		if (mode != BPF_MEM) {
			LOG("insn %u: BPF_ST uses reserved fields\n", i);
			return -EINVAL;
		}
		if (insn->src_reg) {
			LOG("insn %u: BPF_ST uses reserved fields\n", i);
			return -EINVAL;
		}
		return 0;
	case BPF_STX:
		if (mode == BPF_MEM) {
			if (insn->imm) {
				LOG("insn %u: BPF_STX uses reserved fields\n", i);
				return -EINVAL;
			}
			return 0;
		}
		if (mode != UXDP_OP_ATOMIC_MODE) {
			LOG("insn %u: unknown BPF_STX mode 0x%02x\n", i, insn->code);
			return -EINVAL;
		}
		if (size != BPF_W && size != BPF_DW) {
			LOG("insn %u: invalid atomic operand size\n", i);
			return -EINVAL;
		}
		switch (insn->imm) {
		case BPF_ADD:
		case BPF_ADD | BPF_FETCH:
		case BPF_OR:
		case BPF_OR | BPF_FETCH:
		case BPF_AND:
		case BPF_AND | BPF_FETCH:
		case BPF_XOR:
		case BPF_XOR | BPF_FETCH:
		case BPF_XCHG:
		case BPF_CMPXCHG:
			return 0;
		default:
			LOG("insn %u: BPF_ATOMIC uses invalid atomic opcode 0x%02x\n", i, insn->imm);
			return -EINVAL;
		}
	}
	return -EINVAL;
}

/* Check every instruction on its own and the lddw pairs. */
static int check_insns(struct bpf_insn *insns, uint32_t cnt, enum uxdp_prog_type type,
		       size_t map_cnt, bool mask_shift_imm, char *log, size_t log_size)
{
	for (uint32_t i = 0; i < cnt; i++) {
		struct bpf_insn *insn = &insns[i];
		uint8_t cls = BPF_CLASS(insn->code);
		int err = 0;

		if (insn->dst_reg > BPF_REG_10 || insn->src_reg > BPF_REG_10) {
			/* lddw and calls reuse src_reg for pseudo kinds, all <= 10 */
			LOG("insn %u: invalid register (dst r%u, src r%u)\n", i, insn->dst_reg,
			    insn->src_reg);
			return -EINVAL;
		}
		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			err = check_alu(insn, i, mask_shift_imm, log, log_size);
			break;
		case BPF_JMP:
		case BPF_JMP32:
			err = check_jmp(insn, i, type, log, log_size);
			break;
		case BPF_LDX:
		case BPF_ST:
		case BPF_STX:
			err = check_mem(insn, i, log, log_size);
			break;
		case BPF_LD:
			if (insn->code != (BPF_LD | BPF_IMM | BPF_DW)) {
				LOG("insn %u: BPF_LD_[ABS|IND] and other BPF_LD forms are not "
				    "allowed in this program type\n",
				    i);
				return -EINVAL;
			}
			if (i + 1 >= cnt || insns[i + 1].code || insns[i + 1].dst_reg ||
			    insns[i + 1].src_reg || insns[i + 1].off || insn->off) {
				LOG("insn %u: invalid lddw: the second half is missing or uses "
				    "reserved fields\n",
				    i);
				return -EINVAL;
			}
			if (insn->dst_reg == BPF_REG_10) {
				LOG("insn %u: frame pointer is read only\n", i);
				return -EINVAL;
			}
			switch (insn->src_reg) {
			case 0:
				break;
			case BPF_PSEUDO_MAP_FD:
			case BPF_PSEUDO_MAP_IDX:
			case BPF_PSEUDO_MAP_VALUE:
			case BPF_PSEUDO_MAP_IDX_VALUE:
				if ((uint32_t)insn->imm >= map_cnt) {
					LOG("insn %u: lddw refers to map %d, but the program has %zu "
					    "maps\n",
					    i, insn->imm, map_cnt);
					return -EINVAL;
				}
				if ((insn->src_reg == BPF_PSEUDO_MAP_FD ||
				     insn->src_reg == BPF_PSEUDO_MAP_IDX) &&
				    insns[i + 1].imm) {
					LOG("insn %u: invalid lddw: map reference with a non-zero "
					    "offset\n",
					    i);
					return -EINVAL;
				}
				break;
			case BPF_PSEUDO_FUNC:
				if (insns[i + 1].imm) {
					LOG("insn %u: invalid lddw: function reference with high "
					    "bits set\n",
					    i);
					return -EINVAL;
				}
				break;
			default:
				LOG("insn %u: unsupported lddw pseudo source %u\n", i,
				    insn->src_reg);
				return -EINVAL;
			}
			i++; /* skip the second half */
			break;
		default:
			LOG("insn %u: unknown opcode 0x%02x\n", i, insn->code);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Subprograms start at 0 and at every target of a pseudo call or pseudo func. */
static int find_subprogs(struct uxdp_prog *prog, char *log, size_t log_size)
{
	const struct bpf_insn *insns = prog->insns;
	uint32_t cnt = prog->insn_cnt, *starts, n = 0;

	starts = malloc(sizeof(*starts) * (cnt + 1));
	if (!starts)
		return -ENOMEM;
	starts[n++] = 0;
	for (uint32_t i = 0; i < cnt; i++) {
		if (is_pseudo_call(&insns[i]) || is_pseudo_func(&insns[i])) {
			int64_t t = (int64_t)i + insns[i].imm + 1;

			if (t < 0 || t >= cnt) {
				LOG("insn %u: call to a subprogram outside the program (target %lld)\n",
				    i, (long long)t);
				free(starts);
				return -EINVAL;
			}
			starts[n++] = (uint32_t)t;
		}
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			i++;
	}
	qsort(starts, n, sizeof(*starts), cmp_u32);
	prog->subprogs = calloc(n, sizeof(*prog->subprogs));
	if (!prog->subprogs) {
		free(starts);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (i && starts[i] == starts[i - 1])
			continue;
		prog->subprogs[prog->subprog_cnt++].start = starts[i];
	}
	for (uint32_t s = 0; s < prog->subprog_cnt; s++)
		prog->subprogs[s].end =
			s + 1 < prog->subprog_cnt ? prog->subprogs[s + 1].start : cnt;
	free(starts);

	/* A target inside an lddw pair is caught by check_jumps below. */
	return 0;
}

static uint32_t subprog_of(const struct uxdp_prog *prog, uint32_t insn)
{
	uint32_t lo = 0, hi = prog->subprog_cnt;

	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;

		if (prog->subprogs[mid].start <= insn)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Jumps stay inside their subprogram and never land on the second half of lddw;
 * each subprogram ends with exit or ja. */
static int check_jumps(const struct uxdp_prog *prog, char *log, size_t log_size)
{
	const struct bpf_insn *insns = prog->insns;
	uint32_t cnt = prog->insn_cnt;
	uint8_t *second = calloc(cnt, 1);

	if (!second)
		return -ENOMEM;
	for (uint32_t i = 0; i + 1 < cnt; i++)
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			second[++i] = 1;

	for (uint32_t i = 0; i < cnt; i++) {
		const struct bpf_insn *insn = &insns[i];
		uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
		int64_t target;

		if (second[i] || !is_jmp_class(cls) || op == BPF_EXIT)
			continue;
		if (op == BPF_CALL) {
			if (!is_pseudo_call(insn))
				continue;
			target = (int64_t)i + insn->imm + 1;
			if (second[target]) {
				LOG("insn %u: call into the middle of lddw at insn %lld\n", i,
				    (long long)target);
				goto err;
			}
			continue;
		}
		if (cls == BPF_JMP32 && op == BPF_JA)
			target = (int64_t)i + insn->imm + 1;
		else
			target = (int64_t)i + insn->off + 1;
		if (target < 0 || target >= cnt ||
		    subprog_of(prog, (uint32_t)target) != subprog_of(prog, i)) {
			LOG("insn %u: jump out of range from insn %u to %lld\n", i, i,
			    (long long)target);
			goto err;
		}
		if (second[target]) {
			LOG("insn %u: jump into the middle of lddw at insn %lld\n", i,
			    (long long)target);
			goto err;
		}
	}
	for (uint32_t s = 0; s < prog->subprog_cnt; s++) {
		uint32_t last = prog->subprogs[s].end - 1;
		const struct bpf_insn *insn = &insns[last];

		if (second[last] || insn->code == (BPF_LD | BPF_IMM | BPF_DW) ||
		    !(insn->code == (BPF_JMP | BPF_EXIT) || insn->code == (BPF_JMP | BPF_JA) ||
		      insn->code == (BPF_JMP32 | BPF_JA))) {
			LOG("insn %u: last insn is not an exit or jmp\n", last);
			goto err;
		}
	}
	free(second);
	return 0;
err:
	free(second);
	return -EINVAL;
}

static bool license_is_gpl(const char *license)
{
	static const char *const compatible[] = {
		"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL",
		"Dual MPL/GPL",
	};

	if (!license)
		return false;
	for (size_t i = 0; i < sizeof(compatible) / sizeof(compatible[0]); i++)
		if (!strcmp(license, compatible[i]))
			return true;
	return false;
}

/* Every helper call names a helper uxdp provides for this program type. */
/* The source line of insn i, when the loader passed BTF line info: "  ; text @ file:line". */
static void log_source_line(const struct uxdp_prog_load_opts *opts, uint32_t i, char *log,
			    size_t log_size)
{
	const struct uxdp_line_info *best = NULL;

	if (!UXDP_OPTS_HAS(opts, line_info_cnt))
		return;
	for (size_t k = 0; opts->line_info && k < opts->line_info_cnt; k++) {
		const struct uxdp_line_info *li = &opts->line_info[k];

		if (li->insn <= i && (!best || li->insn >= best->insn))
			best = li;
	}
	if (best)
		LOG("  ; %s @ %s:%u\n", best->text ? best->text : "", best->file ? best->file : "?",
		    best->line);
}

static int check_helpers(const struct uxdp_prog *prog, const struct uxdp_prog_load_opts *opts,
			 char *log, size_t log_size)
{
	for (uint32_t i = 0; i < prog->insn_cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		const struct uxdp_helper_proto *proto;
		const char *name;

		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			i++;
			continue;
		}
		if (insn->code != (BPF_JMP | BPF_CALL) || insn->src_reg != 0 ||
		    insn->imm == UXDP_CORE_POISON_HELPER)
			continue;
		proto = uxdp_helper_proto(insn->imm, prog->type);
		if (!proto) {
			name = uxdp_helper_name(insn->imm);
			if (name)
				LOG("insn %u: program calls helper %d (bpf_%s), which uxdp does not "
				    "support for this program type\n",
				    i, insn->imm, name);
			else
				LOG("insn %u: program calls unknown helper %d\n", i, insn->imm);
			log_source_line(opts, i, log, log_size);
			return -EINVAL;
		}
		if (proto->gpl_only && !prog->gpl) {
			LOG("insn %u: helper %d (bpf_%s) is GPL-only, and the program's license "
			    "is not GPL-compatible\n",
			    i, insn->imm, proto->name);
			log_source_line(opts, i, log, log_size);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The read-before-write check and context rewrite (ctx_rewrite.c), then the
 * static verifier on the instructions as they were before the rewrite.
 */
static int verify(struct uxdp_prog *prog, const struct uxdp_prog_load_opts *opts, char *log,
		  size_t log_size)
{
	struct uxdp_verify_opts vo = {
		.log_level = opts->log_level,
		.raw_mem_size = UXDP_OPTS_GET(opts, raw_mem_size, 0),
		.line_info = UXDP_OPTS_GET(opts, line_info, NULL),
		.line_info_cnt = UXDP_OPTS_GET(opts, line_info_cnt, 0),
	};
	struct bpf_insn *orig;
	int err;

	if (UXDP_OPTS_GET(opts, no_verify, false)) {
		if (opts->engine != UXDP_ENGINE_INTERP) {
			LOG("no_verify is allowed only with the interpreter (engine = interp)\n");
			return -EINVAL;
		}
		return uxdp_prog_dataflow(prog, log, log_size);
	}
	orig = malloc(prog->insn_cnt * sizeof(*orig));
	if (!orig)
		return -ENOMEM;
	memcpy(orig, prog->insns, prog->insn_cnt * sizeof(*orig));
	err = uxdp_prog_dataflow(prog, log, log_size);
	err = err ?: uxdp_verify(prog, orig, &vo, log, log_size);
	free(orig);
	return err;
}

static atomic_uint prog_count;

struct uxdp_prog *uxdp_prog__load(const struct bpf_insn *insns, size_t insn_cnt,
				  const struct uxdp_prog_load_opts *opts)
{
	struct uxdp_prog_load_opts dflt = { .sz = sizeof(dflt) };
	struct uxdp_prog *prog;
	char *log;
	size_t log_size;
	int err;

	if (!opts)
		opts = &dflt;
	log = opts->log_buf;
	log_size = opts->log_size;
	if (log && log_size)
		log[0] = '\0';
	if (!insns || insn_cnt == 0) {
		LOG("program has no instructions\n");
		errno = EINVAL;
		return NULL;
	}
	if (insn_cnt > UXDP_MAX_INSNS) {
		LOG("program has %zu instructions, more than the limit of %d\n", insn_cnt,
		    UXDP_MAX_INSNS);
		errno = E2BIG;
		return NULL;
	}
	if (opts->type > UXDP_PROG_XDP_CPUMAP) {
		LOG("unknown program type %d\n", opts->type);
		errno = EINVAL;
		return NULL;
	}
	prog = calloc(1, sizeof(*prog));
	if (!prog) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_init(&prog->refcnt, 1);
	prog->type = opts->type;
	prog->frags = opts->frags;
	prog->gpl = license_is_gpl(opts->license);
	if (opts->name)
		snprintf(prog->name, sizeof(prog->name), "%s", opts->name);
	else
		snprintf(prog->name, sizeof(prog->name), "prog%u", atomic_fetch_add(&prog_count, 1));
	prog->insn_cnt = (uint32_t)insn_cnt;
	prog->insns = malloc(insn_cnt * sizeof(*insns));
	if (!prog->insns) {
		err = -ENOMEM;
		goto err_free;
	}
	memcpy(prog->insns, insns, insn_cnt * sizeof(*insns));

	err = check_insns(prog->insns, prog->insn_cnt, prog->type, opts->map_cnt,
			  UXDP_OPTS_GET(opts, mask_shift_imm, false), log, log_size);
	err = err ?: find_subprogs(prog, log, log_size);
	err = err ?: check_jumps(prog, log, log_size);
	err = err ?: check_helpers(prog, opts, log, log_size);
	if (err)
		goto err_free;

	if (opts->map_cnt) {
		prog->maps = calloc(opts->map_cnt, sizeof(*prog->maps));
		if (!prog->maps) {
			err = -ENOMEM;
			goto err_free;
		}
		prog->map_cnt = (uint32_t)opts->map_cnt;
		for (size_t m = 0; m < opts->map_cnt; m++) {
			if (!opts->maps[m])
				continue;
			prog->maps[m] = uxdp_map__get(opts->maps[m]);
		}
		for (uint32_t i = 0; i < prog->insn_cnt; i++) {
			const struct bpf_insn *insn = &prog->insns[i];

			if (insn->code != (BPF_LD | BPF_IMM | BPF_DW))
				continue;
			if (insn->src_reg && insn->src_reg != BPF_PSEUDO_FUNC &&
			    !prog->maps[insn->imm]) {
				LOG("insn %u: lddw refers to map %d, which is missing\n", i,
				    insn->imm);
				err = -EINVAL;
				goto err_free;
			}
			if ((insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
			     insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE)) {
				struct uxdp_map *map = prog->maps[insn->imm];
				uint32_t off = (uint32_t)prog->insns[i + 1].imm;

				if (!uxdp_map__array_data(map) || off >= map->value_size) {
					LOG("insn %u: lddw map value reference to map '%s' offset "
					    "%u is out of range\n",
					    i, map->name, off);
					err = -EINVAL;
					goto err_free;
				}
			}
			i++;
		}
	}

	err = verify(prog, opts, log, log_size);
	if (err)
		goto err_free;

	/* The interpreter's code is always prepared: counting runs and tail calls
	 * from interpreted programs use it. */
	err = uxdp_interp_prepare(prog, log, log_size);
	if (err)
		goto err_free;
	prog->engine = UXDP_ENGINE_INTERP;
	if (opts->engine != UXDP_ENGINE_INTERP) {
		/* the JIT where it exists; the default quietly falls back to the interpreter */
		bool jit_only = opts->engine == UXDP_ENGINE_JIT;

		err = uxdp_jit_compile(prog, jit_only ? log : NULL, jit_only ? log_size : 0);
		if (err && jit_only)
			goto err_free;
		if (!err)
			prog->engine = UXDP_ENGINE_JIT;
		err = 0;
	}

	prog->id = uxdp_id_alloc(prog, UXDP_ID_PROG);
	if (!prog->id) {
		err = -ENOMEM;
		goto err_free;
	}
	return prog;

err_free:
	if (prog->name[0] && log && log_size)
		uxdp_pr(UXDP_DEBUG, "program '%s' refused\n", prog->name);
	uxdp_prog__put(prog);
	errno = -err;
	return NULL;
}

struct uxdp_prog *uxdp_prog__get(struct uxdp_prog *prog)
{
	if (prog)
		atomic_fetch_add(&prog->refcnt, 1);
	return prog;
}

void uxdp_prog__put(struct uxdp_prog *prog)
{
	if (!prog || atomic_fetch_sub(&prog->refcnt, 1) != 1)
		return;
	if (prog->id)
		uxdp_id_free(prog->id);
	uxdp_jit_free(prog);
	uxdp_interp_free(prog);
	for (uint32_t m = 0; m < prog->map_cnt; m++)
		uxdp_map__put(prog->maps[m]);
	free(prog->maps);
	free(prog->subprogs);
	free(prog->insn_flags);
	free(prog->insns);
	free(prog);
}

const char *uxdp_prog__name(const struct uxdp_prog *prog)
{
	return prog->name;
}

enum uxdp_prog_type uxdp_prog__type(const struct uxdp_prog *prog)
{
	return prog->type;
}

uint32_t uxdp_prog__id(const struct uxdp_prog *prog)
{
	return prog->id;
}

enum uxdp_engine uxdp_prog__engine(const struct uxdp_prog *prog)
{
	return prog->engine;
}

const struct bpf_insn *uxdp_prog__insns(const struct uxdp_prog *prog, size_t *cnt)
{
	if (cnt)
		*cnt = prog->insn_cnt;
	return prog->insns;
}

struct uxdp_prog *uxdp_prog__from_id(uint32_t id)
{
	return uxdp_id_find(id, UXDP_ID_PROG);
}

uint64_t uxdp_prog__run(const struct uxdp_prog *prog, void *ctx, size_t ctx_len,
			struct uxdp_exec *ex)
{
	if (prog->jit_entry)
		return uxdp_jit_run(prog, ctx, ctx_len, ex);
	return uxdp_interp_run(prog, ctx, ctx_len, ex);
}

uint32_t uxdp_prog__run_xdp(const struct uxdp_prog *prog, struct uxdp_xdp_buff *xdp,
			    struct uxdp_exec *ex)
{
	if (prog->jit_entry)
		return (uint32_t)uxdp_jit_run(prog, xdp, 0, ex);
	return (uint32_t)uxdp_interp_run(prog, xdp, 0, ex);
}
