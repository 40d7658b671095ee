// SPDX-License-Identifier: BSD-2-Clause
/*
 * The data path's control side: workers and their execution environments,
 * ports and queue assignment, program attach/replace with a quiescent-state
 * wait (a poor man's RCU: each worker bumps a counter after every poll, so
 * once every running worker has bumped it past the swap, nobody can still be
 * running the old program), worker threads pinned to CPUs, and counters.
 */
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp/dp_internal.h"
#include "util/opts.h"

#define RD(c) atomic_load_explicit(&(c), memory_order_relaxed)

static int make_exec(struct uxdp_dp *dp, struct dp_worker *w)
{
	UXDP_OPTS(uxdp_exec_opts, eo, .cpu = w->idx, .devs = dp->n_ports ? dp->devs : NULL,
		  .dev_cnt = dp->n_ports);
	struct uxdp_exec *ex = uxdp_exec__new(&eo);

	if (!ex)
		return -errno;
	uxdp_exec__free(w->ex);
	w->ex = ex;
	return 0;
}

struct uxdp_dp *uxdp_dp__new(const struct uxdp_dp_opts *opts)
{
	uint32_t n = UXDP_OPTS_GET(opts, workers, 0) ?: 1;
	uint32_t vec = UXDP_OPTS_GET(opts, vector_size, 0) ?: 16;
	const uint32_t *cpus = UXDP_OPTS_GET(opts, cpus, NULL);
	struct uxdp_dp *dp;

	if ((opts && opts->sz < sizeof(size_t)) || n > UXDP_DP_MAX_WORKERS ||
	    vec > UXDP_DP_MAX_VECTOR) {
		uxdp_pr(UXDP_WARN, "dp: %u workers (1..%d), vector %u (1..%d)\n", n,
			UXDP_DP_MAX_WORKERS, vec, UXDP_DP_MAX_VECTOR);
		errno = EINVAL;
		return NULL;
	}
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		goto err_nomem;
	dp->n_workers = n;
	dp->vector = vec;
	dp->per_packet = UXDP_OPTS_GET(opts, per_packet, false);
	dp->idle_sleep_us = UXDP_OPTS_GET(opts, idle_sleep_us, 0);
	dp->no_pin = UXDP_OPTS_GET(opts, no_pin, false);
	dp->on_exception = UXDP_OPTS_GET(opts, on_exception, NULL);
	dp->exception_cookie = UXDP_OPTS_GET(opts, exception_cookie, NULL);
	if (cpus) {
		memcpy(dp->cpus, cpus, n * sizeof(*cpus));
		dp->have_cpus = true;
	}
	pthread_mutex_init(&dp->ctl_lock, NULL);
	dp->workers = aligned_alloc(64, ((sizeof(struct dp_worker) * n) + 63) & ~(size_t)63);
	if (!dp->workers)
		goto err_free;
	memset(dp->workers, 0, sizeof(struct dp_worker) * n);
	for (uint32_t i = 0; i < n; i++) {
		struct dp_worker *w = &dp->workers[i];

		w->dp = dp;
		w->idx = i;
		w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		w->rxq = calloc(DP_MAX_RXQ, sizeof(*w->rxq));
		w->cpumap_in = uxdp_ring_create(CPUMAP_RING);
		if (!w->rxq || !w->cpumap_in || w->wake_fd < 0 || make_exec(dp, w))
			goto err_workers;
	}
	return dp;

err_workers:
	uxdp_dp__free(dp);
	errno = ENOMEM;
	return NULL;
err_free:
	free(dp);
err_nomem:
	errno = ENOMEM;
	return NULL;
}

void uxdp_dp__free(struct uxdp_dp *dp)
{
	if (!dp)
		return;
	uxdp_dp__stop(dp);
	for (uint32_t i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = &dp->workers[i];
		struct uxdp_frame *f[64];
		uint32_t n;

		/* Frames still waiting for a cpumap target go home. */
		while (w->cpumap_in && (n = uxdp_ring_dequeue_burst(w->cpumap_in, (void **)f, 64)))
			for (uint32_t k = 0; k < n; k++) {
				if (f[k]->priv)
					uxdp_prog__put(f[k]->priv);
				f[k]->priv = NULL;
				uxdp_frame__free(f[k], UXDP_WORKER_NONE);
			}
		uxdp_ring_free(w->cpumap_in);
		uxdp_exec__free(w->ex);
		free(w->rxq);
		free(w->xsk); /* the sockets themselves belong to their owner (uxdpd) */
		if (w->wake_fd >= 0)
			close(w->wake_fd);
	}
	for (uint32_t i = 0; i < dp->n_ports; i++) {
		struct uxdp_prog *p = atomic_exchange(&dp->ports[i].prog, NULL);

		if (p)
			uxdp_prog__put(p);
	}
	pthread_mutex_destroy(&dp->ctl_lock);
	free(dp->workers);
	free(dp);
}

