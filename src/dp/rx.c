// SPDX-License-Identifier: BSD-2-Clause
/*
 * The RX stage and the verdict stages (seed 004): pull a vector of frames,
 * run the XDP program over all of it, split it by verdict, then run each
 * later stage over its own vector, so the program's code stays hot while it
 * runs and each stage's code while that stage runs. Redirects are resolved
 * into per-port and per-worker bulk queues, flushed at the end of the poll
 * (the kernel's xdp_do_flush). Per-packet mode runs program and stage frame
 * by frame instead, for comparison.
 *
 * Everything here runs on the worker that owns the queues: no locks. Frames
 * are freed with the worker's index, so those of its own pools go straight
 * back into the pool cache and the others through their pool's ring.
 */
#include <errno.h>
#include <string.h>

#include "dp/dp_internal.h"
#include "map/map_internal.h"
#include "port/port_internal.h"
#include "vm/vm_internal.h"

#define RT_NONE ((enum bpf_map_type) - 1)

enum { SPLIT_DROP, SPLIT_TX, SPLIT_REDIRECT, SPLIT_PASS };

/* Which stage a verdict goes to (ABORTED and DROP free the frame). */
static const uint8_t split_of[5] = {
	[XDP_ABORTED] = SPLIT_DROP, [XDP_DROP] = SPLIT_DROP, [XDP_PASS] = SPLIT_PASS,
	[XDP_TX] = SPLIT_TX,	    [XDP_REDIRECT] = SPLIT_REDIRECT,
};

static inline void frame_to_xdp(struct uxdp_xdp_buff *xb, const struct uxdp_frame *f)
{
	xb->data_hard_start = f->buf;
	xb->data = f->buf + f->data_off;
	xb->data_meta = xb->data - f->meta_len;
	xb->data_end = xb->data + f->len;
	xb->frame_sz = f->buf_sz;
	xb->ingress_ifindex = f->ingress_ifindex;
	xb->rx_queue_index = f->rx_queue;
	xb->egress_ifindex = 0;
	xb->nr_frags = 0;
	xb->frags_size = 0;
}

static inline void xdp_to_frame(struct uxdp_frame *f, const struct uxdp_xdp_buff *xb)
{
	f->data_off = (uint16_t)(xb->data - xb->data_hard_start);
	f->len = (uint32_t)(xb->data_end - xb->data);
	f->meta_len = (uint8_t)(xb->data - xb->data_meta);
}

/* The redirect target the last run chose (uxdp_exec__take_redirect without the call). */
static inline void take_redirect(struct uxdp_exec *ex, struct uxdp_redirect_target *rt)
{
	if (__builtin_expect(!ex->ri.set, 0)) {
		rt->map_type = RT_NONE;
		return;
	}
	rt->map = ex->ri.map;
	rt->map_type = ex->ri.map_type;
	rt->index = ex->ri.index;
	rt->flags = ex->ri.flags;
	ex->ri.set = false; /* the other fields mean nothing without it */
}

/* A map pointer no redirect has: the redirect run matches nothing. */
#define NO_RUN ((const void *)&split_of)

/* Run prog on one frame; for XDP_REDIRECT also fetch the target the helper
 * chose into rt, unless rt is NULL (the caller takes it). */
static inline uint32_t run_one(struct dp_worker *w, const struct uxdp_prog *prog,
			       struct uxdp_frame *f, struct uxdp_redirect_target *rt)
{
	uint32_t act;

	frame_to_xdp(&w->xb, f);
	/* The JIT entry straight from here (uxdp_prog__run_xdp's body, inlined). */
	if (__builtin_expect(prog->jit_entry != NULL, 1))
		act = (uint32_t)uxdp_jit_run(prog, &w->xb, 0, w->ex);
	else
		act = uxdp_prog__run_xdp(prog, &w->xb, w->ex);
	xdp_to_frame(f, &w->xb);
	if (act == XDP_REDIRECT && rt)
		take_redirect(w->ex, rt);
	return act;
}

static void exception(struct dp_worker *w, const struct uxdp_frame *f,
		      const struct uxdp_prog *prog, uint32_t action, const char *reason)
{
	struct uxdp_dp *dp = w->dp;
	struct uxdp_dp_exception e = {
		.ifindex = f->ingress_ifindex,
		.rx_queue = f->rx_queue,
		.worker = w->idx,
		.prog_id = prog ? uxdp_prog__id(prog) : 0,
		.action = action,
		.reason = reason,
	};

	if (dp->on_exception)
		dp->on_exception(dp->exception_cookie, &e);
}

