// SPDX-License-Identifier: BSD-2-Clause
/*
 * Register data flow: the xdp_md context rewrite and the read-before-write
 * check. Programs read `struct xdp_md` with 32-bit
 * loads; uxdp, like the kernel's verifier, turns each such load into a load
 * of the real field of struct uxdp_xdp_buff (64-bit pointers for data,
 * data_end and data_meta). To know which loads read the context, a small
 * forward data-flow pass tracks, per instruction, which registers and which
 * 8-byte stack slots may hold the context pointer, across branches and
 * bpf-to-bpf calls. The rewrite is one instruction for one, so no jump needs
 * fixing. A load that may see the context on one path and another pointer on
 * another, a load through a modified context pointer, and any write into the
 * context are refused, as the kernel refuses them. The same pass tracks which
 * registers may still be unwritten and refuses a read of one ("R0 !read_ok"),
 * for every program type. (The full verifier is a later stage; these are the
 * checks the runtime cannot do without.)
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"
#include "helper/helper_internal.h"

#define K_CTX 1u	/* the context pointer itself */
#define K_OTHER 2u	/* anything else that is initialised */
#define K_MODCTX 4u	/* context pointer plus/minus something */
#define K_UNINIT 8u	/* never written on some path */
#define K_UNKNOWN 16u	/* a 64-bit value loaded from memory: may be a stored context pointer */
#define SLOTS (UXDP_STACK_SIZE / 8)

struct ctx_state {
	uint8_t reg[11];
	uint8_t slot[SLOTS];
};

struct ctx_pass {
	const struct uxdp_prog *prog;
	struct ctx_state *in; /* state at the start of each insn */
	uint8_t *seen;
	uint8_t *queued; /* in the work list now: keeps the list <= insn_cnt */
	uint32_t *work;
	uint32_t work_cnt;
	struct ctx_state *entry; /* per subprogram */
	uint8_t *entry_seen;
	bool entry_changed;
};

static bool merge(struct ctx_state *dst, const struct ctx_state *src)
{
	bool changed = false;

	for (int r = 0; r < 11; r++) {
		uint8_t v = dst->reg[r] | src->reg[r];

		changed |= v != dst->reg[r];
		dst->reg[r] = v;
	}
	for (int s = 0; s < SLOTS; s++) {
		uint8_t v = dst->slot[s] | src->slot[s];

		changed |= v != dst->slot[s];
		dst->slot[s] = v;
	}
	return changed;
}

static void flow_to(struct ctx_pass *p, uint32_t target, const struct ctx_state *st)
{
	if (!p->seen[target]) {
		p->seen[target] = 1;
		p->in[target] = *st;
	} else if (!merge(&p->in[target], st)) {
		return;
	}
	if (!p->queued[target]) {
		p->queued[target] = 1;
		p->work[p->work_cnt++] = target;
	}
}

static uint32_t subprog_index(const struct uxdp_prog *prog, uint32_t start)
{
	for (uint32_t s = 0; s < prog->subprog_cnt; s++)
		if (prog->subprogs[s].start == start)
			return s;
	return 0;
}

static void enter_subprog(struct ctx_pass *p, uint32_t sub, const struct ctx_state *caller)
{
	struct ctx_state st;

	memset(&st, 0, sizeof(st));
	for (int r = 0; r < 10; r++)
		st.reg[r] = K_UNINIT;
	for (int r = 1; r <= 5; r++)
		st.reg[r] = caller ? caller->reg[r] : K_OTHER;
	st.reg[10] = K_OTHER;
	if (!p->entry_seen[sub]) {
		p->entry_seen[sub] = 1;
		p->entry[sub] = st;
		p->entry_changed = true;
	} else if (merge(&p->entry[sub], &st)) {
		p->entry_changed = true;
	}
}

/* Mark the stack slots an access [off, off+size) below r10 touches. */
static void clobber_slots(struct ctx_state *st, int32_t off, int size, uint8_t kind)
{
	for (int32_t b = off; b < off + size; b += 1) {
		int32_t idx = (UXDP_STACK_SIZE + b) / 8;

		if (b >= 0 || b < -UXDP_STACK_SIZE)
			continue;
		st->slot[idx] = kind;
	}
}

