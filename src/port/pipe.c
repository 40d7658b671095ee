// SPDX-License-Identifier: BSD-2-Clause
/*
 * pipe: two ports wired back to back ("pipe:NAME/a" and "pipe:NAME/b").
 * Frames transmitted on one end's TX queue q arrive on the other end's RX
 * queue q % (its RX queue count), through a lock-free ring, without a copy
 * (as veth hands XDP frames over): the frame keeps its buffer and its pool,
 * so the receiver's eventual free returns it across workers to the pool it
 * came from. The pipe lives while either end is open; close an end only while
 * no worker uses either end (frames on the wire are then freed).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "port/port_internal.h"
#include "ring/ring_internal.h"

#define PIPE_RING 1024

struct pipe {
	char name[64];
	struct pipe *next;
	struct uxdp_port *end[2];
	/* ring[d][q]: frames from end d's TX queue q towards end !d */
	struct uxdp_ring *ring[2][UXDP_PORT_MAX_QUEUES];
	int refs;
};

struct pipe_end {
	struct pipe *pipe;
	int side;
};

static pthread_mutex_t pipes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pipe *pipes;

/* Frames still on the wire are lost, as when a cable is pulled: free them. */
static void pipe_drain(struct pipe *p)
{
	void *objs[64];
	uint32_t n;

	for (int d = 0; d < 2; d++)
		for (int q = 0; q < UXDP_PORT_MAX_QUEUES; q++)
			while (p->ring[d][q] &&
			       (n = uxdp_ring_dequeue_burst(p->ring[d][q], objs, 64)))
				uxdp_frame__free_bulk((struct uxdp_frame **)objs, n,
						      UXDP_WORKER_NONE);
}

static void pipe_free(struct pipe *p)
{
	pipe_drain(p);
	for (int d = 0; d < 2; d++)
		for (int q = 0; q < UXDP_PORT_MAX_QUEUES; q++)
			uxdp_ring_free(p->ring[d][q]);
	free(p);
}

static int pipe_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	const char *comma = strchr(args, ','), *slash, *key, *val;
	size_t nlen = comma ? (size_t)(comma - args) : strlen(args);
	struct pipe_end *pe;
	struct pipe *p;
	char name[64], buf[128];
	uint64_t v;
	int side, rc;

	slash = memchr(args, '/', nlen);
	if (!slash || slash == args || (size_t)(slash - args) >= sizeof(name) ||
	    args + nlen != slash + 2 || (slash[1] != 'a' && slash[1] != 'b')) {
		snprintf(err, err_sz, "want pipe:NAME/a or pipe:NAME/b, got '%.*s'", (int)nlen,
			 args);
		return -EINVAL;
	}
	memcpy(name, args, (size_t)(slash - args));
	name[slash - args] = 0;
	side = slash[1] == 'b';
	args += nlen;
	while ((rc = uxdp_port__next_arg(&args, buf, sizeof(buf), &key, &val, err, err_sz)) > 0) {
		if (strcmp(key, "queues")) {
			snprintf(err, err_sz, "unknown parameter '%s' (pipe takes queues=)", key);
			return -EINVAL;
		}
		rc = uxdp_port_parse_u64(key, val, 1, UXDP_PORT_MAX_QUEUES, &v, err, err_sz);
		if (rc)
			return rc;
		uxdp_port__set_rxq_cnt(port, (uint16_t)v);
	}
	if (rc)
		return rc;
	pe = calloc(1, sizeof(*pe));
	if (!pe)
		return -ENOMEM;
	pthread_mutex_lock(&pipes_lock);
	for (p = pipes; p && strcmp(p->name, name); p = p->next)
		;
	if (p && p->end[side]) {
		pthread_mutex_unlock(&pipes_lock);
		free(pe);
		snprintf(err, err_sz, "pipe end %s/%c is already open", name, 'a' + side);
		return -EEXIST;
	}
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			goto err_nomem;
		strcpy(p->name, name);
		for (int d = 0; d < 2; d++)
			for (int q = 0; q < UXDP_PORT_MAX_QUEUES; q++)
				if (!(p->ring[d][q] = uxdp_ring_create(PIPE_RING))) {
					pipe_free(p);
					goto err_nomem;
				}
		p->next = pipes;
		pipes = p;
	}
	p->end[side] = port;
	p->refs++;
	pthread_mutex_unlock(&pipes_lock);
	pe->pipe = p;
	pe->side = side;
	uxdp_port__set_priv(port, pe);
	return 0;

err_nomem:
	pthread_mutex_unlock(&pipes_lock);
	free(pe);
	return -ENOMEM;
}

static void pipe_close(struct uxdp_port *port)
{
	struct pipe_end *pe = uxdp_port__priv(port);
	struct pipe *p = pe->pipe, **pp;

	pthread_mutex_lock(&pipes_lock);
	p->end[pe->side] = NULL;
	/* No worker uses either end while one closes (see port.h): the frames
	 * this end's pools lent to the wire come home before its pools go. */
	pipe_drain(p);
	if (--p->refs == 0) {
		for (pp = &pipes; *pp != p; pp = &(*pp)->next)
			;
		*pp = p->next;
		pipe_free(p);
	}
	pthread_mutex_unlock(&pipes_lock);
	free(pe);
}

static uint16_t pipe_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			uint16_t n)
{
	struct pipe_end *pe = uxdp_port__priv(port);
	struct pipe *p = pe->pipe;
	uint16_t got = 0, nrx = uxdp_port__rxq_cnt(port);

	/* Peer TX queues qid, qid + nrx, ... all land on our RX queue qid. */
	for (uint32_t q = qid; q < UXDP_PORT_MAX_QUEUES && got < n; q += nrx)
		got += (uint16_t)uxdp_ring_dequeue_burst(p->ring[!pe->side][q],
							 (void **)frames + got, n - got);
	return got;
}

static uint16_t pipe_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			uint16_t n)
{
	struct pipe_end *pe = uxdp_port__priv(port);

	/* The ring has one producer (this queue's owner) and one consumer (the
	 * peer's RX owner); a full ring pushes back like a full NIC ring. */
	return (uint16_t)uxdp_ring_enqueue_burst(pe->pipe->ring[pe->side][qid], (void **)frames, n);
}

const struct uxdp_port_ops uxdp_port_pipe_ops = {
	.prefix = "pipe",
	.open = pipe_open,
	.close = pipe_close,
	.rx_burst = pipe_rx,
	.tx_burst = pipe_tx,
};