/* --- bulk queues --- */

static void flush_dev(struct dp_worker *w, uint32_t idx)
{
	struct dp_bulk *q = &w->devq[idx];
	uint16_t sent;

	sent = uxdp_port__tx_burst(w->dp->ports[idx].port, (uint16_t)w->idx, q->f, q->n);
	if (sent < q->n) {
		uxdp_frame__free_bulk(q->f + sent, q->n - sent, w->idx);
		dp_stat_add(&w->xmit_err, q->n - sent);
	}
	q->n = 0;
}

static inline void enqueue_dev(struct dp_worker *w, struct dp_port *dport, struct uxdp_frame *f)
{
	struct dp_bulk *q = &w->devq[dport->idx];

	if (q->n == DEV_BULK)
		flush_dev(w, dport->idx);
	q->f[q->n++] = f;
	w->dev_dirty |= 1ull << dport->idx;
}

/* Queue n frames for one port (enqueue_dev for a run of frames). */
static void enqueue_dev_bulk(struct dp_worker *w, struct dp_port *dport, struct uxdp_frame **f,
			     uint16_t n)
{
	struct dp_bulk *q = &w->devq[dport->idx];

	while (n) {
		uint16_t room = (uint16_t)(DEV_BULK - q->n), c;

		if (!room) {
			flush_dev(w, dport->idx);
			room = DEV_BULK;
		}
		c = n < room ? n : room;
		memcpy(q->f + q->n, f, c * sizeof(*f));
		q->n = (uint16_t)(q->n + c);
		f += c;
		n = (uint16_t)(n - c);
	}
	w->dev_dirty |= 1ull << dport->idx;
}

static void flush_cpu(struct dp_worker *w, uint32_t t)
{
	struct dp_cpu_bulk *q = &w->cpuq[t];
	uint32_t sent = uxdp_ring_enqueue_burst(w->dp->workers[t].cpumap_in, (void **)q->f, q->n);

	for (uint32_t i = sent; i < q->n; i++) {
		if (q->f[i]->priv)
			uxdp_prog__put(q->f[i]->priv);
		q->f[i]->priv = NULL;
		uxdp_frame__free(q->f[i], w->idx);
	}
	if (sent < q->n)
		dp_stat_add(&w->cpumap_drop, q->n - sent);
	q->n = 0;
}

void uxdp_dp_flush(struct dp_worker *w)
{
	while (w->dev_dirty) {
		uint32_t i = (uint32_t)__builtin_ctzll(w->dev_dirty);

		w->dev_dirty &= w->dev_dirty - 1;
		flush_dev(w, i);
	}
	while (w->cpu_dirty) {
		uint32_t i = (uint32_t)__builtin_ctzll(w->cpu_dirty);

		w->cpu_dirty &= w->cpu_dirty - 1;
		flush_cpu(w, i);
	}
}

/* --- redirect --- */

/* Queue f for a devmap entry's port, through the entry's egress program if any. */
static void dev_xmit(struct dp_worker *w, struct dp_qstats *st, const struct uxdp_devmap_entry *e,
		     struct uxdp_frame *f)
{
	uint32_t ifindex = e->val.ifindex;
	struct dp_port *dport = ifindex <= UXDP_PORT_MAX_IFINDEX ? w->dp->by_ifindex[ifindex] : NULL;

	if (!dport) {
		if (st)
			dp_stat_add(&st->redirect_err, 1);
		exception(w, f, NULL, XDP_REDIRECT, "redirect to an ifindex without a port");
		uxdp_frame__free(f, w->idx);
		return;
	}
	if (e->prog) {
		struct uxdp_redirect_target rt;
		uint32_t act;

		frame_to_xdp(&w->xb, f);
		w->xb.egress_ifindex = ifindex;
		act = uxdp_prog__run_xdp(e->prog, &w->xb, w->ex);
		xdp_to_frame(f, &w->xb);
		uxdp_exec__take_redirect(w->ex, &rt); /* a devmap program cannot redirect */
		if (act != XDP_PASS) {
			if (st)
				dp_stat_add(&st->egress_drop, 1);
			if (act != XDP_DROP)
				exception(w, f, e->prog, act, "devmap program action other than "
							      "PASS/DROP");
			uxdp_frame__free(f, w->idx);
			return;
		}
	}
	enqueue_dev(w, dport, f);
}

