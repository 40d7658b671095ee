// SPDX-License-Identifier: BSD-2-Clause
/*
 * The control side of application sockets (see xsk_srv.h): checking and
 * mapping the memory a client passed, sharing UMEMs and fill/comp rings
 * between sockets, choosing zero-copy or copy mode, joining and leaving the
 * data path on the socket's worker, xskmap entries and uxdpd's default
 * redirect program, and taking every frame home when a socket goes away.
 *
 * Runs on the daemon's control thread only (the registry below is not
 * locked for writers); workers only read sockets through uxdp_xsk_lookup().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp/dp_internal.h"
#include "map/map_internal.h"
#include "mem/mem_internal.h"
#include "vm/vm_internal.h"
#include "xsk/xsk_internal.h"

#include "uxdp/map.h"
#include "uxdp/vm.h"

#define ERR(e, ...) (snprintf(err, err_sz, __VA_ARGS__), -(e))

/* Sockets by slot (never freed: see xsk_internal.h), and their generations. */
_Atomic(struct uxdp_xsk_srv *) uxdp_xsk_slots[UXDP_XSK_MAX_SOCKETS];
static uint32_t generation[UXDP_XSK_MAX_SOCKETS];
static struct xsk_umem *umems;
static struct xsk_pool *pools;

/* uxdpd's default program per port, while it is the attached one. */
struct default_prog {
	struct uxdp_dp *dp;
	struct uxdp_port *port;
	struct uxdp_prog *prog;
	struct uxdp_map *map;
};
static struct default_prog defaults[64];


/* --- memory ------------------------------------------------------------------------------ */

/* A memfd of at least `need` bytes that cannot shrink (else a client could
 * make our mapping fault). */
static int check_memfd(int fd, uint64_t need, const char *what, struct stat *st, char *err,
		       size_t err_sz)
{
	int seals;

	if (fd < 0)
		return ERR(EINVAL, "%s: no file descriptor", what);
	if (fstat(fd, st) || !S_ISREG(st->st_mode))
		return ERR(EINVAL, "%s: not a memfd (not a regular file)", what);
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return ERR(EINVAL, "%s: not a memfd (no seals: %s)", what, strerror(errno));
	if (!(seals & F_SEAL_SHRINK))
		return ERR(EINVAL, "%s: memfd must be sealed with F_SEAL_SHRINK", what);
	if ((uint64_t)st->st_size < need)
		return ERR(EINVAL, "%s: memfd has %lld bytes, %llu needed", what,
			   (long long)st->st_size, (unsigned long long)need);
	return 0;
}