static struct dp_port *find_port(const struct uxdp_dp *dp, const struct uxdp_port *port)
{
	uint32_t ifindex = uxdp_port__ifindex(port);
	struct dp_port *d = dp->by_ifindex[ifindex];

	return d && d->port == port ? d : NULL;
}

int uxdp_dp__add_port(struct uxdp_dp *dp, struct uxdp_port *port)
{
	struct dp_port *d;
	uint32_t ifindex = uxdp_port__ifindex(port);
	int rc;

	if (atomic_load(&dp->running))
		return -EBUSY;
	if (find_port(dp, port))
		return -EEXIST;
	if (dp->n_ports == DP_MAX_PORTS)
		return -ENOSPC;
	if (uxdp_port__txq_cnt(port) < dp->n_workers) {
		uxdp_pr(UXDP_WARN, "dp: port %s has %u TX queues; each of the %u workers needs one\n",
			uxdp_port__spec(port), uxdp_port__txq_cnt(port), dp->n_workers);
		return -EINVAL;
	}
	d = &dp->ports[dp->n_ports];
	d->port = port;
	d->idx = dp->n_ports;
	dp->devs[dp->n_ports] = (struct uxdp_netdev){
		.ifindex = ifindex,
		.mtu = 1500,
		.name = uxdp_port__spec(port),
	};
	memcpy(dp->devs[dp->n_ports].mac, uxdp_port__mac(port), 6);
	dp->n_ports++;
	dp->by_ifindex[ifindex] = d;
	for (uint32_t w = 0; w < dp->n_workers; w++) {
		uxdp_port__bind_txq(port, (uint16_t)w, w);
		rc = make_exec(dp, &dp->workers[w]); /* helpers see the new device */
		if (rc)
			return rc;
	}
	return 0;
}

int uxdp_dp__assign_rxq(struct uxdp_dp *dp, struct uxdp_port *port, uint16_t qid, uint32_t worker)
{
	struct dp_port *d = find_port(dp, port);
	struct dp_worker *w;

	if (atomic_load(&dp->running))
		return -EBUSY;
	if (!d || qid >= uxdp_port__rxq_cnt(port) || worker >= dp->n_workers)
		return -EINVAL;
	/* A queue has one owner: take it from whoever had it. */
	for (uint32_t i = 0; i < dp->n_workers; i++) {
		struct dp_worker *o = &dp->workers[i];

		for (uint32_t r = 0; r < o->n_rxq; r++)
			if (o->rxq[r].dport == d && o->rxq[r].qid == qid) {
				o->rxq[r] = o->rxq[--o->n_rxq];
				break;
			}
	}
	w = &dp->workers[worker];
	if (w->n_rxq == DP_MAX_RXQ)
		return -ENOSPC;
	memset(&w->rxq[w->n_rxq], 0, sizeof(w->rxq[0]));
	w->rxq[w->n_rxq].dport = d;
	w->rxq[w->n_rxq].qid = qid;
	w->n_rxq++;
	uxdp_port__bind_rxq(port, qid, worker);
	return 0;
}

int uxdp_dp__assign_all(struct uxdp_dp *dp)
{
	uint32_t next = 0;
	int rc;

	for (uint32_t p = 0; p < dp->n_ports; p++)
		for (uint16_t q = 0; q < uxdp_port__rxq_cnt(dp->ports[p].port); q++) {
			rc = uxdp_dp__assign_rxq(dp, dp->ports[p].port, q, next++ % dp->n_workers);
			if (rc)
				return rc;
		}
	return 0;
}

int uxdp_dp__attach(struct uxdp_dp *dp, struct uxdp_port *port, struct uxdp_prog *prog)
{
	struct dp_port *d = find_port(dp, port);
	uint64_t seen[UXDP_DP_MAX_WORKERS];
	struct uxdp_prog *old;

	if (!d)
		return -EINVAL;
	if (prog && uxdp_prog__type(prog) != UXDP_PROG_XDP) {
		uxdp_pr(UXDP_WARN, "dp: program %s is not an XDP program for a port\n",
			uxdp_prog__name(prog));
		return -EINVAL;
	}
	pthread_mutex_lock(&dp->ctl_lock);
	if (prog)
		uxdp_prog__get(prog);
	/* Release pairs with the workers' acquire load at the start of a vector. */
	old = atomic_exchange_explicit(&d->prog, prog, memory_order_acq_rel);
	if (old && atomic_load(&dp->running)) {
		struct timespec ts = {0, 50000};

		for (uint32_t i = 0; i < dp->n_workers; i++)
			seen[i] = atomic_load_explicit(&dp->workers[i].qs_seq,
						       memory_order_acquire);
		for (uint32_t i = 0; i < dp->n_workers; i++)
			while (atomic_load(&dp->running) &&
			       atomic_load_explicit(&dp->workers[i].qs_seq,
						    memory_order_acquire) == seen[i]) {
				uxdp_dp__wake(dp, i);
				nanosleep(&ts, NULL);
			}
	}
	pthread_mutex_unlock(&dp->ctl_lock);
	if (old)
		uxdp_prog__put(old);
	return 0;
}