static struct uxdp_frame *clone_frame(struct dp_worker *w, const struct uxdp_frame *f)
{
	struct uxdp_frame *c;

	if (f->pool->owner != w->idx)
		return NULL;
	c = uxdp_page_pool__alloc(f->pool);
	if (!c)
		return NULL;
	c->data_off = f->data_off;
	c->meta_len = f->meta_len;
	c->len = f->len;
	c->ingress_ifindex = f->ingress_ifindex;
	c->rx_queue = f->rx_queue;
	c->rss_hash = f->rss_hash;
	memcpy(c->buf + c->data_off - c->meta_len, f->buf + f->data_off - f->meta_len,
	       (size_t)f->meta_len + f->len);
	return c;
}

/* BPF_F_BROADCAST: a copy to every entry (but the ingress port with
 * BPF_F_EXCLUDE_INGRESS); the last target gets the original. */
static void broadcast(struct dp_worker *w, struct dp_qstats *st, struct uxdp_map *map,
		      uint64_t flags, struct uxdp_frame *f)
{
	bool excl = flags & BPF_F_EXCLUDE_INGRESS, hash = map->type == BPF_MAP_TYPE_DEVMAP_HASH;
	const struct uxdp_devmap_entry *pending = NULL, *e;
	uint32_t key = 0, next;
	int more;

	for (more = hash ? !uxdp_map__get_next_key(map, NULL, &key) : map->max_entries > 0; more;
	     more = hash ? !uxdp_map__get_next_key(map, &key, &next) && ((key = next), 1)
			 : ++key < map->max_entries) {
		e = uxdp_container_map_lookup(map, key);
		if (!e || (excl && e->val.ifindex == f->ingress_ifindex))
			continue;
		if (pending) {
			struct uxdp_frame *c = clone_frame(w, f);

			if (c) {
				dev_xmit(w, st, pending, c);
			} else if (st) {
				dp_stat_add(&st->redirect_err, 1);
			}
		}
		pending = e;
	}
	if (pending)
		dev_xmit(w, st, pending, f);
	else
		uxdp_frame__free(f, w->idx);
}

static void do_redirect(struct dp_worker *w, struct dp_qstats *st, struct uxdp_frame *f,
			const struct uxdp_redirect_target *rt)
{
	struct uxdp_map *map = (struct uxdp_map *)rt->map;
	struct uxdp_dp *dp = w->dp;
	const char *why = "redirect without a target";

	switch ((int)rt->map_type) {
	case BPF_MAP_TYPE_UNSPEC: {
		struct dp_port *dport =
			rt->index <= UXDP_PORT_MAX_IFINDEX ? dp->by_ifindex[rt->index] : NULL;

		if (dport) {
			enqueue_dev(w, dport, f);
			return;
		}
		why = "bpf_redirect to an ifindex without a port";
		break;
	}
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH: {
		const struct uxdp_devmap_entry *e;

		if (rt->flags & BPF_F_BROADCAST) {
			broadcast(w, st, map, rt->flags, f);
			return;
		}
		e = uxdp_container_map_lookup(map, rt->index);
		if (e) {
			dev_xmit(w, st, e, f);
			return;
		}
		why = "devmap entry gone";
		break;
	}
	case BPF_MAP_TYPE_CPUMAP: {
		struct uxdp_cpumap_entry *e = uxdp_cpumap_entry(map, rt->index);
		struct dp_cpu_bulk *q;

		if (!e || rt->index >= dp->n_workers) {
			why = e ? "cpumap entry names a CPU without a worker" : "cpumap entry gone";
			break;
		}
		/* The target worker runs the entry's program: hold it until then. */
		f->priv = e->prog ? uxdp_prog__get(e->prog) : NULL;
		q = &w->cpuq[rt->index];
		if (q->n == CPU_BULK)
			flush_cpu(w, rt->index);
		q->f[q->n++] = f;
		w->cpu_dirty |= 1ull << rt->index;
		return;
	}
	case BPF_MAP_TYPE_XSKMAP:
		uxdp_xsk_dp_rx(w, st, f, map, rt->index);
		return;
	default:
		break;
	}
	if (st)
		dp_stat_add(&st->redirect_err, 1);
	exception(w, f, NULL, XDP_REDIRECT, why);
	uxdp_frame__free(f, w->idx);
}