static int size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static void step(struct ctx_pass *p, uint32_t i)
{
	const struct bpf_insn *insn = &p->prog->insns[i];
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	struct ctx_state st = p->in[i];
	uint32_t next = i + 1;

	switch (cls) {
	case BPF_ALU64:
	case BPF_ALU:
		if (cls == BPF_ALU64 && op == BPF_MOV && BPF_SRC(insn->code) == BPF_X &&
		    insn->off == 0) {
			st.reg[insn->dst_reg] = st.reg[insn->src_reg];
		} else if (cls == BPF_ALU64 && (op == BPF_ADD || op == BPF_SUB) &&
			   (st.reg[insn->dst_reg] & (K_CTX | K_MODCTX))) {
			st.reg[insn->dst_reg] = K_MODCTX | (st.reg[insn->dst_reg] & K_OTHER);
		} else {
			st.reg[insn->dst_reg] = K_OTHER;
		}
		break;
	case BPF_LD: /* lddw */
		st.reg[insn->dst_reg] = K_OTHER;
		next = i + 2;
		break;
	case BPF_LDX:
		if (insn->src_reg == BPF_REG_10 && BPF_SIZE(insn->code) == BPF_DW &&
		    insn->off < 0 && insn->off >= -UXDP_STACK_SIZE && (insn->off % 8) == 0) {
			uint8_t k = st.slot[(UXDP_STACK_SIZE + insn->off) / 8];

			/*
			 * A fill is the context only if every store that reached the
			 * slot stored it; writes through other stack pointers are not
			 * tracked, so anything else may still be a context pointer.
			 */
			st.reg[insn->dst_reg] = k == K_CTX ? K_CTX : (k & K_CTX) | K_UNKNOWN;
		} else if (BPF_SIZE(insn->code) == BPF_DW) {
			st.reg[insn->dst_reg] = K_UNKNOWN;
		} else {
			st.reg[insn->dst_reg] = K_OTHER;
		}
		break;
	case BPF_ST:
	case BPF_STX:
		if (insn->dst_reg == BPF_REG_10) {
			int size = size_bytes(insn->code);

			if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_MEM && size == 8 &&
			    (insn->off % 8) == 0 && insn->off < 0 &&
			    insn->off >= -UXDP_STACK_SIZE)
				st.slot[(UXDP_STACK_SIZE + insn->off) / 8] = st.reg[insn->src_reg];
			else
				clobber_slots(&st, insn->off, size, K_OTHER);
		}
		if (cls == BPF_STX && BPF_MODE(insn->code) == UXDP_OP_ATOMIC_MODE) {
			if (insn->imm == BPF_CMPXCHG)
				st.reg[BPF_REG_0] = K_OTHER;
			else if (insn->imm & BPF_FETCH)
				st.reg[insn->src_reg] = K_OTHER;
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			return;
		if (op == BPF_CALL) {
			if (insn->src_reg == BPF_PSEUDO_CALL) {
				uint32_t target = i + insn->imm + 1;

				enter_subprog(p, subprog_index(p->prog, target), &st);
			}
			st.reg[BPF_REG_0] = K_OTHER;
			for (int r = 1; r <= 5; r++)
				st.reg[r] = K_UNINIT;
			break;
		}
		if (op == BPF_JA) {
			int32_t off = cls == BPF_JMP32 ? insn->imm : insn->off;

			flow_to(p, i + off + 1, &st);
			return;
		}
		flow_to(p, i + insn->off + 1, &st);
		break;
	}
	if (next < p->prog->insn_cnt)
		flow_to(p, next, &st);
}

/* The new load for a 32-bit read of xdp_md at `off`, or false. */
static bool xdp_md_field(const struct uxdp_prog *prog, int16_t off, uint8_t *size, int16_t *new_off)
{
	switch (off) {
	case offsetof(struct xdp_md, data):
		*size = BPF_DW;
		*new_off = offsetof(struct uxdp_xdp_buff, data);
		return true;
	case offsetof(struct xdp_md, data_end):
		*size = BPF_DW;
		*new_off = offsetof(struct uxdp_xdp_buff, data_end);
		return true;
	case offsetof(struct xdp_md, data_meta):
		*size = BPF_DW;
		*new_off = offsetof(struct uxdp_xdp_buff, data_meta);
		return true;
	case offsetof(struct xdp_md, ingress_ifindex):
		*size = BPF_W;
		*new_off = offsetof(struct uxdp_xdp_buff, ingress_ifindex);
		return true;
	case offsetof(struct xdp_md, rx_queue_index):
		*size = BPF_W;
		*new_off = offsetof(struct uxdp_xdp_buff, rx_queue_index);
		return true;
	case offsetof(struct xdp_md, egress_ifindex):
		/* only devmap programs run with an egress device */
		if (prog->type != UXDP_PROG_XDP_DEVMAP)
			return false;
		*size = BPF_W;
		*new_off = offsetof(struct uxdp_xdp_buff, egress_ifindex);
		return true;
	}
	return false;
}