struct uxdp_prog *uxdp_dp__prog(struct uxdp_dp *dp, struct uxdp_port *port)
{
	struct dp_port *d = find_port(dp, port);

	return d ? atomic_load(&d->prog) : NULL;
}

int uxdp_dp__set_pass_handler(struct uxdp_dp *dp, struct uxdp_port *port, uxdp_dp_pass_fn fn,
			      void *cookie)
{
	struct dp_port *d = find_port(dp, port);

	if (!d || atomic_load(&dp->running))
		return d ? -EBUSY : -EINVAL;
	d->pass_fn = fn;
	d->pass_cookie = cookie;
	return 0;
}

int uxdp_dp_call_on_worker(struct uxdp_dp *dp, uint32_t worker,
			   void (*fn)(struct dp_worker *w, void *arg), void *arg)
{
	struct dp_call c = {.fn = fn, .arg = arg};
	struct timespec ts = {0, 20000};
	struct dp_worker *w;

	if (worker >= dp->n_workers)
		return -EINVAL;
	w = &dp->workers[worker];
	pthread_mutex_lock(&dp->ctl_lock);
	if (!atomic_load(&dp->running)) {
		fn(w, arg);
		pthread_mutex_unlock(&dp->ctl_lock);
		return 0;
	}
	/* c is complete before the worker can see it; then wake it if it sleeps. */
	atomic_store_explicit(&w->call, &c, memory_order_seq_cst);
	uxdp_dp__wake(dp, worker);
	while (!atomic_load_explicit(&c.done, memory_order_acquire)) {
		if (!atomic_load(&dp->running)) {
			/* Stopped meanwhile: the worker will not poll again. */
			if (atomic_exchange(&w->call, NULL) == &c)
				fn(w, arg);
			else
				while (!atomic_load_explicit(&c.done, memory_order_acquire))
					nanosleep(&ts, NULL);
			break;
		}
		nanosleep(&ts, NULL);
	}
	pthread_mutex_unlock(&dp->ctl_lock);
	return 0;
}

int uxdp_dp_rxq_worker(const struct uxdp_dp *dp, const struct uxdp_port *port, uint16_t qid)
{
	for (uint32_t i = 0; i < dp->n_workers; i++) {
		const struct dp_worker *w = &dp->workers[i];

		for (uint32_t r = 0; r < w->n_rxq; r++)
			if (w->rxq[r].dport->port == port && w->rxq[r].qid == qid)
				return (int)i;
	}
	return -1;
}

int uxdp_dp__poll(struct uxdp_dp *dp, uint32_t worker)
{
	if (worker >= dp->n_workers || atomic_load(&dp->running))
		return -EINVAL;
	return uxdp_dp_worker_poll(&dp->workers[worker]);
}

void uxdp_dp__wake(struct uxdp_dp *dp, uint32_t worker)
{
	uint64_t one = 1;

	if (worker < dp->n_workers &&
	    atomic_load_explicit(&dp->workers[worker].sleeping, memory_order_seq_cst))
		(void)!write(dp->workers[worker].wake_fd, &one, sizeof(one));
}

/*
 * Sleep on the doorbell until a kick, a control call, stop, or the timeout.
 * Publishing `sleeping` and then looking for work once more (seq_cst on both
 * sides) closes the race with a kick that comes just before the sleep.
 */
static void worker_sleep(struct dp_worker *w)
{
	struct uxdp_dp *dp = w->dp;
	struct timespec ts = {dp->idle_sleep_us / 1000000, (dp->idle_sleep_us % 1000000) * 1000};
	struct pollfd pfd = {.fd = w->wake_fd, .events = POLLIN};
	uint64_t v;

	atomic_store_explicit(&w->sleeping, true, memory_order_seq_cst);
	if (!(w->xsk && uxdp_xsk_dp_need_wakeup(w, true)) && !uxdp_dp_worker_poll(w) &&
	    !atomic_load(&dp->stop) && !atomic_load(&w->call)) {
		dp_stat_add(&w->sleeps, 1);
		ppoll(&pfd, 1, &ts, NULL);
	}
	atomic_store_explicit(&w->sleeping, false, memory_order_seq_cst);
	(void)!read(w->wake_fd, &v, sizeof(v));
	if (w->xsk)
		uxdp_xsk_dp_need_wakeup(w, false);
	w->idle_polls = 0;
}