/*
 * The redirect part of a vector, in the runs process_vector() recorded: the
 * frames of a run go to the same map entry (the common case: one egress port
 * or one socket), so they share its lookup and go into the port's bulk queue
 * or the socket's ring at once. Broadcasts, cpumaps and redirects by ifindex
 * go frame by frame.
 */
static void redirect_stage(struct dp_worker *w, struct dp_qstats *st, uint16_t nruns)
{
	struct uxdp_frame **fs = w->split[SPLIT_REDIRECT];
	uint16_t i = 0;

	for (uint16_t r = 0; r < nruns; r++) {
		const struct uxdp_redirect_target *rt = &w->rt[r];
		struct uxdp_map *map = (struct uxdp_map *)rt->map;
		uint16_t end = (uint16_t)(i + w->rt_len[r]);
		int type = (int)rt->map_type;
		const struct uxdp_devmap_entry *e;
		struct dp_port *dport;

		if ((type != BPF_MAP_TYPE_XSKMAP && type != BPF_MAP_TYPE_DEVMAP &&
		     type != BPF_MAP_TYPE_DEVMAP_HASH) ||
		    rt->flags) {
			for (; i < end; i++)
				do_redirect(w, st, fs[i], rt); /* by ifindex, broadcast, cpumap */
			continue;
		}
		if (type == BPF_MAP_TYPE_XSKMAP) {
			uxdp_xsk_dp_rx_bulk(w, st, fs + i, (uint16_t)(end - i), map, rt->index);
			i = end;
			continue;
		}
		e = type == BPF_MAP_TYPE_DEVMAP ? uxdp_devmap_entry(map, rt->index)
						 : uxdp_container_map_lookup(map, rt->index);
		if (!e) {
			for (; i < end; i++)
				do_redirect(w, st, fs[i], rt); /* counts and reports the miss */
			continue;
		}
		dport = !e->prog && e->val.ifindex <= UXDP_PORT_MAX_IFINDEX
				? w->dp->by_ifindex[e->val.ifindex]
				: NULL;
		if (dport) {
			enqueue_dev_bulk(w, dport, fs + i, (uint16_t)(end - i));
			i = end;
			continue;
		}
		for (; i < end; i++)
			dev_xmit(w, st, e, fs[i]); /* egress program, or no port: frame by frame */
	}
}

/* --- stages --- */

static void pass_stage(struct dp_worker *w, struct dp_port *dport, struct uxdp_frame **f,
		       uint16_t n)
{
	if (!n)
		return;
	if (dport->pass_fn)
		dport->pass_fn(dport->pass_cookie, dport->port, f, n, w->idx);
	else
		uxdp_frame__free_bulk(f, n, w->idx);
}

static void tx_stage(struct dp_worker *w, struct dp_rxq *rq, struct uxdp_frame **f, uint16_t n)
{
	uint16_t sent;

	if (!n)
		return;
	sent = uxdp_port__tx_burst(rq->dport->port, (uint16_t)w->idx, f, n);
	if (sent < n) {
		uxdp_frame__free_bulk(f + sent, n - sent, w->idx);
		dp_stat_add(&rq->st.tx_err, n - sent);
	}
}

/*
 * Vector mode: the program over the whole vector, then one stage at a time.
 *
 * A JIT-compiled program runs as uxdp_jit_run() would run it on every frame
 * (its body inlined here), with what is the same for all frames set once:
 * the xdp_buff's ingress port and queue (uxdp_port__rx_burst() gave every
 * frame of the burst the same; programs only read them), and the fields a
 * run of an XDP program never changes (egress_ifindex; nr_frags/frags_size
 * stay 0 for a linear frame), and, for a program without tail calls or
 * callbacks (prog->jit_plain), the exec's run state.
 * Per frame: the buffer geometry in, the program, the geometry back (unless
 * the program cannot change it: prog->jit_keeps_geometry), and the frame
 * goes to its verdict's part of the split.
 */
/* What the program loop of a vector leaves for the stages. */
struct vector_split {
	/* Four 16-bit counts (one per split) in one register: no chain through memory. */
	uint64_t cnts, aborted, invalid;
	uint16_t nruns, run_len;
};

