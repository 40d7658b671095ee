// SPDX-License-Identifier: BSD-2-Clause
/*
 * The static verifier. Before a program may run, every path through it is
 * walked with an abstract state (verifier_internal.h: what each register and
 * stack byte may hold), as the kernel's verifier does: packet accesses must be
 * proven inside data..data_end by the program's own comparisons, map values
 * within their size, the stack within 512 bytes and written before it is read,
 * the context only at xdp_md fields, lookup results checked against NULL, and
 * each helper's arguments must match its prototype in the helper table
 * (helpers.c). Loops are explored iteration by iteration; states already seen
 * at a jump target prune the walk, and a budget of processed instructions
 * (the kernel's 1M) bounds it. Callbacks (bpf_loop) are explored until the
 * state at the call converges. A refusal names the instruction, shows it
 * disassembled with the source line when line info is known, and prints the
 * registers on the failing path.
 *
 * The model is the kernel's for a privileged loader (pointer comparisons and
 * pointer values stored in maps are allowed); the semantics were learnt from
 * kernel/bpf/verifier.c, the code is ours.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier_internal.h"
#include "verifier.h"
#include "helper/helper_internal.h"
#include "map/map_internal.h"

#define MAX_PACKET_OFF 0xffff
#define MAX_VAR_OFF (1 << 29)
#define MAX_STATES_PER_INSN 64
#define MAX_STATES_TOTAL 20000
/* Memory for kept states and pending branches: beyond it, no more pruning states; the
 * pending branches' limit refuses the program. */
#define MAX_CHECKPOINT_BYTES (96u << 20)
#define MAX_PENDING_BYTES (192u << 20)
#define RAW_UNBOUNDED UINT32_MAX

struct vcheckpoint {
	struct vcheckpoint *next; /* same instruction */
	struct vcheckpoint *parent;
	uint32_t branches; /* paths from here still being explored */
	bool callback_head; /* at a callback-calling helper: converge, not loop */
	struct vcheckpoint *cb_head; /* the first call of the callback loop this belongs to */
	struct vstate st;
};

struct venv {
	struct uxdp_prog *prog;
	const struct bpf_insn *insns;
	uint32_t cnt;
	const struct uxdp_verify_opts *opts;
	char *log;
	size_t log_size;
	size_t log_used;

	struct vstate *cur;
	struct vstate *stack; /* pending branches */
	uint32_t stack_cnt, stack_cap;

	struct vcheckpoint **explored;
	uint32_t *explored_cnt;
	uint8_t *prune;
	uint16_t *live; /* registers read before written from each insn on */
	uint32_t processed, id_gen, states, peak_states;
	uint32_t max_depth;
	uint32_t at; /* the instruction being checked */
	size_t checkpoint_bytes, pending_bytes;

	/* the refusal */
	char msg[512];
	char hint[512];
	int bad_reg;
};

/* --- log --- */