static void *worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct uxdp_dp *dp = w->dp;

	if (!dp->no_pin) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(dp->have_cpus ? dp->cpus[w->idx] : w->idx % (uint32_t)(ncpu > 0 ? ncpu : 1),
			&set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (!atomic_load_explicit(&dp->stop, memory_order_acquire)) {
		if (uxdp_dp_worker_poll(w)) {
			w->idle_polls = 0;
			continue;
		}
		if (!dp->idle_sleep_us || ++w->idle_polls < UXDP_DP_IDLE_POLLS) {
			sched_yield(); /* idle: let a sibling on the same core run */
			continue;
		}
		worker_sleep(w);
	}
	uxdp_dp_worker_poll(w); /* one last round: nothing stays queued */
	return NULL;
}

int uxdp_dp__start(struct uxdp_dp *dp)
{
	uint32_t i;
	int rc;

	if (atomic_load(&dp->running))
		return -EBUSY;
	atomic_store(&dp->stop, false);
	atomic_store(&dp->running, true);
	for (i = 0; i < dp->n_workers; i++) {
		rc = pthread_create(&dp->workers[i].thread, NULL, worker_main, &dp->workers[i]);
		if (rc) {
			atomic_store(&dp->stop, true);
			while (i--)
				pthread_join(dp->workers[i].thread, NULL);
			atomic_store(&dp->running, false);
			return -rc;
		}
	}
	return 0;
}

void uxdp_dp__stop(struct uxdp_dp *dp)
{
	if (!atomic_load(&dp->running))
		return;
	atomic_store_explicit(&dp->stop, true, memory_order_seq_cst);
	for (uint32_t i = 0; i < dp->n_workers; i++)
		uxdp_dp__wake(dp, i);
	for (uint32_t i = 0; i < dp->n_workers; i++)
		pthread_join(dp->workers[i].thread, NULL);
	/* Frames a worker sent to another after that one's last round: drain the
	 * cpumap queues (a poll takes at most a budget of them). RX queues may
	 * still have frames; those stay in their ports. */
	for (int busy = 1; busy;) {
		busy = 0;
		for (uint32_t i = 0; i < dp->n_workers; i++)
			busy |= uxdp_ring_count(dp->workers[i].cpumap_in) != 0;
		for (uint32_t i = 0; busy && i < dp->n_workers; i++)
			uxdp_dp_worker_poll(&dp->workers[i]);
	}
	atomic_store(&dp->running, false);
}

int uxdp_dp__get_stats(const struct uxdp_dp *dp, const struct uxdp_port *port, int qid,
		       struct uxdp_dp_queue_stats *s)
{
	const struct dp_port *d = find_port(dp, port);

	if (!d)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	for (uint32_t i = 0; i < dp->n_workers; i++) {
		const struct dp_worker *w = &dp->workers[i];

		for (uint32_t r = 0; r < w->n_rxq; r++) {
			const struct dp_qstats *st = &w->rxq[r].st;

			if (w->rxq[r].dport != d || (qid >= 0 && w->rxq[r].qid != qid))
				continue;
			s->rx_packets += RD(st->rx_packets);
			s->rx_bytes += RD(st->rx_bytes);
			s->aborted += RD(st->verdict[XDP_ABORTED]);
			s->drop += RD(st->verdict[XDP_DROP]);
			s->pass += RD(st->verdict[XDP_PASS]);
			s->tx += RD(st->verdict[XDP_TX]);
			s->redirect += RD(st->verdict[XDP_REDIRECT]);
			s->invalid += RD(st->invalid);
			s->redirect_err += RD(st->redirect_err);
			s->xsk += RD(st->xsk);
			s->tx_err += RD(st->tx_err);
			s->egress_drop += RD(st->egress_drop);
		}
	}
	return 0;
}

int uxdp_dp__get_worker_stats(const struct uxdp_dp *dp, uint32_t worker,
			      struct uxdp_dp_worker_stats *s)
{
	const struct dp_worker *w;

	if (worker >= dp->n_workers)
		return -EINVAL;
	w = &dp->workers[worker];
	s->polls = RD(w->polls);
	s->cpumap_rx = RD(w->cpumap_rx);
	s->cpumap_drop = RD(w->cpumap_drop);
	s->cpumap_pass = RD(w->cpumap_pass);
	s->xmit_err = RD(w->xmit_err);
	s->sleeps = RD(w->sleeps);
	return 0;
}

uint32_t uxdp_dp__worker_cnt(const struct uxdp_dp *dp)
{
	return dp->n_workers;
}