/*
 * Program shapes the vector loop is inlined for. The FAST ones are JIT images
 * with no tail calls or callbacks that cannot change the geometry
 * (jit_plain, jit_keeps_geometry): no per-frame test of the shape. Of those,
 * a program whose context reaches no helper (ctx_private) gets only the
 * fields it reads set per frame: data, data_end and data_meta when it reads
 * any of them (FAST_DATA), none at all when it reads only what is the same
 * for the whole vector (FAST_NONE: the queue, the port).
 */
enum vector_shape { SHAPE_ANY, SHAPE_FAST_ALL, SHAPE_FAST_DATA, SHAPE_FAST_NONE };

#define XDP_MD_GEOMETRY                                                                            \
	((1u << (offsetof(struct xdp_md, data) / 4)) |                                            \
	 (1u << (offsetof(struct xdp_md, data_end) / 4)) |                                        \
	 (1u << (offsetof(struct xdp_md, data_meta) / 4)))

static enum vector_shape shape_of(const struct uxdp_prog *prog)
{
	if (!prog || !prog->jit_entry || !prog->jit_plain || !prog->jit_keeps_geometry)
		return SHAPE_ANY;
	if (!prog->ctx_private)
		return SHAPE_FAST_ALL;
	return prog->ctx_reads & XDP_MD_GEOMETRY ? SHAPE_FAST_DATA : SHAPE_FAST_NONE;
}

/* The program over the vector, each frame to its split (inlined per shape). */
static inline __attribute__((always_inline)) void
split_vector(struct dp_worker *w, const struct uxdp_prog *prog, uint16_t n,
	     enum vector_shape shape, struct vector_split *out)
{
	const bool fast = shape != SHAPE_ANY;
	uint64_t (*entry)(void *, uint64_t, struct uxdp_exec *) = prog ? prog->jit_entry : NULL;
	uint64_t cnts = 0, aborted = 0, invalid = 0, run_flags = 0;
	uint16_t i, nruns = 0, run_len = 0;
	const void *run_map = NO_RUN;
	uint32_t run_key = 0, k;
	struct uxdp_xdp_buff *xb = &w->xb;
	struct uxdp_exec *ex = w->ex;
	const bool plain = fast || (entry && prog->jit_plain);
	const bool keeps_geometry = fast || (entry && prog->jit_keeps_geometry);
	const bool jit = fast || entry != NULL;

	for (i = 0; i < n; i++) {
		struct uxdp_frame *f = w->vec[i];
		uint32_t act;
		uint16_t j;

		if (__builtin_expect(jit, 1)) {
			if (shape != SHAPE_FAST_NONE) {
				uint8_t *data = f->buf + f->data_off;

				xb->data = data;
				xb->data_meta = data - f->meta_len;
				xb->data_end = data + f->len;
			}
			if (shape == SHAPE_ANY || shape == SHAPE_FAST_ALL) {
				xb->data_hard_start = f->buf;
				xb->frame_sz = f->buf_sz;
			}
			/* A program with tail calls or callbacks may leave any of it
			 * changed: set it again for every run. */
			if (!plain)
				uxdp_jit_run_state(ex, xb, prog);
			act = (uint32_t)entry(xb, 0, ex);
			if (!keeps_geometry)
				xdp_to_frame(f, xb);
		} else {
			act = prog ? run_one(w, prog, f, NULL) : XDP_PASS;
		}
		if (act == XDP_REDIRECT) {
			/* Constant shifts for the redirect split: its count is
			 * the third 16-bit field. */
			j = (uint16_t)(cnts >> (16 * SPLIT_REDIRECT));
			cnts += 1ull << (16 * SPLIT_REDIRECT);
			/* The same target as the run so far (map and key; a map has
			 * one type; flags for broadcasts): one run longer. */
			if (ex->ri.set && ex->ri.map == run_map && ex->ri.index == run_key &&
			    ex->ri.flags == run_flags) {
				run_len++;
				ex->ri.set = false;
			} else {
				if (nruns)
					w->rt_len[nruns - 1] = run_len;
				take_redirect(ex, &w->rt[nruns]);
				/* a run without a target (RT_NONE) takes no followers */
				run_map = w->rt[nruns].map_type == RT_NONE ? NO_RUN : w->rt[nruns].map;
				run_key = w->rt[nruns].index;
				run_flags = w->rt[nruns].flags;
				run_len = 1;
				nruns++;
			}
			w->split[SPLIT_REDIRECT][j] = f;
			continue;
		}
		if (__builtin_expect(act - 1 > XDP_TX - 1, 0)) {
			/* ABORTED, or an action outside 0..4 (handled as ABORTED). */
			if (act == XDP_ABORTED) {
				exception(w, f, prog, act, "aborted");
			} else {
				invalid++;
				exception(w, f, prog, act, "invalid action");
				act = XDP_ABORTED;
			}
			aborted++;
		}
		k = split_of[act];
		j = (uint16_t)(cnts >> (16 * k));
		cnts += 1ull << (16 * k);
		w->split[k][j] = f;
	}
	out->cnts = cnts;
	out->aborted = aborted;
	out->invalid = invalid;
	out->nruns = nruns;
	out->run_len = run_len;
}