static void *map_fd(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void ring_view(struct xsk_ring *r, void *map, const struct uxdp_ctl_xsk_ring *d,
		      bool daemon_produces)
{
	uint8_t *base = (uint8_t *)map + d->off;

	memset(r, 0, sizeof(*r));
	if (!d->entries)
		return;
	r->producer = (uint32_t *)(base + UXDP_XSK_RING_OFF_PRODUCER);
	r->consumer = (uint32_t *)(base + UXDP_XSK_RING_OFF_CONSUMER);
	r->flags = (uint32_t *)(base + UXDP_XSK_RING_OFF_FLAGS);
	r->signals = (uint32_t *)(base + UXDP_XSK_RING_OFF_SIGNALS);
	r->drained = (uint32_t *)(base + UXDP_XSK_RING_OFF_DRAINED);
	r->entries = base + UXDP_XSK_RING_OFF_ENTRIES;
	r->size = d->entries;
	r->mask = d->entries - 1;
	/* Start where the ring's indices are now (a fresh ring: 0; the application
	 * may have filled its fill ring before binding). */
	r->own = __atomic_load_n(daemon_produces ? r->producer : r->consumer, __ATOMIC_RELAXED);
	r->other = __atomic_load_n(daemon_produces ? r->consumer : r->producer, __ATOMIC_RELAXED);
}

/* Two rings in one memfd: each inside it, not overlapping. */
static int check_rings(const struct uxdp_ctl_xsk_ring *a, uint32_t asz, const char *an,
		       const struct uxdp_ctl_xsk_ring *b, uint32_t bsz, const char *bn,
		       uint64_t fd_size, char *err, size_t err_sz)
{
	uint64_t aend = a->off + UXDP_XSK_RING_BYTES(a->entries, asz);
	uint64_t bend = b->off + UXDP_XSK_RING_BYTES(b->entries, bsz);

	if (a->entries && (a->off > fd_size || aend > fd_size))
		return ERR(EINVAL, "ring '%s' (offset %llu, %u entries) lies outside its memfd of "
			   "%llu bytes", an, (unsigned long long)a->off, a->entries,
			   (unsigned long long)fd_size);
	if (b->entries && (b->off > fd_size || bend > fd_size))
		return ERR(EINVAL, "ring '%s' (offset %llu, %u entries) lies outside its memfd of "
			   "%llu bytes", bn, (unsigned long long)b->off, b->entries,
			   (unsigned long long)fd_size);
	if (a->entries && b->entries && a->off < bend && b->off < aend)
		return ERR(EINVAL, "rings '%s' and '%s' overlap", an, bn);
	return 0;
}

static struct xsk_umem *umem_get(const struct uxdp_ctl_xsk_bind *m, int fd, char *err,
				 size_t err_sz)
{
	struct xsk_umem *u;
	struct stat st;
	uint64_t page, map_len;
	int rc = check_memfd(fd, m->umem_size, "UMEM", &st, err, err_sz);

	if (rc) {
		errno = -rc;
		return NULL;
	}
	for (u = umems; u; u = u->next) {
		if (u->dev != st.st_dev || u->ino != st.st_ino)
			continue;
		if (u->size != m->umem_size || u->chunk != m->chunk_size ||
		    u->headroom != m->headroom ||
		    u->unaligned != !!(m->umem_flags & XDP_UMEM_UNALIGNED_CHUNK_FLAG)) {
			snprintf(err, err_sz,
				 "UMEM is shared with a bound socket that registered it with size %llu, "
				 "chunk_size %u, headroom %u, %s chunks",
				 (unsigned long long)u->size, u->chunk, u->headroom,
				 u->unaligned ? "unaligned" : "aligned");
			errno = EINVAL;
			return NULL;
		}
		u->refs++;
		return u;
	}
	/* A hugetlb memfd (the application's UMEM was on huge pages) maps and
	 * unmaps in whole huge pages: its block size. */
	page = (uint64_t)sysconf(_SC_PAGESIZE);
	if ((uint64_t)st.st_blksize > page && !((uint64_t)st.st_blksize & (st.st_blksize - 1)))
		page = (uint64_t)st.st_blksize;
	map_len = (m->umem_size + page - 1) / page * page;
	if ((uint64_t)st.st_size < map_len) {
		snprintf(err, err_sz, "UMEM: memfd of %llu-byte pages has %llu bytes, %llu needed",
			 (unsigned long long)page, (unsigned long long)st.st_size,
			 (unsigned long long)map_len);
		errno = EINVAL;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	u->map_len = map_len;
	u->base = map_fd(fd, map_len);
	if (!u->base) {
		snprintf(err, err_sz, "cannot map the UMEM (%llu bytes): %s",
			 (unsigned long long)m->umem_size, strerror(errno));
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	u->refs = 1;
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	u->size = m->umem_size;
	u->chunk = m->chunk_size;
	u->unaligned = m->umem_flags & XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	u->chunk_shift = u->unaligned ? 0 : (uint32_t)__builtin_ctz(m->chunk_size);
	u->headroom = m->headroom;
	u->nchunks = (uint32_t)(m->umem_size / m->chunk_size);
	u->next = umems;
	umems = u;
	return u;
}

static void umem_put(struct xsk_umem *u)
{
	struct xsk_umem **pp;

	if (--u->refs)
		return;
	for (pp = &umems; *pp; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	munmap(u->base, u->map_len);
	free(u);
}

/* --- pools (fill/comp of a UMEM on a queue) ---------------------------------------------- */

static int pool_make_zc(struct xsk_pool *xp, const char *port_name)
{
	struct xsk_umem *u = xp->umem;
	/* Aligned: a descriptor per chunk. Unaligned: as many as can be out at
	 * once — RX: what the fill ring holds plus the pool's cache and a burst
	 * or two; TX: what the completion ring can owe. */
	uint32_t nrx = u->unaligned ? xp->fq.size + 2 * UXDP_PP_CACHE_SIZE : u->nchunks;
	uint32_t ntx = u->unaligned ? xp->cq.size : u->nchunks;
	char name[32];

	xp->rx_descs = aligned_alloc(64, (size_t)nrx * sizeof(struct uxdp_frame));
	xp->tx_descs = aligned_alloc(64, (size_t)ntx * sizeof(struct uxdp_frame));
	xp->tx_addr = calloc(ntx, sizeof(*xp->tx_addr));
	if (u->unaligned) {
		xp->rx_free = calloc(nrx, sizeof(*xp->rx_free));
		xp->tx_free = calloc(ntx, sizeof(*xp->tx_free));
		if (!xp->rx_free || !xp->tx_free)
			return -ENOMEM;
	} else {
		xp->state = calloc(u->nchunks, 1);
		if (!xp->state)
			return -ENOMEM;
	}
	if (!xp->rx_descs || !xp->tx_descs || !xp->tx_addr)
		return -ENOMEM;
	snprintf(name, sizeof(name), "xsk-%s/%u", port_name, xp->qid);
	xp->rx_pool = uxdp_page_pool_create_external(
		name, u->chunk, xp->worker, nrx,
		u->unaligned ? uxdp_xsk_fill_refill_unaligned : uxdp_xsk_fill_refill, xp);
	snprintf(name, sizeof(name), "xsk-tx-%s/%u", port_name, xp->qid);
	/* Owned by the worker: frames a port frees on its thread (sent at once)
	 * wait in the pool's cache for zc_complete(), others on its ring. */
	xp->tx_pool = uxdp_page_pool_create_external(name, u->chunk, xp->worker, ntx, NULL, NULL);
	if (!xp->rx_pool || !xp->tx_pool)
		return -ENOMEM;
	memset(xp->rx_descs, 0, (size_t)nrx * sizeof(struct uxdp_frame));
	memset(xp->tx_descs, 0, (size_t)ntx * sizeof(struct uxdp_frame));
	for (uint32_t i = 0; i < nrx; i++) {
		struct uxdp_frame *r = &xp->rx_descs[i];

		r->buf_sz = u->chunk - u->headroom;
		r->pool = xp->rx_pool;
		if (u->unaligned) {
			xp->rx_free[xp->rx_nfree++] = nrx - 1 - i; /* the refill sets buf */
			continue;
		}
		r->buf = u->base + ((uint64_t)i << u->chunk_shift) + u->headroom;
		r->iova = ((uint64_t)i << u->chunk_shift) + u->headroom;
	}
	for (uint32_t i = 0; i < ntx; i++) {
		struct uxdp_frame *t = &xp->tx_descs[i];

		t->buf_sz = u->chunk;
		t->pool = xp->tx_pool;
		if (u->unaligned) {
			xp->tx_free[xp->tx_nfree++] = ntx - 1 - i; /* TX sets buf */
			continue;
		}
		t->buf = u->base + ((uint64_t)i << u->chunk_shift);
		t->iova = (uint64_t)i << u->chunk_shift;
	}
	return 0;
}

/* Free what pool_make_zc made; false if frames are still out (memory kept). */
static bool pool_free_zc(struct xsk_pool *xp)
{
	bool clean = true;

	if (xp->rx_pool && uxdp_page_pool__destroy(xp->rx_pool, 1000))
		clean = false;
	if (xp->tx_pool && uxdp_page_pool__destroy(xp->tx_pool, 1000))
		clean = false;
	if (!clean)
		return false;
	free(xp->rx_descs);
	free(xp->tx_descs);
	free(xp->state);
	free(xp->tx_addr);
	free(xp->rx_free);
	free(xp->tx_free);
	return true;
}

static void pool_put(struct xsk_pool *xp)
{
	struct xsk_pool **pp;
	bool clean;

	if (--xp->refs)
		return;
	for (pp = &pools; *pp; pp = &(*pp)->next)
		if (*pp == xp) {
			*pp = xp->next;
			break;
		}
	clean = pool_free_zc(xp);
	if (!clean) {
		/* A frame of this UMEM is still somewhere in the data path: keep the
		 * memory (and the UMEM mapping) rather than free what is in use. */
		uxdp_pr(UXDP_WARN, "xsk: frames of a released socket's UMEM are still in flight; "
				   "its memory is kept\n");
		return;
	}
	munmap(xp->map, xp->map_len);
	umem_put(xp->umem);
	free(xp);
}

static struct xsk_pool *pool_find(struct uxdp_port *port, uint16_t qid)
{
	for (struct xsk_pool *xp = pools; xp; xp = xp->next)
		if (xp->port == port && xp->qid == qid)
			return xp;
	return NULL;
}

/* --- xskmaps and the default program ----------------------------------------------------- */

static struct default_prog *default_of(struct uxdp_dp *dp, struct uxdp_port *port, bool make)
{
	struct default_prog *free_slot = NULL;

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (defaults[i].dp == dp && defaults[i].port == port)
			return &defaults[i];
		if (!defaults[i].dp && !free_slot)
			free_slot = &defaults[i];
	}
	if (!make || !free_slot)
		return NULL;
	free_slot->dp = dp;
	free_slot->port = port;
	return free_slot;
}

/*
 * uxdpd's default program, libxdp's behaviour: every frame of a queue goes to
 * the socket at xsks_map[rx_queue_index], XDP_PASS when there is none.
 */
static struct uxdp_prog *default_prog_make(struct uxdp_port *port, struct uxdp_map **map_out)
{
	struct bpf_insn insns[] = {
		/* r2 = ctx->rx_queue_index */
		{.code = BPF_LDX | BPF_W | BPF_MEM, .dst_reg = 2, .src_reg = 1,
		 .off = offsetof(struct xdp_md, rx_queue_index)},
		/* r1 = &xsks_map */
		{.code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = 0},
		{0},
		/* r3 = XDP_PASS (the action when the slot is empty) */
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map},
		{.code = BPF_JMP | BPF_EXIT},
	};
	uint32_t n = uxdp_port__rxq_cnt(port);
	struct uxdp_map *map = uxdp_map__create(BPF_MAP_TYPE_XSKMAP, "xsks_map", 4, 4,
						 n < 64 ? 64 : n, NULL);
	struct uxdp_prog *prog;

	if (!map)
		return NULL;
	UXDP_OPTS(uxdp_prog_load_opts, lo, .name = "uxdp_xsk_default", .type = UXDP_PROG_XDP,
		  .maps = &map, .map_cnt = 1, .license = "BSD");
	prog = uxdp_prog__load(insns, sizeof(insns) / sizeof(insns[0]), &lo);
	if (!prog) {
		uxdp_map__put(map);
		return NULL;
	}
	*map_out = map;
	return prog;
}

/* Every XSKMAP prog uses: fn(map) for each. */
static void foreach_xskmap(const struct uxdp_prog *prog, const char *name,
			   void (*fn)(struct uxdp_map *map, void *arg), void *arg, int *found)
{
	if (!prog)
		return;
	for (uint32_t i = 0; i < prog->map_cnt; i++) {
		struct uxdp_map *m = prog->maps[i];

		if (uxdp_map__type(m) != BPF_MAP_TYPE_XSKMAP ||
		    (name && *name && strcmp(uxdp_map__name(m), name)))
			continue;
		fn(m, arg);
		if (found)
			(*found)++;
	}
}

struct put_arg {
	uint32_t key, id;
	int err;
};

static void map_put_id(struct uxdp_map *m, void *arg)
{
	struct put_arg *a = arg;
	int rc;

	if (a->key >= uxdp_map__max_entries(m)) {
		a->err = a->err ?: -E2BIG;
		return;
	}
	rc = uxdp_map__update_elem(m, &a->key, &a->id, BPF_ANY);
	if (rc)
		a->err = a->err ?: rc;
}

static void map_drop_id(struct uxdp_map *m, void *arg)
{
	const struct put_arg *a = arg;

	for (uint32_t k = 0; k < uxdp_map__max_entries(m); k++) {
		struct uxdp_xskmap_entry *e = uxdp_xskmap_entry(m, k);

		if (e && e->sock_id == a->id)
			uxdp_map__delete_elem(m, &k);
	}
}

int uxdp_xsk_srv_fill_maps(struct uxdp_dp *dp, struct uxdp_port *port, struct uxdp_prog *prog)
{
	int err = 0;

	for (uint32_t i = 0; i < UXDP_XSK_MAX_SOCKETS; i++) {
		struct uxdp_xsk_srv *xs = atomic_load(&uxdp_xsk_slots[i]);
		struct put_arg a;

		if (!xs || !atomic_load(&xs->id) || xs->dp != dp || xs->port != port)
			continue;
		a = (struct put_arg){.key = xs->qid, .id = atomic_load(&xs->id)};
		foreach_xskmap(prog, NULL, map_put_id, &a, NULL);
		err = err ?: (a.err == -E2BIG ? 0 : a.err);
	}
	return err;
}

int uxdp_xsk_srv_set_map_key(struct uxdp_xsk_srv *xs, const char *map_name, uint32_t key,
			     char *err, size_t err_sz)
{
	struct put_arg a = {.key = key, .id = atomic_load(&xs->id)};
	struct uxdp_prog *prog = uxdp_dp__prog(xs->dp, xs->port);
	int found = 0;

	if (!prog)
		return ERR(ENOENT, "port %s has no program attached", xs->port_name);
	foreach_xskmap(prog, map_name, map_put_id, &a, &found);
	if (!found)
		return ERR(ENOENT, "program %s of port %s has no xskmap%s%s", uxdp_prog__name(prog),
			   xs->port_name, map_name && *map_name ? " named " : "",
			   map_name ? map_name : "");
	if (a.err == -E2BIG)
		return ERR(E2BIG, "key %u is beyond the xskmap's max_entries", key);
	if (a.err)
		return ERR(-a.err, "xskmap update failed: %s", strerror(-a.err));
	return 0;
}

/* --- bind / release ---------------------------------------------------------------------- */

static struct uxdp_xsk_srv *slot_alloc(uint32_t *id)
{
	for (uint32_t i = 0; i < UXDP_XSK_MAX_SOCKETS; i++) {
		struct uxdp_xsk_srv *xs = atomic_load(&uxdp_xsk_slots[i]);

		if (xs && atomic_load(&xs->id))
			continue;
		if (!xs) {
			xs = aligned_alloc(64, (sizeof(*xs) + 63) & ~(size_t)63);
			if (!xs)
				return NULL;
			memset(xs, 0, sizeof(*xs));
			atomic_store(&uxdp_xsk_slots[i], xs);
		}
		if (++generation[i] >= (1u << (32 - XSK_SLOT_BITS)))
			generation[i] = 1;
		*id = (generation[i] << XSK_SLOT_BITS) | i;
		return xs;
	}
	errno = ENOSPC;
	return NULL;
}

/* Everything the socket struct holds but the slot; id 0 frees the slot. */
static void socket_clear(struct uxdp_xsk_srv *xs)
{
	if (xs->copy_pool)
		uxdp_page_pool__destroy(xs->copy_pool, 1000);
	if (xs->map)
		munmap(xs->map, xs->map_len);
	if (xs->xp)
		pool_put(xs->xp);
	atomic_store(&xs->id, 0);
	memset((char *)xs + sizeof(xs->id), 0, sizeof(*xs) - sizeof(xs->id));
}

static bool port_allows_zc(struct uxdp_port *port, uint32_t chunk, uint32_t headroom)
{
	/* The queue must be lendable, and the application's buffers as big as the
	 * port's own: backends write up to their frame size. */
	return strncmp(uxdp_port__spec(port), "afxdp:", 6) != 0 &&
	       chunk - headroom >= uxdp_port__frame_size(port);
}

struct uxdp_xsk_srv *uxdp_xsk_srv_bind(const struct uxdp_xsk_bind_params *p, char *err,
				       size_t err_sz)
{
	const struct uxdp_ctl_xsk_bind *m = p->msg;
	const struct uxdp_ctl_xsk_ring *r = m->ring;
	bool want_zc = m->bind_flags & XDP_ZEROCOPY, want_copy = m->bind_flags & XDP_COPY;
	struct xsk_pool *xp = NULL;
	struct uxdp_xsk_srv *xs;
	struct uxdp_prog *prog;
	struct stat st;
	uint32_t id;
	int worker, rc;

	if (m->umem_size > UXDP_XSK_MAX_UMEM) {
		rc = ERR(EINVAL, "UMEM of %llu bytes is larger than uxdpd serves (at most %llu)",
			 (unsigned long long)m->umem_size, UXDP_XSK_MAX_UMEM);
		goto err;
	}
	if (m->queue >= uxdp_port__rxq_cnt(p->port)) {
		rc = ERR(EINVAL, "port %s has %u RX queues; queue %u does not exist", p->port_name,
			 uxdp_port__rxq_cnt(p->port), m->queue);
		goto err;
	}
	worker = uxdp_dp_rxq_worker(p->dp, p->port, (uint16_t)m->queue);
	if (worker < 0) {
		rc = ERR(EINVAL, "queue %u of port %s is not polled by any worker", m->queue,
			 p->port_name);
		goto err;
	}
	xs = slot_alloc(&id);
	if (!xs) {
		rc = ERR(ENOSPC, "too many sockets (at most %d)", UXDP_XSK_MAX_SOCKETS);
		goto err;
	}
	xs->dp = p->dp;
	xs->port = p->port;
	snprintf(xs->port_name, sizeof(xs->port_name), "%s", p->port_name);
	xs->ifindex = uxdp_port__ifindex(p->port);
	xs->qid = (uint16_t)m->queue;
	xs->worker = (uint32_t)worker;
	xs->conn_fd = p->conn_fd;
	xs->pid = p->pid;
	xs->uid = p->uid;
	xs->gid = p->gid;
	xs->bind_flags = m->bind_flags;
	xs->need_wakeup = m->bind_flags & XDP_USE_NEED_WAKEUP;

	/* rx/tx rings. */
	rc = check_memfd(p->rxtx_fd, 1, "rx/tx rings", &st, err, err_sz);
	rc = rc ?: check_rings(&r[UXDP_CTL_XSK_RX], sizeof(struct xdp_desc), "rx",
			       &r[UXDP_CTL_XSK_TX], sizeof(struct xdp_desc), "tx",
			       (uint64_t)st.st_size, err, err_sz);
	if (rc)
		goto err_clear;
	xs->map_len = (size_t)st.st_size;
	xs->map = map_fd(p->rxtx_fd, xs->map_len);
	if (!xs->map) {
		rc = ERR(ENOMEM, "cannot map the rx/tx rings: %s", strerror(errno));
		goto err_clear;
	}
	ring_view(&xs->rx, xs->map, &r[UXDP_CTL_XSK_RX], true);
	ring_view(&xs->tx, xs->map, &r[UXDP_CTL_XSK_TX], false);

	/* Fill/comp: this UMEM's on the queue, or the ones this socket brings. */
	xp = pool_find(p->port, (uint16_t)m->queue);
	if (xp) {
		struct stat ust;

		if (fstat(p->umem_fd, &ust) || ust.st_dev != xp->umem->dev ||
		    ust.st_ino != xp->umem->ino) {
			rc = ERR(EBUSY, "queue %u of port %s is bound to another UMEM", m->queue,
				 p->port_name);
			goto err_clear;
		}
		if (r[UXDP_CTL_XSK_FILL].entries) {
			rc = ERR(EEXIST, "this UMEM already has fill/comp rings on port %s queue %u; "
					 "share them (fill and comp entries 0)", p->port_name,
				 m->queue);
			goto err_clear;
		}
		if ((want_zc && !xp->zc) || (want_copy && xp->zc)) {
			rc = ERR(EINVAL, "queue %u of port %s runs %s for this UMEM; XDP_%s asked",
				 m->queue, p->port_name, xp->zc ? "zero-copy" : "copy mode",
				 want_zc ? "ZEROCOPY" : "COPY");
			goto err_clear;
		}
		xp->refs++;
		xs->xp = xp;
	} else {
		if (!r[UXDP_CTL_XSK_FILL].entries) {
			rc = ERR(EINVAL, "no fill/comp rings for this UMEM on port %s queue %u "
					 "(the first socket of a UMEM on a queue brings them)",
				 p->port_name, m->queue);
			goto err_clear;
		}
		xp = calloc(1, sizeof(*xp));
		if (!xp) {
			rc = ERR(ENOMEM, "out of memory");
			goto err_clear;
		}
		xp->refs = 1;
		xp->port = p->port;
		xp->qid = (uint16_t)m->queue;
		xp->worker = (uint32_t)worker;
		xp->umem = umem_get(m, p->umem_fd, err, err_sz);
		if (!xp->umem) {
			rc = -errno;
			free(xp);
			xp = NULL;
			goto err_clear;
		}
		rc = check_memfd(p->fqcq_fd, 1, "fill/comp rings", &st, err, err_sz);
		rc = rc ?: check_rings(&r[UXDP_CTL_XSK_FILL], sizeof(uint64_t), "fill",
				       &r[UXDP_CTL_XSK_COMP], sizeof(uint64_t), "comp",
				       (uint64_t)st.st_size, err, err_sz);
		if (!rc) {
			xp->map_len = (size_t)st.st_size;
			xp->map = map_fd(p->fqcq_fd, xp->map_len);
			if (!xp->map)
				rc = ERR(ENOMEM, "cannot map the fill/comp rings: %s",
					 strerror(errno));
		}
		if (rc) {
			umem_put(xp->umem);
			free(xp);
			xp = NULL;
			goto err_clear;
		}
		ring_view(&xp->fq, xp->map, &r[UXDP_CTL_XSK_FILL], false);
		ring_view(&xp->cq, xp->map, &r[UXDP_CTL_XSK_COMP], true);
		xp->next = pools;
		pools = xp;
		xs->xp = xp;
		xp->zc = !want_copy && port_allows_zc(p->port, m->chunk_size, m->headroom);
		if (want_zc && !xp->zc) {
			rc = ERR(EOPNOTSUPP,
				 "zero-copy is not possible on port %s queue %u (%s)", p->port_name,
				 m->queue,
				 !strncmp(uxdp_port__spec(p->port), "afxdp:", 6)
					 ? "its buffers live in the kernel's UMEM"
					 : "UMEM frames smaller than the port's frame size");
			goto err_clear;
		}
		if (xp->zc && pool_make_zc(xp, p->port_name)) {
			rc = ERR(ENOMEM, "out of memory for the zero-copy pool");
			goto err_clear;
		}
	}
	xs->zc = xp->zc;
	if (!xs->zc && xs->tx.size) {
		char name[32];

		snprintf(name, sizeof(name), "xsk-copy-%u", id & XSK_SLOT_MASK);
		UXDP_OPTS(uxdp_page_pool_opts, po, .name = name, .owner = (uint32_t)worker,
			  .max_frames = xs->tx.size * 2);
		xs->copy_pool = uxdp_page_pool__create(&po);
		if (!xs->copy_pool) {
			rc = ERR(ENOMEM, "out of memory for the copy-mode TX pool");
			goto err_clear;
		}
	}

	/* Join the data path on the queue's worker. */
	atomic_store_explicit(&xs->id, id, memory_order_release);
	uxdp_dp_call_on_worker(p->dp, (uint32_t)worker, uxdp_xsk_dp_add, xs);
	if (!xs->active) {
		rc = ERR(ENOMEM, "worker %d could not take the socket (too many sockets on it, or "
				 "its queue could not be lent)", worker);
		goto err_clear;
	}

	/* The program's xskmaps; uxdpd's default program on a port without one. */
	prog = uxdp_dp__prog(p->dp, p->port);
	if (!prog && !(m->libxdp_flags & UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD)) {
		struct default_prog *d = default_of(p->dp, p->port, true);

		if (d && !d->prog)
			d->prog = default_prog_make(p->port, &d->map);
		if (d && d->prog && !uxdp_dp__attach(p->dp, p->port, d->prog))
			prog = d->prog;
		else
			uxdp_pr(UXDP_WARN, "xsk: cannot install the default program on %s\n",
				p->port_name);
	}
	if (prog) {
		struct put_arg a = {.key = xs->qid, .id = id};

		foreach_xskmap(prog, NULL, map_put_id, &a, NULL);
	}
	return xs;

err_clear:
	if (xs->active)
		uxdp_dp_call_on_worker(p->dp, xs->worker, uxdp_xsk_dp_remove, xs);
	socket_clear(xs);
err:
	errno = -rc;
	return NULL;
}

void uxdp_xsk_srv_release(struct uxdp_xsk_srv *xs)
{
	struct put_arg a = {.id = atomic_load(&xs->id)};
	struct uxdp_dp *dp = xs->dp;
	struct uxdp_port *port = xs->port;
	struct default_prog *d;
	bool others = false;

	foreach_xskmap(uxdp_dp__prog(dp, port), NULL, map_drop_id, &a, NULL);
	uxdp_dp_call_on_worker(dp, xs->worker, uxdp_xsk_dp_remove, xs);
	socket_clear(xs);
	/* The default program leaves with the port's last socket. */
	for (uint32_t i = 0; i < UXDP_XSK_MAX_SOCKETS && !others; i++) {
		struct uxdp_xsk_srv *o = atomic_load(&uxdp_xsk_slots[i]);

		others = o && atomic_load(&o->id) && o->dp == dp && o->port == port;
	}
	d = others ? NULL : default_of(dp, port, false);
	if (d) {
		if (uxdp_dp__prog(dp, port) == d->prog)
			uxdp_dp__attach(dp, port, NULL);
		uxdp_prog__put(d->prog);
		uxdp_map__put(d->map);
		memset(d, 0, sizeof(*d));
	}
}

void uxdp_xsk_srv_kick(struct uxdp_xsk_srv *xs)
{
	/* A running worker polls every ring on every round; a sleeping one
	 * (idle_sleep_us) waits on its doorbell. */
	atomic_fetch_add_explicit(&xs->kicks, 1, memory_order_relaxed);
	uxdp_dp__wake(xs->dp, xs->worker);
}

/* --- introspection ----------------------------------------------------------------------- */

void uxdp_xsk_srv_info(const struct uxdp_xsk_srv *xs, struct uxdp_xsk_srv_info *info)
{
	const struct xsk_pool *xp = xs->xp;

	memset(info, 0, sizeof(*info));
	info->id = atomic_load(&xs->id);
	info->port_name = xs->port_name;
	info->queue = xs->qid;
	info->pid = xs->pid;
	info->uid = xs->uid;
	info->zero_copy = xs->zc;
	info->need_wakeup = xs->need_wakeup;
	info->shared_umem = xp && (xp->refs > 1 || xp->umem->refs > 1);
	info->rx_size = xs->rx.size;
	info->tx_size = xs->tx.size;
	info->fill_size = xp ? xp->fq.size : 0;
	info->comp_size = xp ? xp->cq.size : 0;
	info->umem_size = xp ? xp->umem->size : 0;
	info->chunk_size = xp ? xp->umem->chunk : 0;
}

#define RD(c) atomic_load_explicit(&(c), memory_order_relaxed)

void uxdp_xsk_srv_stats(const struct uxdp_xsk_srv *xs, struct uxdp_xsk_stats *s)
{
	const struct xsk_pool *xp = xs->xp;

	memset(s, 0, sizeof(*s));
	s->rx_dropped = RD(xs->rx_dropped);
	s->rx_invalid_descs = xp ? RD(xp->fill_invalid) : 0;
	s->tx_invalid_descs = RD(xs->tx_invalid);
	s->rx_ring_full = RD(xs->rx_ring_full);
	s->rx_fill_ring_empty_descs = xp ? RD(xp->fill_empty) : 0;
	s->tx_ring_empty_descs = RD(xs->tx_empty);
	s->rx_packets = RD(xs->rx_packets);
	s->rx_bytes = RD(xs->rx_bytes);
	s->tx_packets = RD(xs->tx_packets);
	s->tx_bytes = RD(xs->tx_bytes);
	s->wakeups = RD(xs->wakeups);
	s->kicks = RD(xs->kicks);
	s->zero_copy = xs->zc;
}

void uxdp_xsk_srv_foreach(struct uxdp_dp *dp, void (*fn)(void *cookie, struct uxdp_xsk_srv *xs),
			  void *cookie)
{
	for (uint32_t i = 0; i < UXDP_XSK_MAX_SOCKETS; i++) {
		struct uxdp_xsk_srv *xs = atomic_load(&uxdp_xsk_slots[i]);

		if (xs && atomic_load(&xs->id) && xs->dp == dp)
			fn(cookie, xs);
	}
}