/* Registers insn reads, as a bit mask. */
static uint32_t regs_read(const struct uxdp_prog *prog, const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	bool x = BPF_SRC(insn->code) == BPF_X;
	const struct uxdp_helper_proto *proto;
	uint32_t m = 0;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op != BPF_MOV)
			m |= 1u << insn->dst_reg;
		if (x && op != BPF_END && op != BPF_NEG)
			m |= 1u << insn->src_reg;
		break;
	case BPF_LDX:
		m |= 1u << insn->src_reg;
		break;
	case BPF_ST:
		m |= 1u << insn->dst_reg;
		break;
	case BPF_STX:
		m |= 1u << insn->dst_reg | 1u << insn->src_reg;
		if (BPF_MODE(insn->code) == UXDP_OP_ATOMIC_MODE && insn->imm == BPF_CMPXCHG)
			m |= 1u << BPF_REG_0;
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			return 1u << BPF_REG_0;
		if (op == BPF_JA)
			return 0;
		if (op == BPF_CALL) {
			if (x)
				return 1u << insn->dst_reg;
			if (insn->src_reg == BPF_PSEUDO_CALL)
				return 0; /* the callee's own reads are checked there */
			if (insn->imm == BPF_FUNC_tail_call)
				return 0xe; /* r1-r3 */
			proto = uxdp_helper_proto(insn->imm, prog->type);
			for (int a = 0; proto && a < 5; a++)
				if (proto->args[a] != UXDP_ARG_NONE)
					m |= 1u << (a + 1);
			return m;
		}
		m |= 1u << insn->dst_reg;
		if (x)
			m |= 1u << insn->src_reg;
		break;
	}
	return m;
}

static int check_reads(struct uxdp_prog *prog, struct ctx_pass *p, char *log, size_t log_size)
{
	for (uint32_t i = 0; i < prog->insn_cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		uint32_t m;

		if (!p->seen[i])
			continue;
		m = regs_read(prog, insn);
		for (int r = 0; r < 11; r++) {
			if (!(m & (1u << r)) || !(p->in[i].reg[r] & K_UNINIT))
				continue;
			uxdp_log(log, log_size,
				 "insn %u: R%d !read_ok: r%d is read before it is written (on at "
				 "least one path)\n",
				 i, r, r);
			return -EACCES;
		}
		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW))
			i++;
	}
	return 0;
}

/* What a call at insn may do to the context: hand it on (a helper with a
 * context argument), move its packet pointers (changes_pkt_data); a kfunc,
 * whose arguments we do not know, may do both. */
static void call_effects(const struct uxdp_prog *prog, const struct bpf_insn *insn,
			 bool *takes_ctx, bool *moves_pkt)
{
	const struct uxdp_helper_proto *proto;

	if (insn->code != (BPF_JMP | BPF_CALL) || insn->src_reg == BPF_PSEUDO_CALL)
		return;
	proto = insn->src_reg == 0 ? uxdp_helper_proto(insn->imm, prog->type) : NULL;
	if (!proto) {
		*takes_ctx = *moves_pkt = true;
		return;
	}
	if (proto->changes_pkt_data)
		*moves_pkt = true;
	for (int a = 0; a < 5; a++)
		if (proto->args[a] == UXDP_ARG_PTR_TO_CTX)
			*takes_ctx = true;
}