static void process_vector(struct dp_worker *w, struct dp_rxq *rq, const struct uxdp_prog *prog,
			   uint16_t n)
{
	const bool jit = prog && prog->jit_entry;
	struct uxdp_xdp_buff *xb = &w->xb;
	struct uxdp_exec *ex = w->ex;
	const struct uxdp_prog *saved = ex->cur_prog;
	struct vector_split vs;
	uint64_t cnts, aborted, invalid;
	uint16_t cnt[4], nruns;
	uint32_t k;

	if (jit) {
		xb->ingress_ifindex = w->vec[0]->ingress_ifindex;
		xb->rx_queue_index = w->vec[0]->rx_queue;
		xb->egress_ifindex = 0;
		xb->nr_frags = 0;
		xb->frags_size = 0;
		if (prog->jit_plain)
			uxdp_jit_run_state(ex, xb, prog); /* its runs do not change it */
	}
	switch (shape_of(prog)) {
	case SHAPE_FAST_NONE:
		split_vector(w, prog, n, SHAPE_FAST_NONE, &vs);
		break;
	case SHAPE_FAST_DATA:
		split_vector(w, prog, n, SHAPE_FAST_DATA, &vs);
		break;
	case SHAPE_FAST_ALL:
		split_vector(w, prog, n, SHAPE_FAST_ALL, &vs);
		break;
	default:
		split_vector(w, prog, n, SHAPE_ANY, &vs);
	}
	cnts = vs.cnts;
	aborted = vs.aborted;
	invalid = vs.invalid;
	nruns = vs.nruns;
	if (nruns)
		w->rt_len[nruns - 1] = vs.run_len;
	if (jit) {
		ex->cur_prog = saved;
		ex->depth = 0;
	}
	for (k = 0; k < 4; k++)
		cnt[k] = (uint16_t)(cnts >> (16 * k));
	/* Verdict counts follow from the split: ABORTED (and invalid) frames are in DROP's part. */
	if (cnt[SPLIT_DROP] != aborted)
		dp_stat_add(&rq->st.verdict[XDP_DROP], cnt[SPLIT_DROP] - aborted);
	if (cnt[SPLIT_PASS])
		dp_stat_add(&rq->st.verdict[XDP_PASS], cnt[SPLIT_PASS]);
	if (cnt[SPLIT_TX])
		dp_stat_add(&rq->st.verdict[XDP_TX], cnt[SPLIT_TX]);
	if (cnt[SPLIT_REDIRECT])
		dp_stat_add(&rq->st.verdict[XDP_REDIRECT], cnt[SPLIT_REDIRECT]);
	if (__builtin_expect(aborted != 0, 0)) {
		dp_stat_add(&rq->st.verdict[XDP_ABORTED], aborted);
		if (invalid)
			dp_stat_add(&rq->st.invalid, invalid);
	}

	if (cnt[SPLIT_DROP])
		uxdp_frame__free_bulk(w->split[SPLIT_DROP], cnt[SPLIT_DROP], w->idx);
	if (cnt[SPLIT_TX])
		tx_stage(w, rq, w->split[SPLIT_TX], cnt[SPLIT_TX]);
	if (cnt[SPLIT_REDIRECT])
		redirect_stage(w, &rq->st, nruns);
	if (cnt[SPLIT_PASS])
		pass_stage(w, rq->dport, w->split[SPLIT_PASS], cnt[SPLIT_PASS]);
}