static void vlog(struct venv *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vlog(struct venv *env, const char *fmt, ...)
{
	va_list ap;

	if (!env->log || env->log_used + 1 >= env->log_size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(env->log + env->log_used, env->log_size - env->log_used, fmt, ap);
	va_end(ap);
	if (n > 0)
		env->log_used += (size_t)n;
	if (env->log_used >= env->log_size)
		env->log_used = env->log_size - 1;
}

static int verr(struct venv *env, int reg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int verr(struct venv *env, int reg, const char *fmt, ...)
{
	va_list ap;

	if (env->msg[0])
		return -EACCES;
	va_start(ap, fmt);
	vsnprintf(env->msg, sizeof(env->msg), fmt, ap);
	va_end(ap);
	env->bad_reg = reg;
	return -EACCES;
}

static void vhint(struct venv *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vhint(struct venv *env, const char *fmt, ...)
{
	va_list ap;

	if (env->hint[0])
		return;
	va_start(ap, fmt);
	vsnprintf(env->hint, sizeof(env->hint), fmt, ap);
	va_end(ap);
}

static void log_regs(struct venv *env, const struct vstate *st)
{
	char buf[256];

	for (int f = 0; f <= (int)st->curframe; f++) {
		const struct vframe *fr = st->frame[f];

		if (st->curframe)
			vlog(env, "  frame%d%s:", f, fr->callback ? " (callback)" : "");
		else
			vlog(env, " ");
		for (int r = 0; r <= 10; r++) {
			if (fr->regs[r].type == VT_NOT_INIT)
				continue;
			vreg_describe(&fr->regs[r], buf, sizeof(buf));
			vlog(env, " R%d=%s", r, buf);
		}
		for (int s = V_SLOTS - 1; s >= 0; s--) {
			const uint8_t *b = &fr->stype[s * 8];
			bool any = false;

			for (int k = 0; k < 8; k++)
				any |= b[k] != SB_INVALID;
			if (!any)
				continue;
			if (b[0] == SB_SPILL && !memcmp(b, b + 1, 7)) {
				vreg_describe(&fr->spill[s], buf, sizeof(buf));
				vlog(env, " fp%d=%s", s * 8 - UXDP_STACK_SIZE, buf);
			} else {
				char m[9];

				for (int k = 0; k < 8; k++)
					m[7 - k] = "?mzr"[b[k]];
				m[8] = 0;
				vlog(env, " fp%d=%s", s * 8 - UXDP_STACK_SIZE, m);
			}
		}
		vlog(env, "\n");
	}
}

static const struct uxdp_line_info *line_of(struct venv *env, uint32_t insn)
{
	const struct uxdp_line_info *best = NULL;

	for (size_t i = 0; env->opts->line_info && i < env->opts->line_info_cnt; i++) {
		const struct uxdp_line_info *li = &env->opts->line_info[i];

		if (li->insn <= insn && (!best || li->insn >= best->insn))
			best = li;
	}
	return best;
}

static void log_insn(struct venv *env, uint32_t i)
{
	char buf[128];
	const struct uxdp_line_info *li = line_of(env, i);

	if (li && li->insn == i && (li->text || li->file))
		vlog(env, "; %s (%s:%u)\n", li->text ? li->text : "", li->file ? li->file : "?",
		     li->line);
	if (uxdp_disasm_insn(&env->insns[i], env->cnt - i, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(invalid)");
	vlog(env, "%u: (%02x) %s\n", i, env->insns[i].code, buf);
}

/* --- states --- */

static struct vframe *frame_new(void)
{
	return calloc(1, sizeof(struct vframe));
}

static void state_free(struct vstate *st)
{
	for (uint32_t f = 0; f < V_MAX_FRAMES; f++) {
		free(st->frame[f]);
		st->frame[f] = NULL;
	}
}

static int state_copy(struct vstate *dst, const struct vstate *src)
{
	*dst = *src;
	memset(dst->frame, 0, sizeof(dst->frame));
	for (uint32_t f = 0; f <= src->curframe; f++) {
		dst->frame[f] = malloc(sizeof(struct vframe));
		if (!dst->frame[f]) {
			state_free(dst);
			return -ENOMEM;
		}
		memcpy(dst->frame[f], src->frame[f], sizeof(struct vframe));
	}
	return 0;
}

static struct vframe *curf(struct venv *env)
{
	return env->cur->frame[env->cur->curframe];
}

static struct vreg *reg(struct venv *env, int r)
{
	return &curf(env)->regs[r];
}

/* Call fn on every register and spilled register of every frame. */
#define FOR_EACH_VREG(st, r, body)                                                                 \
	do {                                                                                       \
		for (uint32_t _f = 0; _f <= (st)->curframe; _f++) {                                \
			struct vframe *_fr = (st)->frame[_f];                                      \
			for (int _i = 0; _i < 11 + V_SLOTS; _i++) {                                \
				struct vreg *r;                                                    \
				if (_i < 11) {                                                     \
					r = &_fr->regs[_i];                                        \
				} else {                                                           \
					if (_fr->stype[(_i - 11) * 8] != SB_SPILL)                 \
						continue;                                          \
					r = &_fr->spill[_i - 11];                                  \
				}                                                                  \
				body;                                                              \
			}                                                                          \
		}                                                                                  \
	} while (0)

static void mark_not_init(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
}

static void mark_ptr(struct vreg *r, uint8_t type)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->var = tnum_const(0);
}

static bool is_ptr(const struct vreg *r)
{
	return r->type != VT_NOT_INIT && r->type != VT_SCALAR;
}

static bool is_pkt(const struct vreg *r)
{
	return r->type == VT_PKT || r->type == VT_PKT_META;
}

/* --- control flow graph: reachability and register liveness --- */

static bool is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_cond_jmp(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JA && op != BPF_CALL &&
	       op != BPF_EXIT;
}

static int32_t jmp_off(const struct bpf_insn *in)
{
	return BPF_CLASS(in->code) == BPF_JMP32 && BPF_OP(in->code) == BPF_JA ? in->imm : in->off;
}

/* Successors of insn i (at most 2); returns the count. */
static int succs(struct venv *env, uint32_t i, uint32_t out[2])
{
	const struct bpf_insn *in = &env->insns[i];
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	int n = 0;

	if (is_ldimm64(in)) {
		out[n++] = i + 2;
		return n;
	}
	if (cls == BPF_JMP || cls == BPF_JMP32) {
		if (op == BPF_EXIT)
			return 0;
		if (op == BPF_JA) {
			out[n++] = (uint32_t)((int64_t)i + jmp_off(in) + 1);
			return n;
		}
		if (op != BPF_CALL)
			out[n++] = (uint32_t)((int64_t)i + in->off + 1);
	}
	out[n++] = i + 1;
	return n;
}

static uint16_t insn_uses(struct venv *env, const struct bpf_insn *in, uint16_t *defs)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X;
	uint16_t u = 0;

	*defs = 0;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op != BPF_MOV)
			u |= 1u << in->dst_reg;
		if (x && op != BPF_END && op != BPF_NEG)
			u |= 1u << in->src_reg;
		*defs = 1u << in->dst_reg;
		break;
	case BPF_LD:
		*defs = 1u << in->dst_reg;
		break;
	case BPF_LDX:
		u = 1u << in->src_reg;
		*defs = 1u << in->dst_reg;
		break;
	case BPF_ST:
		u = 1u << in->dst_reg;
		break;
	case BPF_STX:
		u = 1u << in->dst_reg | 1u << in->src_reg;
		if (BPF_MODE(in->code) == UXDP_OP_ATOMIC_MODE) {
			if (in->imm == BPF_CMPXCHG) {
				u |= 1;
				*defs = 1;
			} else if (in->imm & BPF_FETCH) {
				*defs = 1u << in->src_reg;
			}
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			return 1;
		if (op == BPF_JA)
			return 0;
		if (op == BPF_CALL) {
			*defs = 0x3f;
			if (x)
				return 1u << in->dst_reg;
			if (in->src_reg == BPF_PSEUDO_CALL)
				return 0x3e;
			const struct uxdp_helper_proto *p = uxdp_helper_proto(in->imm, env->prog->type);

			for (int a = 0; p && a < 5; a++)
				if (p->args[a] != UXDP_ARG_NONE)
					u |= 1u << (a + 1);
			return u;
		}
		u = 1u << in->dst_reg;
		if (x)
			u |= 1u << in->src_reg;
		break;
	}
	return u;
}

static int check_cfg(struct venv *env)
{
	uint32_t cnt = env->cnt, *work, nwork = 0;
	uint8_t *seen = calloc(cnt, 1);
	bool changed = true;
	int err = 0;

	work = malloc(sizeof(*work) * (cnt + 1));
	env->live = calloc(cnt, sizeof(*env->live));
	env->prune = calloc(cnt, 1);
	if (!seen || !work || !env->live || !env->prune) {
		err = -ENOMEM;
		goto out;
	}
	/* reachability from insn 0, into subprograms and callbacks */
	seen[0] = 1;
	work[nwork++] = 0;
	while (nwork) {
		uint32_t i = work[--nwork], s[3];
		const struct bpf_insn *in = &env->insns[i];
		int n = succs(env, i, s);

		if ((in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) ||
		    (is_ldimm64(in) && in->src_reg == BPF_PSEUDO_FUNC))
			s[n++] = (uint32_t)((int64_t)i + in->imm + 1);
		if (in->code == (BPF_JMP | BPF_CALL) && !in->src_reg && in->imm == BPF_FUNC_loop)
			env->prune[i] = 1;
		if (is_cond_jmp(in))
			env->prune[i + 1] = 1;
		for (int k = 0; k < n; k++) {
			if (s[k] >= cnt)
				continue; /* check_jumps has refused these already */
			if (k == 0 && n > 1 && is_cond_jmp(in))
				env->prune[s[k]] = 1;
			if (BPF_OP(in->code) == BPF_JA && (BPF_CLASS(in->code) == BPF_JMP ||
							   BPF_CLASS(in->code) == BPF_JMP32))
				env->prune[s[k]] = 1;
			if (!seen[s[k]]) {
				seen[s[k]] = 1;
				work[nwork++] = s[k];
			}
		}
	}
	for (uint32_t i = 0; i < cnt; i++) {
		if (!seen[i]) {
			env->cur->insn = i;
			err = verr(env, -1, "unreachable insn %u", i);
			vhint(env, "no path from the program's entry reaches this instruction; the "
				   "kernel refuses dead code");
			goto out;
		}
		if (is_ldimm64(&env->insns[i]))
			i++;
	}
	/* backward liveness to a fixpoint */
	while (changed) {
		changed = false;
		for (uint32_t k = cnt; k-- > 0;) {
			const struct bpf_insn *in = &env->insns[k];
			uint32_t s[2];
			uint16_t defs, uses, out = 0, nl;
			int n;

			if (k && is_ldimm64(&env->insns[k - 1]))
				continue;
			n = succs(env, k, s);
			for (int j = 0; j < n; j++)
				if (s[j] < cnt)
					out |= env->live[s[j]];
			uses = insn_uses(env, in, &defs);
			nl = (uint16_t)(uses | (out & ~defs));
			if (nl != env->live[k]) {
				env->live[k] = nl;
				changed = true;
			}
		}
	}
out:
	free(seen);
	free(work);
	return err;
}

/* --- pruning --- */

struct idmap {
	uint32_t old[64], cur[64];
	int n;
};

static bool id_match(struct idmap *m, uint32_t old, uint32_t cur)
{
	if (!old && !cur)
		return true;
	if (!old || !cur)
		return false;
	for (int i = 0; i < m->n; i++) {
		if (m->old[i] == old)
			return m->cur[i] == cur;
		if (m->cur[i] == cur)
			return false;
	}
	if (m->n == 64)
		return false;
	m->old[m->n] = old;
	m->cur[m->n++] = cur;
	return true;
}

static bool reg_within(const struct vreg *old, const struct vreg *cur, struct idmap *m, bool exact)
{
	if (old->type == VT_NOT_INIT)
		return exact ? cur->type == VT_NOT_INIT : true;
	if (old->type != cur->type || old->flags != cur->flags)
		return false;
	if (exact) {
		if (old->umin != cur->umin || old->umax != cur->umax || old->smin != cur->smin ||
		    old->smax != cur->smax || old->var.value != cur->var.value ||
		    old->var.mask != cur->var.mask)
			return false;
	} else if (!vreg_range_within(old, cur)) {
		return false;
	}
	if (old->type == VT_SCALAR)
		return !old->id || id_match(m, old->id, cur->id);
	if (old->off != cur->off || old->map != cur->map || old->frameno != cur->frameno)
		return false;
	switch (old->type) {
	case VT_PKT:
	case VT_PKT_META:
		if (exact ? old->range != cur->range : old->range > cur->range)
			return false;
		return id_match(m, old->id + 1, cur->id + 1);
	case VT_MEM:
	case VT_FUNC:
		if (old->range != cur->range)
			return false;
		break;
	}
	if (old->flags & VR_MAYBE_NULL && !id_match(m, old->id, cur->id))
		return false;
	return id_match(m, old->ref_id, cur->ref_id);
}

static uint16_t frame_live(struct venv *env, const struct vstate *st, uint32_t f)
{
	const struct vframe *callee;

	if (f == st->curframe)
		return env->live[st->insn] | 1u << 10;
	callee = st->frame[f + 1];
	if (callee->callback)
		return env->live[callee->callsite] | 1u << 10;
	return (env->live[callee->callsite + 1] & ~0x3fu) | 1u << 10;
}

static bool states_within(struct venv *env, const struct vstate *old, const struct vstate *cur,
			  bool exact)
{
	struct idmap m = { .n = 0 };

	if (old->curframe != cur->curframe || old->ref_cnt != cur->ref_cnt)
		return false;
	for (uint32_t f = 0; f <= cur->curframe; f++) {
		const struct vframe *o = old->frame[f], *c = cur->frame[f];
		uint16_t live = frame_live(env, cur, f);

		if (o->callsite != c->callsite || o->callback != c->callback)
			return false;
		for (int r = 0; r <= 10; r++)
			if ((live & (1u << r)) && !reg_within(&o->regs[r], &c->regs[r], &m, exact))
				return false;
		for (int b = 0; b < UXDP_STACK_SIZE; b++) {
			uint8_t ot = o->stype[b], ct = c->stype[b];

			if (exact && ot != ct)
				return false;
			if (ot == SB_INVALID)
				continue;
			if (ot == SB_MISC && ct == SB_INVALID)
				return false;
			if (ot == SB_ZERO && ct != SB_ZERO)
				return false;
			if (ot == SB_SPILL) {
				if (ct != SB_SPILL)
					return false;
				if ((b & 7) == 0 &&
				    !reg_within(&o->spill[b / 8], &c->spill[b / 8], &m, exact))
					return false;
			}
			if (ot == SB_MISC && ct == SB_SPILL && c->spill[b / 8].type != VT_SCALAR &&
			    c->spill[b / 8].type != VT_NOT_INIT)
				continue; /* a pointer read as bytes: still initialised memory */
		}
	}
	for (uint32_t k = 0; k < cur->ref_cnt; k++)
		if (!id_match(&m, old->refs[k], cur->refs[k]))
			return false;
	return true;
}

/* Make every scalar of cur that old does not cover unknown (callback convergence). */
static void widen(const struct vstate *old, struct vstate *cur)
{
	for (uint32_t f = 0; f <= cur->curframe; f++) {
		const struct vframe *o = old->frame[f];
		struct vframe *c = cur->frame[f];

		for (int r = 0; r < 10; r++)
			if (c->regs[r].type == VT_SCALAR && o->regs[r].type == VT_SCALAR &&
			    !vreg_range_within(&o->regs[r], &c->regs[r]))
				vreg_mark_unknown(&c->regs[r]);
		for (int s = 0; s < V_SLOTS; s++) {
			if (c->stype[s * 8] == SB_SPILL && c->spill[s].type == VT_SCALAR &&
			    o->stype[s * 8] == SB_SPILL && o->spill[s].type == VT_SCALAR &&
			    !vreg_range_within(&o->spill[s], &c->spill[s]))
				vreg_mark_unknown(&c->spill[s]);
			for (int k = 0; k < 8; k++)
				if (c->stype[s * 8 + k] == SB_ZERO && o->stype[s * 8 + k] == SB_MISC)
					c->stype[s * 8 + k] = SB_MISC;
			if (c->stype[s * 8] == SB_SPILL && c->spill[s].type == VT_SCALAR &&
			    o->stype[s * 8] == SB_MISC)
				memset(&c->stype[s * 8], SB_MISC, 8);
		}
	}
}

static void branch_done(struct vcheckpoint *cp)
{
	while (cp) {
		if (--cp->branches)
			return;
		cp = cp->parent;
	}
}

/* 1: prune this path; 0: go on; <0: error. */
static int visit_state(struct venv *env)
{
	struct vstate *cur = env->cur;
	uint32_t i = cur->insn;
	struct vcheckpoint *cp;
	bool is_cb_call = env->insns[i].code == (BPF_JMP | BPF_CALL) && !env->insns[i].src_reg &&
			  env->insns[i].imm == BPF_FUNC_loop;
	/*
	 * Back from a callback at its helper call: the same loop's earlier
	 * iterations may be widened into and prune this one (the helper bounds the
	 * iterations). Any other arrival is a fresh call, checked as any state.
	 */
	bool cb = is_cb_call && cur->cb_return && cur->cb_head;

	cur->cb_return = false;
	for (cp = env->explored[i]; cp; cp = cp->next) {
		if (cb) {
			if (cp->branches && cp->cb_head == cur->cb_head &&
			    cp->st.curframe == cur->curframe) {
				widen(&cp->st, cur);
				if (states_within(env, &cp->st, cur, false))
					return 1;
			}
			continue;
		}
		if (cp->branches) {
			if (!cb && states_within(env, &cp->st, cur, true)) {
				verr(env, -1, "infinite loop detected at insn %u", i);
				vhint(env, "the program comes back to this instruction in exactly the "
					   "state it had before, so it can never leave the loop");
				return -EINVAL;
			}
			continue;
		}
		if (states_within(env, &cp->st, cur, false))
			return 1;
	}
	if (!cb)
		cur->cb_head = NULL;
	if (env->explored_cnt[i] >= MAX_STATES_PER_INSN || env->states >= MAX_STATES_TOTAL ||
	    env->checkpoint_bytes >= MAX_CHECKPOINT_BYTES)
		return 0;
	cp = calloc(1, sizeof(*cp));
	if (!cp || state_copy(&cp->st, cur)) {
		free(cp);
		return -ENOMEM;
	}
	env->checkpoint_bytes += sizeof(*cp) + (cur->curframe + 1) * sizeof(struct vframe);
	cp->branches = 1;
	cp->parent = cur->parent;
	cp->callback_head = cb;
	cp->cb_head = cb ? cur->cb_head : is_cb_call ? cp : NULL;
	if (is_cb_call)
		cur->cb_head = cp->cb_head;
	cp->st.parent = NULL;
	cur->parent = cp;
	cp->next = env->explored[i];
	env->explored[i] = cp;
	env->explored_cnt[i]++;
	env->states++;
	return 0;
}

static int push_branch(struct venv *env, const struct vstate *st)
{
	if (env->stack_cnt == env->stack_cap) {
		uint32_t cap = env->stack_cap ? env->stack_cap * 2 : 64;
		struct vstate *n = realloc(env->stack, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		env->stack = n;
		env->stack_cap = cap;
	}
	if (env->stack_cnt >= 8192 || env->pending_bytes >= MAX_PENDING_BYTES) {
		verr(env, -1, "the program has too many pending branches (%u)", env->stack_cnt);
		vhint(env, "too many paths are open at once for the verifier to keep them all");
		return -E2BIG;
	}
	if (state_copy(&env->stack[env->stack_cnt], st))
		return -ENOMEM;
	env->pending_bytes += (st->curframe + 1) * sizeof(struct vframe);
	env->stack_cnt++;
	if (st->parent)
		st->parent->branches++;
	return 0;
}

/* --- packet pointer invalidation, NULL marking, references --- */

static void invalidate_pkt(struct venv *env, uint32_t insn)
{
	FOR_EACH_VREG(env->cur, r, {
		if (r->type == VT_PKT || r->type == VT_PKT_END || r->type == VT_PKT_META) {
			vreg_mark_unknown(r);
			r->stale = insn + 1;
		}
	});
}

static void release_ref(struct venv *env, uint32_t ref)
{
	struct vstate *st = env->cur;

	for (uint32_t k = 0; k < st->ref_cnt; k++) {
		if (st->refs[k] != ref)
			continue;
		memmove(&st->refs[k], &st->refs[k + 1], (st->ref_cnt - k - 1) * sizeof(st->refs[0]));
		memmove(&st->ref_insn[k], &st->ref_insn[k + 1],
			(st->ref_cnt - k - 1) * sizeof(st->ref_insn[0]));
		st->ref_cnt--;
		break;
	}
	FOR_EACH_VREG(st, r, {
		if (r->ref_id == ref)
			vreg_mark_unknown(r);
	});
}

static void mark_null(struct venv *env, uint32_t id, bool is_null)
{
	uint32_t ref = 0;

	FOR_EACH_VREG(env->cur, r, {
		if (is_ptr(r) && (r->flags & VR_MAYBE_NULL) && r->id == id) {
			if (is_null) {
				ref = r->ref_id ? r->ref_id : ref;
				vreg_mark_const(r, 0);
			} else {
				r->flags &= ~VR_MAYBE_NULL;
				r->id = 0;
				if (r->type == VT_MAP_PTR)
					r->var = tnum_const(0);
			}
		}
	});
	if (ref)
		release_ref(env, ref);
}

static void sync_linked(struct venv *env, const struct vreg *src)
{
	if (!src->id || src->type != VT_SCALAR)
		return;
	FOR_EACH_VREG(env->cur, r, {
		if (r->type == VT_SCALAR && r->id == src->id && r != src)
			*r = *src;
	});
}

/* --- memory access --- */

/* Value size of the map a map value pointer points into (inner maps: the template's). */
static uint32_t value_size(const struct vreg *r)
{
	return r->flags & VR_INNER_MAP ? r->map->inner_value_size : r->map->value_size;
}

static bool map_rdonly(const struct vreg *r)
{
	return !(r->flags & VR_INNER_MAP) && (r->map->map_flags & BPF_F_RDONLY_PROG);
}

static int size_of(uint8_t code)
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

static void stack_touch(struct vframe *fr, int idx)
{
	int d = UXDP_STACK_SIZE - idx;

	if (d > fr->depth)
		fr->depth = (uint16_t)d;
}

/* Bytes [lo, hi) of frame fr are overwritten: break any spilled register they touch. */
static void stack_clobber(struct vframe *fr, int lo, int hi)
{
	for (int s = lo / 8; s <= (hi - 1) / 8 && s < V_SLOTS; s++) {
		if (fr->stype[s * 8] != SB_SPILL)
			continue;
		bool zero = fr->spill[s].type == VT_SCALAR && vreg_is_const(&fr->spill[s]) &&
			    fr->spill[s].var.value == 0;

		memset(&fr->stype[s * 8], zero ? SB_ZERO : SB_MISC, 8);
		for (int k = 0; k < 8; k++)
			if (fr->stype[s * 8 + k] == SB_SPILL)
				fr->stype[s * 8 + k] = SB_MISC;
	}
}

static void stack_write(struct vframe *fr, int idx, int size, const struct vreg *val)
{
	stack_touch(fr, idx);
	stack_clobber(fr, idx, idx + size);
	if (val && size == 8 && idx % 8 == 0 && val->type != VT_NOT_INIT) {
		memset(&fr->stype[idx], SB_SPILL, 8);
		fr->spill[idx / 8] = *val;
		return;
	}
	memset(&fr->stype[idx],
	       val && vreg_is_const(val) && val->var.value == 0 ? SB_ZERO : SB_MISC, size);
}

/* Load bytes [idx, idx+size) of frame fr into out (NULL: just check they are written). */
static int stack_read(struct venv *env, struct vframe *fr, int idx, int size, struct vreg *out,
		      int regno, bool sx)
{
	bool zero = true;

	if (out && size == 8 && idx % 8 == 0 && fr->stype[idx] == SB_SPILL &&
	    !memcmp(&fr->stype[idx], "\3\3\3\3\3\3\3\3", 8)) {
		*out = fr->spill[idx / 8];
		return 0;
	}
	for (int b = idx; b < idx + size; b++) {
		if (fr->stype[b] == SB_INVALID) {
			verr(env, regno, "invalid read from stack R%d off %d+%d size %d", regno,
			     idx - UXDP_STACK_SIZE, b - idx, size);
			vhint(env, "the stack byte at fp%d is read before anything was written there "
				   "on this path",
			      b - UXDP_STACK_SIZE);
			return -EACCES;
		}
		if (fr->stype[b] != SB_ZERO)
			zero = false;
	}
	if (out) {
		if (zero)
			vreg_mark_const(out, 0);
		else
			vreg_mark_load(out, size, sx);
	}
	return 0;
}

/* The byte range [lo, hi) relative to fp that an access may touch, or an error. */
static int stack_bounds(struct venv *env, const struct vreg *r, int regno, int off, int size,
			int *lo, int *hi)
{
	int64_t a = (int64_t)r->off + off + r->smin, b = (int64_t)r->off + off + r->smax + size;

	if (r->smin < -MAX_VAR_OFF || r->smax > MAX_VAR_OFF || a < -UXDP_STACK_SIZE || b > 0 ||
	    size <= 0) {
		char buf[160];

		vreg_describe(r, buf, sizeof(buf));
		verr(env, regno, "invalid stack access R%d=%s off=%d size=%d", regno, buf, off, size);
		vhint(env, "stack accesses must stay inside the frame's %d bytes: fp-%d .. fp-1",
		      UXDP_STACK_SIZE, UXDP_STACK_SIZE);
		return -EACCES;
	}
	*lo = (int)a + UXDP_STACK_SIZE;
	*hi = (int)b + UXDP_STACK_SIZE;
	return 0;
}

/* Check that [off, off+size) of a sized region (map value, memory) is reachable from r. */
static int check_region(struct venv *env, const struct vreg *r, int regno, int off, int size,
			uint32_t region, const char *what)
{
	int64_t lo = (int64_t)r->off + off + r->smin;
	int64_t hi = (int64_t)r->off + off + (int64_t)r->umax + size;

	if (region == RAW_UNBOUNDED)
		return 0;
	if (r->smin < 0 || r->umax > MAX_VAR_OFF) {
		char buf[160];

		vreg_describe(r, buf, sizeof(buf));
		verr(env, regno,
		     "R%d unbounded memory access: the variable offset of %s may be negative or "
		     "too large (R%d=%s)",
		     regno, what, regno, buf);
		vhint(env, "bound the index with an unsigned comparison or a mask (idx &= %u) "
			   "before adding it to the pointer",
		      region ? region - 1 : 0);
		return -EACCES;
	}
	if (lo < 0 || hi > region || size < 0) {
		verr(env, regno, "invalid access to %s, size=%u off=%lld size=%d", what, region,
		     (long long)((int64_t)r->off + off), size);
		vhint(env, "R%d may point to bytes [%lld, %lld) of a %u-byte %s", regno,
		      (long long)lo, (long long)hi, region, what);
		return -EACCES;
	}
	return 0;
}

static int check_pkt(struct venv *env, const struct vreg *r, int regno, int off, int size)
{
	int64_t total = (int64_t)r->off + off;

	if (r->smin < 0) {
		verr(env, regno,
		     "R%d min value is negative, either use unsigned index or do a if (index "
		     ">=0) check.",
		     regno);
		return -EACCES;
	}
	if (r->umax > MAX_PACKET_OFF || total + (int64_t)r->umax + size > MAX_PACKET_OFF) {
		verr(env, regno, "R%d unbounded memory access to the packet", regno);
		return -EACCES;
	}
	if (total < 0 || total + size > (int64_t)r->range || size <= 0) {
		verr(env, regno, "invalid access to packet, off=%lld size=%d, R%d(id=%u,off=%d,r=%u)",
		     (long long)off, size, regno, r->id, r->off, r->range);
		if (r->range == 0)
			vhint(env, "R%d is a %s pointer no comparison with %s has bounded yet: compare "
				   "R%d + %lld with %s first (if (p + %lld > %s) goto out;)",
			      regno, r->type == VT_PKT ? "packet" : "packet metadata",
			      r->type == VT_PKT ? "data_end" : "data", regno,
			      (long long)(total + size), r->type == VT_PKT ? "data_end" : "data",
			      (long long)(total + size), r->type == VT_PKT ? "data_end" : "data");
		else
			vhint(env, "the program proved %u bytes from R%d's base are inside the packet "
				   "(r=%u), but this access needs bytes [%lld, %lld)",
			      r->range, regno, r->range, (long long)total, (long long)(total + size));
		return -EACCES;
	}
	return 0;
}

static int xdp_ctx_field(struct venv *env, int off, int size, uint8_t *type)
{
	if (size != 4)
		return -1;
	switch (off) {
	case 0:
		*type = VT_PKT;
		return 0;
	case 4:
		*type = VT_PKT_END;
		return 0;
	case 8:
		*type = VT_PKT_META;
		return 0;
	case 12:
	case 16:
		*type = VT_SCALAR;
		return 0;
	case 20:
		*type = VT_SCALAR;
		return env->prog->type == UXDP_PROG_XDP_DEVMAP ? 0 : -1;
	}
	return -1;
}

static int invalid_mem(struct venv *env, const struct vreg *r, int regno)
{
	char buf[160];

	vreg_describe(r, buf, sizeof(buf));
	if (r->type == VT_NOT_INIT) {
		verr(env, regno, "R%d !read_ok", regno);
		vhint(env, "R%d is used as a pointer before anything was written to it", regno);
		return -EACCES;
	}
	if (r->flags & VR_MAYBE_NULL) {
		verr(env, regno, "R%d invalid mem access '%s_or_null'", regno, vtype_name(r->type));
		vhint(env, "R%d may be NULL (a lookup or reservation that can fail): compare it with 0 "
			   "before dereferencing it",
		      regno);
		return -EACCES;
	}
	verr(env, regno, "R%d invalid mem access '%s'", regno, vtype_name(r->type));
	if (r->type == VT_SCALAR && r->stale)
		vhint(env, "R%d was a packet pointer, invalidated by the helper call at insn %u "
			   "(it may move or resize the packet); reload data/data_end from the context "
			   "and compare again",
		      regno, r->stale - 1);
	else if (r->type == VT_SCALAR)
		vhint(env, "R%d=%s is a number, not a pointer", regno, buf);
	return -EACCES;
}

/* Read rodata bytes: a known constant when the map is read-only for programs. */
static bool rodata_const(const struct vreg *r, int off, int size, uint64_t *v)
{
	const struct uxdp_map *m = r->map;
	uint8_t *data;
	int64_t o = (int64_t)r->off + off + (int64_t)r->var.value;

	if (!map_rdonly(r) || r->var.mask || m->type != BPF_MAP_TYPE_ARRAY)
		return false;
	data = uxdp_map__array_data((struct uxdp_map *)m);
	if (!data || o < 0 || o + size > m->value_size)
		return false;
	*v = 0;
	memcpy(v, data + o, (size_t)size); /* little-endian host */
	return true;
}

/*
 * One load or store through register regno at insn offset off. For a load,
 * out receives the loaded value; for a store, val is the stored value (NULL
 * for an unknown one, e.g. an immediate is passed as a constant).
 */
static int check_mem(struct venv *env, int regno, int off, int size, bool write, bool atomic,
		     struct vreg *out, const struct vreg *val, bool sx)
{
	struct vreg *r = reg(env, regno);
	int err, lo, hi;

	if (!is_ptr(r) || (r->flags & VR_MAYBE_NULL))
		return invalid_mem(env, r, regno);
	switch (r->type) {
	case VT_CTX: {
		uint8_t t;

		if (write || atomic) {
			verr(env, regno, "cannot write into ctx: xdp_md is read-only (R%d)", regno);
			return -EACCES;
		}
		if (r->off || r->var.mask || r->var.value) {
			verr(env, regno, "dereference of modified ctx ptr R%d off=%d disallowed", regno,
			     r->off);
			vhint(env, "read xdp_md fields through the unmodified context pointer, with "
				   "the field offset in the load instruction");
			return -EACCES;
		}
		if (sx || xdp_ctx_field(env, off, size, &t)) {
			verr(env, regno, "invalid bpf_context access off=%d size=%d", off, size);
			vhint(env, "xdp_md has 32-bit fields at offsets 0 (data), 4 (data_end), 8 "
				   "(data_meta), 12 (ingress_ifindex), 16 (rx_queue_index) and 20 "
				   "(egress_ifindex, devmap programs only)");
			return -EACCES;
		}
		if (t == VT_SCALAR)
			vreg_mark_load(out, 4, false);
		else
			mark_ptr(out, t);
		return 0;
	}
	case VT_PKT:
	case VT_PKT_META:
		if (atomic) {
			verr(env, regno, "BPF_ATOMIC stores into R%d packet is not allowed", regno);
			return -EACCES;
		}
		err = check_pkt(env, r, regno, off, size);
		if (!err && !write)
			vreg_mark_load(out, size, sx);
		return err;
	case VT_MAP_VALUE:
		if (write && map_rdonly(r)) {
			verr(env, regno, "write into map forbidden, value_size=%u off=%d size=%d",
			     value_size(r), r->off + off, size);
			vhint(env, "map '%s' is read-only for programs (.rodata)", r->map->name);
			return -EACCES;
		}
		err = check_region(env, r, regno, off, size, value_size(r), "map value");
		if (!err && !write) {
			uint64_t v;

			if (!sx && rodata_const(r, off, size, &v))
				vreg_mark_const(out, v);
			else
				vreg_mark_load(out, size, sx);
		}
		return err;
	case VT_MEM:
		err = check_region(env, r, regno, off, size, r->range, "memory");
		if (!err && !write)
			vreg_mark_load(out, size, sx);
		return err;
	case VT_STACK: {
		struct vframe *fr = env->cur->frame[r->frameno];

		err = stack_bounds(env, r, regno, off, size, &lo, &hi);
		if (err)
			return err;
		if (tnum_is_const(r->var)) {
			if (write && !atomic) {
				stack_write(fr, lo, size, val);
				return 0;
			}
			err = stack_read(env, fr, lo, size, atomic ? NULL : out, regno, sx);
			if (!err && atomic) {
				stack_clobber(fr, lo, hi);
				memset(&fr->stype[lo], SB_MISC, (size_t)size);
			}
			return err;
		}
		/* variable offset: any byte of [lo, hi) may be the one */
		if (write && !atomic) {
			stack_touch(fr, lo);
			stack_clobber(fr, lo, hi);
			for (int b = lo; b < hi; b++)
				if (fr->stype[b] != SB_ZERO || !val || !vreg_is_const(val) ||
				    val->var.value)
					fr->stype[b] = SB_MISC;
			return 0;
		}
		err = stack_read(env, fr, lo, hi - lo, NULL, regno, false);
		if (!err && out)
			vreg_mark_load(out, size, sx);
		if (!err && atomic) {
			stack_clobber(fr, lo, hi);
			memset(&fr->stype[lo], SB_MISC, (size_t)(hi - lo));
		}
		return err;
	}
	default:
		return invalid_mem(env, r, regno);
	}
}

/*
 * A helper's memory argument: size bytes (umin..umax) at register regno, read
 * (initialised) or written by the helper.
 */
static int check_mem_arg(struct venv *env, int regno, uint64_t umin, uint64_t umax, bool write,
			 bool zero_ok)
{
	struct vreg *r = reg(env, regno);
	int lo, hi, err;

	if (umax == 0) {
		if (!zero_ok) {
			verr(env, regno + 1, "R%d invalid zero-sized read", regno + 1);
			return -EACCES;
		}
		return 0;
	}
	(void)umin;
	if (umax > MAX_VAR_OFF) {
		verr(env, regno + 1, "R%d unbounded memory access, use 'var &= const' or 'if (var < "
				     "const)'", regno + 1);
		return -EACCES;
	}
	if (r->flags & VR_MAYBE_NULL)
		return invalid_mem(env, r, regno);
	switch (r->type) {
	case VT_STACK: {
		struct vframe *fr = env->cur->frame[r->frameno];

		err = stack_bounds(env, r, regno, 0, (int)umax, &lo, &hi);
		if (err)
			return err;
		if (write) {
			stack_touch(fr, lo);
			stack_clobber(fr, lo, hi);
			memset(&fr->stype[lo], SB_MISC, (size_t)(hi - lo));
			return 0;
		}
		return stack_read(env, fr, lo, hi - lo, NULL, regno, false);
	}
	case VT_PKT:
	case VT_PKT_META:
		return check_pkt(env, r, regno, 0, (int)umax);
	case VT_MAP_VALUE:
		if (write && map_rdonly(r)) {
			verr(env, regno, "R%d points to read-only map '%s'", regno, r->map->name);
			return -EACCES;
		}
		return check_region(env, r, regno, 0, (int)umax, value_size(r), "map value");
	case VT_MEM:
		return check_region(env, r, regno, 0, (int)umax, r->range, "memory");
	default: {
		char buf[160];

		vreg_describe(r, buf, sizeof(buf));
		verr(env, regno, "R%d type=%s expected=fp, pkt, pkt_meta, map_value, mem", regno,
		     buf);
		vhint(env, "this helper argument must point to memory the program may %s",
		      write ? "write" : "read");
		return -EACCES;
	}
	}
}

/* --- helpers --- */

static const struct uxdp_map *map_of(const struct vreg *r, uint32_t *ks, uint32_t *vs,
				     uint32_t *type)
{
	if (r->flags & VR_INNER_MAP) {
		*ks = r->map->inner_key_size;
		*vs = r->map->inner_value_size;
		*type = r->map->inner_type;
	} else {
		*ks = r->map->key_size;
		*vs = r->map->value_size;
		*type = r->map->type;
	}
	return r->map;
}

static bool map_func_ok(uint32_t mt, int32_t fn)
{
	switch (mt) {
	case BPF_MAP_TYPE_PROG_ARRAY:
		return fn == BPF_FUNC_tail_call;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		return fn == BPF_FUNC_perf_event_output;
	case BPF_MAP_TYPE_RINGBUF:
		return fn == BPF_FUNC_ringbuf_output || fn == BPF_FUNC_ringbuf_reserve ||
		       fn == BPF_FUNC_ringbuf_query;
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_XSKMAP:
		return fn == BPF_FUNC_redirect_map || fn == BPF_FUNC_map_lookup_elem;
	case BPF_MAP_TYPE_CPUMAP:
		return fn == BPF_FUNC_redirect_map;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return fn == BPF_FUNC_map_lookup_elem;
	default:
		break;
	}
	switch (fn) {
	case BPF_FUNC_tail_call:
	case BPF_FUNC_perf_event_output:
	case BPF_FUNC_ringbuf_output:
	case BPF_FUNC_ringbuf_reserve:
	case BPF_FUNC_ringbuf_query:
	case BPF_FUNC_redirect_map:
		return false;
	}
	return true;
}

static const char *arg_name(enum uxdp_arg_type t)
{
	switch (t) {
	case UXDP_ARG_CONST_MAP_PTR:
		return "a map (lddw map reference)";
	case UXDP_ARG_PTR_TO_MAP_KEY:
		return "a pointer to the key";
	case UXDP_ARG_PTR_TO_MAP_VALUE:
		return "a pointer to the value";
	case UXDP_ARG_PTR_TO_CTX:
		return "the context (r1 at entry)";
	case UXDP_ARG_PTR_TO_FUNC:
		return "a callback function";
	case UXDP_ARG_PTR_TO_STACK_OR_NULL:
		return "a stack pointer or NULL";
	case UXDP_ARG_PTR_TO_SPIN_LOCK:
		return "a pointer to the bpf_spin_lock of a map value";
	case UXDP_ARG_PTR_TO_ALLOC_MEM:
		return "a record returned by bpf_ringbuf_reserve";
	default:
		return "memory";
	}
}

static int arg_type_err(struct venv *env, int regno, const struct uxdp_helper_proto *p,
			enum uxdp_arg_type t)
{
	char buf[160];

	vreg_describe(reg(env, regno), buf, sizeof(buf));
	verr(env, regno, "R%d type=%s expected=%s", regno, buf, arg_name(t));
	vhint(env, "argument %d of bpf_%s must be %s", regno, p->name, arg_name(t));
	return -EACCES;
}

static int enter_frame(struct venv *env, uint32_t callsite, uint32_t target, bool callback,
		       const struct vreg *args /* r1..r5 */)
{
	struct vstate *st = env->cur;
	struct vframe *fr;

	if (st->curframe + 1 >= V_MAX_FRAMES) {
		verr(env, -1, "the call stack of %u frames is too deep", st->curframe + 2);
		vhint(env, "at most %d nested calls (the main program included), as in the kernel",
		      V_MAX_FRAMES);
		return -E2BIG;
	}
	fr = frame_new();
	if (!fr)
		return -ENOMEM;
	for (int r = 1; r <= 5; r++)
		fr->regs[r] = args[r - 1];
	mark_ptr(&fr->regs[10], VT_STACK);
	fr->regs[10].frameno = (uint8_t)(st->curframe + 1);
	fr->callsite = callsite;
	fr->callback = callback;
	fr->subprog = target;
	st->frame[++st->curframe] = fr;
	st->insn = target;
	if (st->curframe + 1 > env->max_depth)
		env->max_depth = st->curframe + 1;
	return 0;
}

static int check_helper(struct venv *env, const struct bpf_insn *in, uint32_t i, bool *entered)
{
	const struct uxdp_helper_proto *p = uxdp_helper_proto(in->imm, env->prog->type);
	const struct vreg *mapreg = NULL;
	uint32_t ks = 0, vs = 0, mt = 0;
	struct vreg ret;
	int err;

	if (!p) {
		if (in->imm == 0xbad2310) {
			verr(env, -1, "invalid func unknown#%d", in->imm);
			vhint(env, "this call was poisoned by CO-RE: a relocation of the program could "
				   "not be resolved, and this path can reach it");
		} else {
			verr(env, -1, "invalid func %d", in->imm);
		}
		return -EINVAL;
	}
	for (int a = 0; a < 5; a++) {
		enum uxdp_arg_type t = p->args[a];
		int rn = a + 1;
		struct vreg *r = reg(env, rn);

		if (t == UXDP_ARG_NONE)
			break;
		if (r->type == VT_NOT_INIT) {
			verr(env, rn, "R%d !read_ok", rn);
			vhint(env, "argument %d of bpf_%s is not set on this path", rn, p->name);
			return -EACCES;
		}
		switch (t) {
		case UXDP_ARG_ANYTHING:
			break;
		case UXDP_ARG_CONST_MAP_PTR:
			if (r->type != VT_MAP_PTR || (r->flags & VR_MAYBE_NULL))
				return arg_type_err(env, rn, p, t);
			mapreg = r;
			map_of(r, &ks, &vs, &mt);
			if (!map_func_ok(mt, in->imm)) {
				verr(env, rn, "cannot pass map_type %u into func bpf_%s#%d", mt, p->name,
				     in->imm);
				vhint(env, "map '%s' is of a type this helper does not work on",
				      r->map->name);
				return -EINVAL;
			}
			break;
		case UXDP_ARG_PTR_TO_MAP_KEY:
		case UXDP_ARG_PTR_TO_MAP_VALUE:
			if (!mapreg)
				return arg_type_err(env, rn - 1, p, UXDP_ARG_CONST_MAP_PTR);
			if (r->type == VT_SCALAR || r->type == VT_CTX || r->type == VT_MAP_PTR)
				return arg_type_err(env, rn, p, t);
			err = check_mem_arg(env, rn, 0, t == UXDP_ARG_PTR_TO_MAP_KEY ? ks : vs, false,
					    false);
			if (err)
				return err;
			break;
		case UXDP_ARG_PTR_TO_MEM:
		case UXDP_ARG_PTR_TO_MEM_OR_NULL:
		case UXDP_ARG_PTR_TO_UNINIT_MEM:
			if (t == UXDP_ARG_PTR_TO_MEM_OR_NULL && vreg_is_const(r) && !r->var.value)
				break;
			if (!is_ptr(r) || r->type == VT_CTX || r->type == VT_MAP_PTR ||
			    r->type == VT_FUNC || r->type == VT_PKT_END)
				return arg_type_err(env, rn, p, t);
			break; /* the size argument checks the region */
		case UXDP_ARG_CONST_SIZE:
		case UXDP_ARG_CONST_SIZE_OR_ZERO: {
			enum uxdp_arg_type mt_ = p->args[a - 1];
			struct vreg *m = reg(env, rn - 1);

			if (r->type != VT_SCALAR) {
				verr(env, rn, "R%d type=%s expected=scalar (a size)", rn,
				     vtype_name(r->type));
				return -EACCES;
			}
			if (r->smin < 0) {
				verr(env, rn,
				     "R%d min value is negative, either use unsigned or 'var &= const'",
				     rn);
				return -EACCES;
			}
			if (mt_ == UXDP_ARG_PTR_TO_MEM_OR_NULL && vreg_is_const(m) && !m->var.value &&
			    m->type == VT_SCALAR) {
				if (r->umax) {
					verr(env, rn, "R%d size must be 0 when R%d is NULL", rn, rn - 1);
					return -EACCES;
				}
				break;
			}
			if (r->umin == 0 && t == UXDP_ARG_CONST_SIZE) {
				verr(env, rn, "R%d invalid zero-sized read: u64=[%llu,%llu]", rn,
				     (unsigned long long)r->umin, (unsigned long long)r->umax);
				vhint(env, "the size of bpf_%s's memory argument must be at least 1",
				      p->name);
				return -EACCES;
			}
			err = check_mem_arg(env, rn - 1, r->umin, r->umax,
					    mt_ == UXDP_ARG_PTR_TO_UNINIT_MEM, true);
			if (err)
				return err;
			break;
		}
		case UXDP_ARG_PTR_TO_CTX:
			if (r->type != VT_CTX)
				return arg_type_err(env, rn, p, t);
			if (r->off || r->var.mask || r->var.value) {
				verr(env, rn, "dereference of modified ctx ptr R%d off=%d disallowed", rn,
				     r->off);
				return -EACCES;
			}
			break;
		case UXDP_ARG_PTR_TO_FUNC:
			if (r->type != VT_FUNC)
				return arg_type_err(env, rn, p, t);
			break;
		case UXDP_ARG_PTR_TO_STACK_OR_NULL:
			if (!(vreg_is_const(r) && !r->var.value) && r->type != VT_STACK)
				return arg_type_err(env, rn, p, t);
			break;
		case UXDP_ARG_PTR_TO_SPIN_LOCK:
			if (r->type != VT_MAP_VALUE || (r->flags & VR_MAYBE_NULL))
				return arg_type_err(env, rn, p, t);
			if ((r->flags & VR_INNER_MAP) || r->map->spin_lock_off < 0 || r->var.mask ||
			    r->off + (int64_t)r->var.value != r->map->spin_lock_off) {
				verr(env, rn, "R%d doesn't point to the bpf_spin_lock of map '%s' (off=%d)",
				     rn, r->map->name, r->off);
				return -EINVAL;
			}
			break;
		case UXDP_ARG_PTR_TO_ALLOC_MEM:
			if (r->type != VT_MEM || !r->ref_id || (r->flags & VR_MAYBE_NULL))
				return arg_type_err(env, rn, p, t);
			if (r->off || r->var.mask || r->var.value) {
				verr(env, rn, "R%d must have zero offset when passed to release func",
				     rn);
				return -EACCES;
			}
			break;
		case UXDP_ARG_PTR_TO_LONG:
		case UXDP_ARG_PTR_TO_INT:
			if (!is_ptr(r))
				return arg_type_err(env, rn, p, t);
			err = check_mem_arg(env, rn, 0, t == UXDP_ARG_PTR_TO_LONG ? 8 : 4, true,
					    false);
			if (err)
				return err;
			break;
		default:
			break;
		}
	}

	memset(&ret, 0, sizeof(ret));
	switch (p->ret) {
	case UXDP_RET_INTEGER:
		vreg_mark_unknown(&ret);
		break;
	case UXDP_RET_VOID:
		break;
	case UXDP_RET_PTR_TO_MAP_VALUE_OR_NULL:
		if (mt == BPF_MAP_TYPE_ARRAY_OF_MAPS || mt == BPF_MAP_TYPE_HASH_OF_MAPS) {
			mark_ptr(&ret, VT_MAP_PTR);
			ret.flags = VR_MAYBE_NULL | VR_INNER_MAP;
		} else {
			mark_ptr(&ret, VT_MAP_VALUE);
			ret.flags = VR_MAYBE_NULL;
		}
		ret.map = mapreg->map;
		ret.flags |= mapreg->flags & VR_INNER_MAP;
		if ((mapreg->flags & VR_INNER_MAP) && (ret.type == VT_MAP_PTR)) {
			verr(env, 1, "lookups in a map-in-map nested twice are not supported");
			return -EINVAL;
		}
		ret.id = ++env->id_gen;
		break;
	case UXDP_RET_PTR_TO_ALLOC_MEM_OR_NULL: {
		const struct vreg *sz = reg(env, 2);

		if (!vreg_is_const(sz)) {
			verr(env, 2, "R2 is not a known constant");
			vhint(env, "bpf_ringbuf_reserve needs a constant size");
			return -EACCES;
		}
		mark_ptr(&ret, VT_MEM);
		ret.flags = VR_MAYBE_NULL;
		ret.range = (uint32_t)sz->var.value;
		ret.id = ++env->id_gen;
		if (env->cur->ref_cnt == V_MAX_REFS) {
			verr(env, -1, "too many references held (%d)", V_MAX_REFS);
			return -E2BIG;
		}
		ret.ref_id = ret.id;
		env->cur->refs[env->cur->ref_cnt] = ret.ref_id;
		env->cur->ref_insn[env->cur->ref_cnt++] = i;
		break;
	}
	}

	if (in->imm == BPF_FUNC_ringbuf_submit || in->imm == BPF_FUNC_ringbuf_discard)
		release_ref(env, reg(env, 1)->ref_id);

	if (in->imm == BPF_FUNC_loop) {
		/* fork: the loop is over (r0 = iterations) or the callback runs once more */
		struct vreg args[5];
		struct vstate after;

		memset(args, 0, sizeof(args));
		vreg_mark_load(&args[0], 4, false);
		args[1] = *reg(env, 3);
		if (state_copy(&after, env->cur))
			return -ENOMEM;
		after.parent = env->cur->parent;
		for (int r = 1; r <= 5; r++)
			mark_not_init(&after.frame[after.curframe]->regs[r]);
		vreg_mark_unknown(&after.frame[after.curframe]->regs[0]);
		after.insn = i + 1;
		err = push_branch(env, &after);
		state_free(&after);
		if (err)
			return err;
		err = enter_frame(env, i, reg(env, 2)->range, true, args);
		if (err)
			return err;
		curf(env)->cb_head = env->cur->cb_head;
		*entered = true;
		return 0;
	}

	for (int r = 1; r <= 5; r++)
		mark_not_init(reg(env, r));
	*reg(env, 0) = ret;
	if (p->changes_pkt_data)
		invalidate_pkt(env, i);
	return 0;
}

/* --- ALU --- */

static int check_alu(struct venv *env, const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	bool is64 = cls == BPF_ALU64, x = BPF_SRC(in->code) == BPF_X;
	struct vreg *d = reg(env, in->dst_reg), src;
	char buf[160];

	if (x && op != BPF_END && op != BPF_NEG) {
		if (reg(env, in->src_reg)->type == VT_NOT_INIT) {
			verr(env, in->src_reg, "R%d !read_ok", in->src_reg);
			vhint(env, "R%d is read before anything was written to it on this path",
			      in->src_reg);
			return -EACCES;
		}
		src = *reg(env, in->src_reg);
	} else if (op == BPF_END) {
		vreg_mark_const(&src, (uint64_t)in->imm);
	} else {
		vreg_mark_const(&src, is64 ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
	}
	if (op != BPF_MOV && d->type == VT_NOT_INIT) {
		verr(env, in->dst_reg, "R%d !read_ok", in->dst_reg);
		vhint(env, "R%d is read before anything was written to it on this path", in->dst_reg);
		return -EACCES;
	}
	if (op == BPF_MOV) {
		if (is_ptr(&src)) {
			if (is64 && !in->off) {
				*d = src;
				return 0;
			}
			vreg_mark_unknown(d); /* partial copy of a pointer: a number */
			if (!is64)
				vreg_mark_load(d, 4, false);
			return 0;
		}
		if (is64 && !in->off && x && src.type == VT_SCALAR && !tnum_is_const(src.var)) {
			/* a copy: a later comparison of either refines both */
			struct vreg *s = reg(env, in->src_reg);

			if (!s->id)
				s->id = ++env->id_gen;
			*d = *s;
			return 0;
		}
		vreg_scalar_alu(d, &src, op, is64, in->off);
		return 0;
	}
	if (op == BPF_END) {
		uint32_t swap = is64 || BPF_SRC(in->code) == BPF_TO_BE;

		if (is_ptr(d)) {
			verr(env, in->dst_reg, "R%d byte swap on a pointer is prohibited", in->dst_reg);
			return -EACCES;
		}
		vreg_scalar_alu(d, &src, op, true, (int16_t)swap);
		return 0;
	}
	if (is_ptr(d) || is_ptr(&src)) {
		struct vreg *ptr = is_ptr(d) ? d : &src;
		const struct vreg *sc = is_ptr(d) ? &src : d;
		int preg = is_ptr(d) ? in->dst_reg : in->src_reg;

		if (is_ptr(d) && is_ptr(&src)) {
			if (op == BPF_SUB) {
				vreg_mark_unknown(d); /* distance between two pointers */
				if (!is64)
					vreg_mark_load(d, 4, false);
				return 0;
			}
			verr(env, in->dst_reg, "R%d pointer %s pointer prohibited", in->dst_reg,
			     op == BPF_SUB ? "-" : "op");
			return -EACCES;
		}
		vreg_describe(ptr, buf, sizeof(buf));
		if (!is64 && op == BPF_SUB) {
			/* a 32-bit difference with a pointer: some number */
			vreg_mark_load(d, 4, false);
			return 0;
		}
		if (!is64) {
			verr(env, preg, "R%d 32-bit pointer arithmetic prohibited", preg);
			vhint(env, "R%d=%s is a pointer; only 64-bit add and sub may change it", preg,
			      buf);
			return -EACCES;
		}
		if (op != BPF_ADD && op != BPF_SUB) {
			verr(env, preg, "R%d pointer arithmetic with %s operator prohibited", preg,
			     op == BPF_AND ? "&=" : op == BPF_OR ? "|=" : op == BPF_LSH ? "<<=" :
			     op == BPF_RSH ? ">>=" : op == BPF_MUL ? "*=" : op == BPF_NEG ? "neg" :
			     "this");
			vhint(env, "R%d=%s is a pointer; only add and sub may change it", preg, buf);
			return -EACCES;
		}
		if (op == BPF_SUB && !is_ptr(d)) {
			verr(env, in->dst_reg, "R%d tried to subtract pointer from scalar",
			     in->dst_reg);
			return -EACCES;
		}
		if (ptr->flags & VR_MAYBE_NULL) {
			verr(env, preg, "R%d pointer arithmetic on %s_or_null prohibited, null-check it "
					"first",
			     preg, vtype_name(ptr->type));
			return -EACCES;
		}
		if (ptr->type == VT_PKT_END || ptr->type == VT_MAP_PTR || ptr->type == VT_FUNC) {
			verr(env, preg, "R%d pointer arithmetic on %s prohibited", preg,
			     vtype_name(ptr->type));
			return -EACCES;
		}
		if (sc->smin < -MAX_VAR_OFF || sc->smax > MAX_VAR_OFF) {
			char sb[160];

			vreg_describe(sc, sb, sizeof(sb));
			verr(env, preg,
			     "math between %s pointer and register with unbounded min value is not "
			     "allowed",
			     vtype_name(ptr->type));
			vhint(env, "the value added to R%d is %s; bound it first (an unsigned "
				   "comparison or a mask)",
			      preg, sb);
			return -EACCES;
		}
		struct vreg res = *ptr;

		if (tnum_is_const(sc->var)) {
			int64_t k = (int64_t)sc->var.value, n = op == BPF_SUB ? res.off - k : res.off + k;

			if (n < -MAX_VAR_OFF || n > MAX_VAR_OFF) {
				verr(env, preg, "value %lld makes %s pointer be out of bounds",
				     (long long)k, vtype_name(ptr->type));
				return -EACCES;
			}
			res.off = (int32_t)n;
		} else {
			vreg_var_add(&res, sc, op == BPF_SUB);
			if (res.smin < -MAX_VAR_OFF || res.smax > MAX_VAR_OFF) {
				verr(env, preg, "variable offset makes %s pointer be out of bounds",
				     vtype_name(ptr->type));
				return -EACCES;
			}
			if (is_pkt(&res)) {
				res.id = ++env->id_gen;
				res.range = 0;
			}
		}
		*d = res;
		return 0;
	}
	vreg_scalar_alu(d, &src, op, is64, in->off);
	return 0;
}

/* --- conditional jumps --- */

/* Packet range from a comparison of a packet pointer with data_end (or meta with data). */
static void pkt_range(struct venv *env, const struct vreg *p, int64_t range)
{
	if (p->off < 0 || range > MAX_PACKET_OFF || range <= 0)
		return;
	FOR_EACH_VREG(env->cur, r, {
		if (r->type == p->type && r->id == p->id && r->range < range)
			r->range = (uint32_t)range;
	});
}

/* op as seen with the packet pointer on the left ("p OP end"). */
static uint8_t swap_op(uint8_t op)
{
	switch (op) {
	case BPF_JGT:
		return BPF_JLT;
	case BPF_JGE:
		return BPF_JLE;
	case BPF_JLT:
		return BPF_JGT;
	case BPF_JLE:
		return BPF_JGE;
	default:
		return op;
	}
}

/* Range for the branch where "p OP end" is `taken`. */
static int64_t pkt_cmp_range(const struct vreg *p, uint8_t op, bool taken)
{
	switch (op) {
	case BPF_JGT: /* p > end: the other branch has p <= end */
		return taken ? -1 : p->off;
	case BPF_JGE:
		return taken ? -1 : (int64_t)p->off + 1;
	case BPF_JLT:
		return taken ? (int64_t)p->off + 1 : -1;
	case BPF_JLE:
		return taken ? p->off : -1;
	default:
		return -1;
	}
}

static bool is_end_for(const struct vreg *p, const struct vreg *e)
{
	if (p->type == VT_PKT)
		return e->type == VT_PKT_END;
	if (p->type == VT_PKT_META)
		return e->type == VT_PKT && e->off == 0 && tnum_is_const(e->var) && !e->var.value;
	return false;
}

static int check_cond_jmp(struct venv *env, const struct bpf_insn *in, uint32_t i)
{
	uint8_t op = BPF_OP(in->code);
	bool jmp32 = BPF_CLASS(in->code) == BPF_JMP32, x = BPF_SRC(in->code) == BPF_X;
	struct vreg *d = reg(env, in->dst_reg), s;
	uint32_t target = (uint32_t)((int64_t)i + in->off + 1);
	struct vstate other;
	bool can_taken = true, can_fall = true;
	int err;

	if (d->type == VT_NOT_INIT) {
		verr(env, in->dst_reg, "R%d !read_ok", in->dst_reg);
		vhint(env, "R%d is compared before anything was written to it on this path",
		      in->dst_reg);
		return -EACCES;
	}
	if (x) {
		if (reg(env, in->src_reg)->type == VT_NOT_INIT) {
			verr(env, in->src_reg, "R%d !read_ok", in->src_reg);
			vhint(env, "R%d is compared before anything was written to it on this path",
			      in->src_reg);
			return -EACCES;
		}
		s = *reg(env, in->src_reg);
	} else {
		vreg_mark_const(&s, jmp32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
	}

	/* decide which branches are possible and refine each */
	if (state_copy(&other, env->cur))
		return -ENOMEM;
	other.parent = env->cur->parent;
	other.insn = target;
	env->cur->insn = i + 1;
	{
		struct vframe *ft = curf(env), *tk = other.frame[other.curframe];
		struct vreg *fd = &ft->regs[in->dst_reg], *td = &tk->regs[in->dst_reg];
		struct vreg fs = s, ts = s;
		struct vreg *fsp = x ? &ft->regs[in->src_reg] : &fs;
		struct vreg *tsp = x ? &tk->regs[in->src_reg] : &ts;
		bool fits32 = d->type == VT_SCALAR && s.type == VT_SCALAR &&
			      d->umax <= 0xffffffffull && s.umax <= 0xffffffffull;
		bool signed_op = op == BPF_JSGT || op == BPF_JSGE || op == BPF_JSLT ||
				 op == BPF_JSLE;

		if (d->type == VT_SCALAR && s.type == VT_SCALAR &&
		    (!jmp32 || (fits32 && (!signed_op || (d->umax <= 0x7fffffff &&
							   s.umax <= 0x7fffffff))))) {
			can_taken = vreg_refine(td, tsp, op, false);
			can_fall = vreg_refine(fd, fsp, op, true);
		} else if (jmp32 && d->type == VT_SCALAR && s.type == VT_SCALAR &&
			   !(d->var.mask & 0xffffffffull) && !(s.var.mask & 0xffffffffull)) {
			uint32_t a = (uint32_t)d->var.value, b = (uint32_t)s.var.value;
			bool t;

			switch (op) {
			case BPF_JEQ: t = a == b; break;
			case BPF_JNE: t = a != b; break;
			case BPF_JGT: t = a > b; break;
			case BPF_JGE: t = a >= b; break;
			case BPF_JLT: t = a < b; break;
			case BPF_JLE: t = a <= b; break;
			case BPF_JSGT: t = (int32_t)a > (int32_t)b; break;
			case BPF_JSGE: t = (int32_t)a >= (int32_t)b; break;
			case BPF_JSLT: t = (int32_t)a < (int32_t)b; break;
			case BPF_JSLE: t = (int32_t)a <= (int32_t)b; break;
			default: t = (a & b) != 0; break;
			}
			can_taken = t;
			can_fall = !t;
		} else if (!jmp32 && is_ptr(d) && vreg_is_const(&s) && !s.var.value &&
			   (op == BPF_JEQ || op == BPF_JNE)) {
			if (d->flags & VR_MAYBE_NULL) {
				uint32_t id = d->id;
				struct vstate *save = env->cur;

				/* == 0 branch: NULL; != 0 branch: a valid pointer */
				env->cur = &other;
				mark_null(env, id, op == BPF_JEQ);
				env->cur = save;
				mark_null(env, id, op != BPF_JEQ);
			} else if (d->type != VT_MEM || d->ref_id) {
				/* a non-NULL pointer is never 0 */
				can_taken = op == BPF_JNE;
				can_fall = op == BPF_JEQ;
			}
		} else if (!jmp32 && x && is_end_for(d, &s)) {
			struct vstate *save = env->cur;
			int64_t rt = pkt_cmp_range(d, op, true), rf = pkt_cmp_range(d, op, false);

			env->cur = &other;
			if (rt >= 0)
				pkt_range(env, td, rt);
			env->cur = save;
			if (rf >= 0)
				pkt_range(env, fd, rf);
		} else if (!jmp32 && x && is_end_for(&s, d)) {
			struct vstate *save = env->cur;
			uint8_t sop = swap_op(op);
			int64_t rt = pkt_cmp_range(&s, sop, true), rf = pkt_cmp_range(&s, sop, false);

			env->cur = &other;
			if (rt >= 0)
				pkt_range(env, tsp, rt);
			env->cur = save;
			if (rf >= 0)
				pkt_range(env, fsp, rf);
		}
		if (can_taken) {
			struct vstate *save = env->cur;

			env->cur = &other;
			sync_linked(env, td);
			if (x)
				sync_linked(env, tsp);
			env->cur = save;
		}
		if (can_fall) {
			sync_linked(env, fd);
			if (x)
				sync_linked(env, fsp);
		}
	}
	if (can_taken && can_fall) {
		err = push_branch(env, &other);
		state_free(&other);
		return err;
	}
	if (can_taken) {
		/* only the jump: continue with the taken state */
		struct vstate tmp = *env->cur;

		*env->cur = other;
		state_free(&tmp);
		return 0;
	}
	state_free(&other);
	if (!can_fall) {
		/* neither branch is possible: this path cannot happen */
		return 1;
	}
	return 0;
}

/* --- exit and calls --- */

static int check_exit(struct venv *env, uint32_t i)
{
	struct vstate *st = env->cur;
	struct vframe *fr = curf(env);
	struct vreg *r0 = &fr->regs[0];
	char buf[160];

	if (r0->type == VT_NOT_INIT) {
		verr(env, 0, "R0 !read_ok");
		vhint(env, "the %s returns without setting R0 on this path",
		      st->curframe ? "function" : "program");
		return -EACCES;
	}
	vreg_describe(r0, buf, sizeof(buf));
	if (st->curframe == 0) {
		if (env->prog->type != UXDP_PROG_RAW && r0->type != VT_SCALAR) {
			verr(env, 0, "At program exit the register R0 is not a known value (%s)", buf);
			vhint(env, "an XDP program returns an action (XDP_ABORTED .. XDP_REDIRECT), "
				   "not a pointer");
			return -EACCES;
		}
		if (st->ref_cnt) {
			verr(env, -1, "Unreleased reference id=%u alloc_insn=%u", st->refs[0],
			     st->ref_insn[0]);
			vhint(env, "the ringbuf record reserved at insn %u is neither submitted nor "
				   "discarded on this path",
			      st->ref_insn[0]);
			return -EACCES;
		}
		return 1;
	}
	if (r0->type == VT_STACK && r0->frameno == st->curframe) {
		verr(env, 0, "cannot return stack pointer to the caller frame");
		return -EACCES;
	}
	if (fr->callback) {
		if (r0->type != VT_SCALAR || r0->smin < 0 || r0->smax > 1) {
			verr(env, 0,
			     "At callback return the register R0 has value %s should have been in "
			     "[0, 1]",
			     buf);
			vhint(env, "a bpf_loop callback returns 0 (continue) or 1 (stop)");
			return -EACCES;
		}
	}
	/* pop the frame; pointers into it die with it */
	uint32_t dead = st->curframe, callsite = fr->callsite;
	bool callback = fr->callback;
	struct vcheckpoint *cb_head = fr->cb_head;
	struct vreg ret = *r0;

	free(st->frame[dead]);
	st->frame[dead] = NULL;
	st->curframe--;
	FOR_EACH_VREG(st, r, {
		if (r->type == VT_STACK && r->frameno == dead)
			vreg_mark_unknown(r);
	});
	if (callback) {
		st->insn = callsite; /* the helper call again: one more iteration, or the end */
		st->cb_return = true;
		st->cb_head = cb_head;
	} else {
		struct vframe *c = curf(env);

		c->regs[0] = ret;
		for (int r = 1; r <= 5; r++)
			mark_not_init(&c->regs[r]);
		st->insn = callsite + 1;
	}
	(void)i;
	return 0;
}

static int do_insn(struct venv *env)
{
	uint32_t i = env->cur->insn;
	const struct bpf_insn *in = &env->insns[i];
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	struct vreg val;
	int err;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		err = check_alu(env, in);
		env->cur->insn = i + 1;
		return err;
	case BPF_LD: {
		struct vreg *d = reg(env, in->dst_reg);
		uint64_t imm = (uint32_t)in->imm | ((uint64_t)(uint32_t)in[1].imm << 32);

		switch (in->src_reg) {
		case 0:
			vreg_mark_const(d, imm);
			break;
		case BPF_PSEUDO_MAP_FD:
		case BPF_PSEUDO_MAP_IDX:
			mark_ptr(d, VT_MAP_PTR);
			d->map = env->prog->maps[in->imm];
			break;
		case BPF_PSEUDO_MAP_VALUE:
		case BPF_PSEUDO_MAP_IDX_VALUE:
			mark_ptr(d, VT_MAP_VALUE);
			d->map = env->prog->maps[in->imm];
			d->off = in[1].imm;
			break;
		case BPF_PSEUDO_FUNC: {
			uint32_t t = (uint32_t)((int64_t)i + in->imm + 1);

			mark_ptr(d, VT_FUNC);
			d->range = t;
			break;
		}
		default:
			return verr(env, -1, "unsupported lddw source %u", in->src_reg);
		}
		env->cur->insn = i + 2;
		return 0;
	}
	case BPF_LDX: {
		struct vreg out;

		memset(&out, 0, sizeof(out));
		err = check_mem(env, in->src_reg, in->off, size_of(in->code), false, false, &out,
				NULL, BPF_MODE(in->code) == UXDP_MODE_MEMSX);
		if (err)
			return err;
		*reg(env, in->dst_reg) = out;
		env->cur->insn = i + 1;
		return 0;
	}
	case BPF_ST:
		vreg_mark_const(&val, (uint64_t)(int64_t)in->imm);
		err = check_mem(env, in->dst_reg, in->off, size_of(in->code), true, false, NULL,
				size_of(in->code) == 8 || !in->imm ? &val : NULL, false);
		env->cur->insn = i + 1;
		return err;
	case BPF_STX: {
		struct vreg *s = reg(env, in->src_reg);
		bool atomic = BPF_MODE(in->code) == UXDP_OP_ATOMIC_MODE;

		if (s->type == VT_NOT_INIT) {
			verr(env, in->src_reg, "R%d !read_ok", in->src_reg);
			vhint(env, "R%d is stored before anything was written to it on this path",
			      in->src_reg);
			return -EACCES;
		}
		if (atomic && in->imm == BPF_CMPXCHG && reg(env, 0)->type == VT_NOT_INIT) {
			verr(env, 0, "R0 !read_ok");
			return -EACCES;
		}
		val = *s;
		if (size_of(in->code) < 8 && !atomic) {
			/* a narrow store keeps the low bytes of a number */
			if (is_ptr(&val))
				vreg_mark_unknown(&val);
			val.id = 0;
		}
		if (atomic) {
			struct vreg tmp;

			memset(&tmp, 0, sizeof(tmp));
			err = check_mem(env, in->dst_reg, in->off, size_of(in->code), true, true,
					&tmp, NULL, false);
			if (err)
				return err;
			if (in->imm == BPF_CMPXCHG)
				vreg_mark_load(reg(env, 0), size_of(in->code), false);
			else if (in->imm & BPF_FETCH)
				vreg_mark_load(reg(env, in->src_reg), size_of(in->code), false);
		} else {
			err = check_mem(env, in->dst_reg, in->off, size_of(in->code), true, false,
					NULL, size_of(in->code) == 8 ? &val :
					(vreg_is_const(&val) && !val.var.value ? &val : NULL), false);
			if (err)
				return err;
		}
		env->cur->insn = i + 1;
		return 0;
	}
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			return check_exit(env, i);
		if (op == BPF_JA) {
			env->cur->insn = (uint32_t)((int64_t)i + jmp_off(in) + 1);
			return 0;
		}
		if (op == BPF_CALL) {
			if (BPF_SRC(in->code) == BPF_X) {
				/* callx: raw programs only; reaches no helper here */
				if (reg(env, in->dst_reg)->type == VT_NOT_INIT)
					return verr(env, in->dst_reg, "R%d !read_ok", in->dst_reg);
				for (int r = 1; r <= 5; r++)
					mark_not_init(reg(env, r));
				vreg_mark_unknown(reg(env, 0));
				env->cur->insn = i + 1;
				return 0;
			}
			if (in->src_reg == BPF_PSEUDO_CALL) {
				struct vreg args[5];

				for (int r = 1; r <= 5; r++)
					args[r - 1] = *reg(env, r);
				return enter_frame(env, i, (uint32_t)((int64_t)i + in->imm + 1), false,
						   args);
			}
			bool entered = false;

			err = check_helper(env, in, i, &entered);
			if (!err && !entered)
				env->cur->insn = i + 1;
			return err;
		}
		return check_cond_jmp(env, in, i);
	}
	return verr(env, -1, "unknown opcode %02x", in->code);
}

static void init_state(struct venv *env, struct vstate *st)
{
	struct vframe *fr = st->frame[0];

	mark_ptr(&fr->regs[10], VT_STACK);
	if (env->prog->type == UXDP_PROG_RAW) {
		mark_ptr(&fr->regs[1], VT_MEM);
		fr->regs[1].range = env->opts->raw_mem_size ? env->opts->raw_mem_size : RAW_UNBOUNDED;
		if (env->opts->raw_mem_size)
			vreg_mark_const(&fr->regs[2], env->opts->raw_mem_size);
		else
			vreg_mark_unknown(&fr->regs[2]);
	} else {
		mark_ptr(&fr->regs[1], VT_CTX);
	}
}

static void log_failure(struct venv *env, uint32_t i, const struct vstate *st)
{
	const struct uxdp_line_info *li = line_of(env, i);
	char buf[128];

	if (uxdp_disasm_insn(&env->insns[i], env->cnt - i, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(invalid)");
	vlog(env, "insn %u: %s\n", i, env->msg);
	vlog(env, "  %u: (%02x) %s\n", i, env->insns[i].code, buf);
	if (li)
		vlog(env, "  ; %s%s%s:%u\n", li->text ? li->text : "", li->text ? " @ " : "",
		     li->file ? li->file : "?", li->line);
	if (env->hint[0])
		vlog(env, "  why: %s\n", env->hint);
	if (st && st->frame[0]) {
		vlog(env, "  registers at insn %u%s:\n", i,
		     st->curframe ? " (innermost frame last)" : "");
		log_regs(env, st);
	}
}

int uxdp_verify(struct uxdp_prog *prog, const struct bpf_insn *insns,
		const struct uxdp_verify_opts *opts, char *log, size_t log_size)
{
	struct venv env = {
		.prog = prog,
		.insns = insns,
		.cnt = prog->insn_cnt,
		.opts = opts,
		.log = log,
		.log_size = log_size,
		.bad_reg = -1,
	};
	struct vstate cur;
	int err = 0;

	if (log && log_size)
		env.log_used = strnlen(log, log_size);
	memset(&cur, 0, sizeof(cur));
	cur.frame[0] = frame_new();
	env.explored = calloc(prog->insn_cnt, sizeof(*env.explored));
	env.explored_cnt = calloc(prog->insn_cnt, sizeof(*env.explored_cnt));
	if (!cur.frame[0] || !env.explored || !env.explored_cnt) {
		err = -ENOMEM;
		goto out;
	}
	env.cur = &cur;
	env.max_depth = 1;
	init_state(&env, &cur);
	err = check_cfg(&env);
	if (err) {
		if (env.msg[0])
			log_failure(&env, cur.insn, NULL);
		goto out;
	}
	cur.insn = 0;
	for (;;) {
		uint32_t i = cur.insn;

		env.at = i;
		if (env.prune[i]) {
			err = visit_state(&env);
			if (err < 0)
				break;
			if (err == 1)
				goto path_done;
		}
		if (++env.processed > (opts->insn_budget ? opts->insn_budget : UXDP_MAX_INSNS)) {
			verr(&env, -1,
			     "BPF program is too large. Processed %u insn (the limit is %u)",
			     env.processed - 1, opts->insn_budget ? opts->insn_budget : UXDP_MAX_INSNS);
			vhint(&env, "the paths through the program, loops unrolled, are too many to "
				    "check; a loop whose bound the verifier cannot see also ends here");
			err = -E2BIG;
			break;
		}
		if (opts->log_level >= 2) {
			log_insn(&env, i);
		}
		err = do_insn(&env);
		if (err < 0)
			break;
		if (opts->log_level >= 2 && err == 0)
			log_regs(&env, &cur);
		if (err == 0)
			continue;
path_done:
		branch_done(cur.parent);
		state_free(&cur);
		if (!env.stack_cnt) {
			err = 0;
			break;
		}
		cur = env.stack[--env.stack_cnt];
		env.pending_bytes -= (cur.curframe + 1) * sizeof(struct vframe);
		if (opts->log_level >= 2)
			vlog(&env, "from branch: continue at insn %u\n", cur.insn);
	}
	if (err < 0) {
		if (!env.msg[0])
			verr(&env, -1, "%s", err == -ENOMEM ? "out of memory" : "refused");
		log_failure(&env, env.at, &cur);
	} else if (opts->log_level >= 1) {
		vlog(&env,
		     "verified: processed %u insns (limit %u) states %u, deepest call stack %u "
		     "frames\n",
		     env.processed, UXDP_MAX_INSNS, env.states, env.max_depth);
	}
out:
	if (opts->stats) {
		opts->stats->processed = env.processed;
		opts->stats->states = env.states;
	}
	state_free(&cur);
	while (env.stack_cnt)
		state_free(&env.stack[--env.stack_cnt]);
	free(env.stack);
	for (uint32_t i = 0; env.explored && i < prog->insn_cnt; i++) {
		struct vcheckpoint *cp = env.explored[i], *n;

		for (; cp; cp = n) {
			n = cp->next;
			state_free(&cp->st);
			free(cp);
		}
	}
	free(env.explored);
	free(env.explored_cnt);
	free(env.live);
	free(env.prune);
	return err;
}