static int rewrite(struct uxdp_prog *prog, struct ctx_pass *p, char *log, size_t log_size)
{
	bool takes_ctx = false, moves_pkt = false;
	uint8_t reads = 0;

	for (uint32_t i = 0; i < prog->insn_cnt; i++) {
		struct bpf_insn *insn = &prog->insns[i];
		uint8_t cls = BPF_CLASS(insn->code), kind, size;
		int16_t new_off;

		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			i++;
			continue;
		}
		if (!p->seen[i])
			continue; /* unreachable: never runs */
		call_effects(prog, insn, &takes_ctx, &moves_pkt);
		if (cls == BPF_ST || cls == BPF_STX) {
			kind = p->in[i].reg[insn->dst_reg];
			if (kind & (K_CTX | K_MODCTX)) {
				uxdp_log(log, log_size,
					 "insn %u: write into the context (r%u) is not allowed: "
					 "xdp_md is read-only\n",
					 i, insn->dst_reg);
				return -EACCES;
			}
			continue;
		}
		if (cls != BPF_LDX)
			continue;
		kind = p->in[i].reg[insn->src_reg];
		if ((kind & K_UNKNOWN) && !(kind & K_MODCTX) && !((kind & K_CTX) && (kind & K_OTHER))) {
			/*
			 * The base came from memory (e.g. a context pointer kept in a
			 * struct on the stack and read back through another pointer,
			 * or handed to a bpf_loop callback). The engines check at run
			 * time whether such a load hits the context and translate it.
			 */
			if (BPF_SIZE(insn->code) == BPF_W && BPF_MODE(insn->code) == BPF_MEM &&
			    xdp_md_field(prog, insn->off, &size, &new_off)) {
				prog->insn_flags[i] |= UXDP_INSN_MAYBE_CTX;
				takes_ctx = true; /* reached through memory */
			}
			continue;
		}
		if (!(kind & (K_CTX | K_MODCTX)))
			continue;
		if (kind & K_MODCTX) {
			uxdp_log(log, log_size,
				 "insn %u: dereference of modified ctx ptr r%u is not allowed\n", i,
				 insn->src_reg);
			return -EACCES;
		}
		if (kind != K_CTX) {
			uxdp_log(log, log_size,
				 "insn %u: r%u holds the context on one path and another pointer on "
				 "another; one load cannot read both\n",
				 i, insn->src_reg);
			return -EACCES;
		}
		if (BPF_SIZE(insn->code) != BPF_W || BPF_MODE(insn->code) != BPF_MEM ||
		    !xdp_md_field(prog, insn->off, &size, &new_off)) {
			uxdp_log(log, log_size, "insn %u: invalid bpf_context access off=%d size=%d\n",
				 i, insn->off, size_bytes(insn->code));
			return -EACCES;
		}
		reads |= (uint8_t)(1u << (insn->off / 4));
		insn->code = BPF_LDX | BPF_MEM | size;
		insn->off = new_off;
	}
	prog->ctx_private = !takes_ctx;
	prog->ctx_reads = reads;
	prog->keeps_geometry = !moves_pkt;
	return 0;
}

int uxdp_prog_dataflow(struct uxdp_prog *prog, char *log, size_t log_size)
{
	struct ctx_pass p = { .prog = prog };
	struct ctx_state main_entry;
	int err = -ENOMEM;

	p.in = calloc(prog->insn_cnt, sizeof(*p.in));
	p.seen = calloc(prog->insn_cnt, 1);
	p.queued = calloc(prog->insn_cnt, 1);
	p.work = malloc(sizeof(*p.work) * prog->insn_cnt);
	p.entry = calloc(prog->subprog_cnt, sizeof(*p.entry));
	p.entry_seen = calloc(prog->subprog_cnt, 1);
	if (!p.in || !p.seen || !p.queued || !p.work || !p.entry || !p.entry_seen)
		goto out;

	memset(&main_entry, 0, sizeof(main_entry));
	for (int r = 0; r < 10; r++)
		main_entry.reg[r] = K_UNINIT;
	if (prog->type == UXDP_PROG_RAW) {
		main_entry.reg[BPF_REG_1] = K_OTHER; /* memory and its length */
		main_entry.reg[BPF_REG_2] = K_OTHER;
	} else {
		main_entry.reg[BPF_REG_1] = K_CTX;
	}
	main_entry.reg[BPF_REG_10] = K_OTHER;
	p.entry[0] = main_entry;
	p.entry_seen[0] = 1;
	p.entry_changed = true;

	/* Callbacks (bpf_loop) start with scalar/stack arguments. */
	for (uint32_t i = 0; i < prog->insn_cnt; i++) {
		const struct bpf_insn *insn = &prog->insns[i];

		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			if (insn->src_reg == BPF_PSEUDO_FUNC)
				enter_subprog(&p, subprog_index(prog, i + insn->imm + 1), NULL);
			i++;
		}
	}

	/* Iterate until no subprogram entry state changes any more. */
	while (p.entry_changed) {
		p.entry_changed = false;
		for (uint32_t s = 0; s < prog->subprog_cnt; s++) {
			if (!p.entry_seen[s])
				continue;
			p.work_cnt = 0;
			flow_to(&p, prog->subprogs[s].start, &p.entry[s]);
			while (p.work_cnt) {
				uint32_t i = p.work[--p.work_cnt];

				p.queued[i] = 0;
				step(&p, i);
			}
		}
	}
	err = check_reads(prog, &p, log, log_size);
	if (!err && prog->type != UXDP_PROG_RAW) {
		prog->insn_flags = calloc(prog->insn_cnt, 1);
		err = prog->insn_flags ? rewrite(prog, &p, log, log_size) : -ENOMEM;
	}
out:
	free(p.in);
	free(p.seen);
	free(p.queued);
	free(p.work);
	free(p.entry);
	free(p.entry_seen);
	return err;
}