/* Per-packet mode: program and stage for one frame before the next. */
static void process_per_packet(struct dp_worker *w, struct dp_rxq *rq,
			       const struct uxdp_prog *prog, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct uxdp_frame *f = w->vec[i];
		uint32_t act = prog ? run_one(w, prog, f, &w->rt[0]) : XDP_PASS;

		if (act > XDP_REDIRECT) {
			dp_stat_add(&rq->st.invalid, 1);
			exception(w, f, prog, act, "invalid action");
			act = XDP_ABORTED;
		} else if (act == XDP_ABORTED) {
			exception(w, f, prog, act, "aborted");
		}
		dp_stat_add(&rq->st.verdict[act], 1);
		switch (act) {
		case XDP_TX:
			tx_stage(w, rq, &f, 1);
			break;
		case XDP_REDIRECT:
			do_redirect(w, &rq->st, f, &w->rt[0]);
			break;
		case XDP_PASS:
			pass_stage(w, rq->dport, &f, 1);
			break;
		default:
			uxdp_frame__free(f, w->idx);
			break;
		}
	}
}

/* Frames other workers sent us through a cpumap: the entry's program, then PASS. */
static uint32_t cpumap_poll(struct dp_worker *w)
{
	struct uxdp_dp *dp = w->dp;
	uint32_t n = uxdp_ring_dequeue_burst(w->cpumap_in, (void **)w->vec, UXDP_DP_MAX_VECTOR);
	uint64_t pass = 0, drop = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct uxdp_frame *f = w->vec[i];
		struct uxdp_prog *prog = f->priv;
		uint32_t act = XDP_PASS;
		struct dp_port *dport;

		f->priv = NULL;
		if (prog) {
			act = run_one(w, prog, f, &w->rt[0]);
			uxdp_prog__put(prog);
		}
		dport = f->ingress_ifindex <= UXDP_PORT_MAX_IFINDEX ? dp->by_ifindex[f->ingress_ifindex]
								    : NULL;
		if (act == XDP_PASS && dport) {
			pass++;
			pass_stage(w, dport, &f, 1);
		} else if (act == XDP_REDIRECT) {
			do_redirect(w, NULL, f, &w->rt[0]);
		} else {
			drop++;
			if (act != XDP_DROP)
				exception(w, f, prog, act, "cpumap program action");
			uxdp_frame__free(f, w->idx);
		}
	}
	if (n) {
		dp_stat_add(&w->cpumap_rx, n);
		dp_stat_add(&w->cpumap_pass, pass);
		dp_stat_add(&w->cpumap_drop, drop);
	}
	return n;
}

int uxdp_dp_worker_poll(struct dp_worker *w)
{
	struct uxdp_dp *dp = w->dp;
	uint32_t vec = dp->vector;
	int total = 0;

	for (uint32_t r = 0; r < w->n_rxq; r++) {
		struct dp_rxq *rq = &w->rxq[r];
		struct uxdp_port *port = rq->dport->port;
		uint32_t budget = UXDP_DP_BUDGET;

		while (budget) {
			uint16_t want = (uint16_t)(budget < vec ? budget : vec), n;
			const struct uxdp_prog *prog;
			uint64_t bytes;

			n = uxdp_port_rx_burst_bytes(port, rq->qid, w->vec, want, &bytes);
			if (!n)
				break;
			/* the bytes as received, before any program changes a length */
			dp_stat_add(&rq->st.rx_packets, n);
			dp_stat_add(&rq->st.rx_bytes, bytes);
			/* Acquire pairs with uxdp_dp__attach's release: one program per vector. */
			prog = atomic_load_explicit(&rq->dport->prog, memory_order_acquire);
			if (dp->per_packet)
				process_per_packet(w, rq, prog, n);
			else
				process_vector(w, rq, prog, n);
			budget -= n;
			total += n;
			if (n < want)
				break;
		}
	}
	total += (int)cpumap_poll(w);
	if (w->xsk)
		total += uxdp_xsk_dp_poll(w);
	uxdp_dp_flush(w);
	dp_stat_add(&w->polls, 1);
	/* Release: everything this poll did with a program happens before the
	 * new count that uxdp_dp__attach waits for (its acquire load). */
	atomic_fetch_add_explicit(&w->qs_seq, 1, memory_order_release);
	if (__builtin_expect(atomic_load_explicit(&w->call, memory_order_relaxed) != NULL, 0)) {
		struct dp_call *c = atomic_exchange_explicit(&w->call, NULL, memory_order_acquire);

		c->fn(w, c->arg);
		atomic_store_explicit(&c->done, true, memory_order_release);
	}
	return total;
}
