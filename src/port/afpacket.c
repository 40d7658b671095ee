// SPDX-License-Identifier: BSD-2-Clause
/*
 * afpacket: a port on any Linux interface through AF_PACKET sockets, the
 * fallback that works where AF_XDP does not. Each RX queue is one socket with
 * a TPACKET_V3 mmap ring (blocks handed over whole, read without a system
 * call); several queues share the interface's traffic through a fanout group
 * (flow hash). Received packets are copied into the queue's page_pool (the
 * ring is the kernel's memory, not ours), with a VLAN tag the kernel took out
 * put back, and a packet longer than the buffer room (or cut by the ring) is
 * counted in rx_errors and dropped, never truncated. What the kernel dropped
 * because the ring was full (PACKET_STATISTICS tp_drops; reading resets it)
 * is read every few retired blocks and after a run of empty polls, and added
 * to the queue's rx_kernel_drops: a packet that reached the interface is
 * received, an rx_error or a kernel drop. TX is sendmmsg() on the
 * socket of queue qid % rxq_cnt: the kernel copies the bytes, so frames go
 * back to their pools as soon as the call returns and none stays in flight.
 *
 * Spec: afpacket:IFNAME[,queues=N][,blocks=N][,block_size=B][,promisc=0|1]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port/port_internal.h"

#define AFP_BURST 64
/* Read the kernel's drop counter after this many retired blocks, or empty polls. */
#define AFP_STATS_BLOCKS 8
#define AFP_STATS_EMPTY 1024

struct afp_queue {
	int fd;
	uint8_t *ring;
	size_t ring_len;
	uint32_t blk;	   /* block being read */
	uint32_t pkt_left; /* packets of it not yet read (0: not started) */
	uint8_t *pkt;	   /* next packet header in it */
	uint32_t retired;  /* blocks given back since the last drop-counter read */
	uint32_t empty_polls;
};

struct afp_port {
	char ifname[IF_NAMESIZE];
	unsigned int kifindex;
	uint32_t blocks, block_size;
	uint16_t nq;
	struct afp_queue q[UXDP_PORT_MAX_QUEUES];
};

static int afp_queue_open(struct afp_port *ap, struct afp_queue *q, int fanout, bool promisc,
			  char *err, size_t err_sz)
{
	struct tpacket_req3 req = {
		.tp_block_size = ap->block_size,
		.tp_block_nr = ap->blocks,
		.tp_frame_size = 2048,
		.tp_frame_nr = ap->block_size / 2048 * ap->blocks,
		.tp_retire_blk_tov = 1, /* ms: a partly filled block is handed over soon */
	};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)ap->kifindex,
	};
	int ver = TPACKET_V3, one = 1;

	q->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0) {
		snprintf(err, err_sz, "%s: AF_PACKET socket: %s", ap->ifname, strerror(errno));
		return -errno;
	}
	if (setsockopt(q->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) ||
	    setsockopt(q->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		snprintf(err, err_sz, "%s: TPACKET_V3 ring (%u blocks of %u B): %s", ap->ifname,
			 ap->blocks, ap->block_size, strerror(errno));
		return -errno;
	}
	/* Our own transmissions must not come back as receptions. */
	if (setsockopt(q->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one))) {
		snprintf(err, err_sz, "%s: PACKET_IGNORE_OUTGOING: %s", ap->ifname,
			 strerror(errno));
		return -errno;
	}
	/* Best effort: straight to the driver, as a NIC queue would be. */
	setsockopt(q->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	q->ring_len = (size_t)ap->block_size * ap->blocks;
	q->ring = mmap(NULL, q->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
		       q->fd, 0);
	if (q->ring == MAP_FAILED)
		q->ring = mmap(NULL, q->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, q->fd, 0);
	if (q->ring == MAP_FAILED) {
		q->ring = NULL;
		snprintf(err, err_sz, "%s: mmap of the RX ring: %s", ap->ifname, strerror(errno));
		return -errno;
	}
	q->pkt_left = 0;
	q->blk = 0;
	if (bind(q->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		snprintf(err, err_sz, "%s: bind: %s", ap->ifname, strerror(errno));
		return -errno;
	}
	if (promisc) {
		struct packet_mreq mr = { .mr_ifindex = (int)ap->kifindex,
					  .mr_type = PACKET_MR_PROMISC };

		/* Dropped by the kernel when the socket closes. */
		if (setsockopt(q->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
			snprintf(err, err_sz, "%s: promiscuous mode: %s", ap->ifname,
				 strerror(errno));
			return -errno;
		}
	}
	if (fanout >= 0 &&
	    setsockopt(q->fd, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof(fanout))) {
		snprintf(err, err_sz, "%s: fanout group: %s", ap->ifname, strerror(errno));
		return -errno;
	}
	return 0;
}

static void afp_free(struct afp_port *ap)
{
	for (int i = 0; i < UXDP_PORT_MAX_QUEUES; i++) {
		if (ap->q[i].ring)
			munmap(ap->q[i].ring, ap->q[i].ring_len);
		if (ap->q[i].fd >= 0)
			close(ap->q[i].fd);
	}
	free(ap);
}

static int afp_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	const char *comma = strchr(args, ','), *key, *val;
	size_t nlen = comma ? (size_t)(comma - args) : strlen(args);
	static _Atomic uint32_t fanout_seq;
	struct afp_port *ap;
	uint64_t nq = 1, blocks = 64, bsz = 1 << 16, promisc = 1;
	char buf[128], name[IF_NAMESIZE];
	int rc, fanout = -1;

	if (!nlen || nlen >= IF_NAMESIZE) {
		snprintf(err, err_sz, "want afpacket:IFNAME[,queues=N][,blocks=N][,block_size=B]"
			 "[,promisc=0|1], got '%.*s'", (int)nlen, args);
		return -EINVAL;
	}
	memcpy(name, args, nlen);
	name[nlen] = 0;
	args += nlen;
	while ((rc = uxdp_port__next_arg(&args, buf, sizeof(buf), &key, &val, err, err_sz)) > 0) {
		if (!strcmp(key, "queues"))
			rc = uxdp_port_parse_u64(key, val, 1, UXDP_PORT_MAX_QUEUES, &nq, err, err_sz);
		else if (!strcmp(key, "blocks"))
			rc = uxdp_port_parse_u64(key, val, 2, 4096, &blocks, err, err_sz);
		else if (!strcmp(key, "block_size"))
			rc = uxdp_port_parse_u64(key, val, 4096, 1 << 22, &bsz, err, err_sz);
		else if (!strcmp(key, "promisc"))
			rc = uxdp_port_parse_u64(key, val, 0, 1, &promisc, err, err_sz);
		else {
			snprintf(err, err_sz, "unknown parameter '%s' (afpacket takes queues=, "
				 "blocks=, block_size=, promisc=)", key);
			rc = -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	if (bsz & (bsz - 1)) {
		snprintf(err, err_sz, "block_size=%llu: want a power of two",
			 (unsigned long long)bsz);
		return -EINVAL;
	}
	ap = calloc(1, sizeof(*ap));
	if (!ap)
		return -ENOMEM;
	for (int i = 0; i < UXDP_PORT_MAX_QUEUES; i++)
		ap->q[i].fd = -1;
	memcpy(ap->ifname, name, nlen + 1);
	ap->kifindex = if_nametoindex(ap->ifname);
	if (!ap->kifindex) {
		snprintf(err, err_sz, "no interface '%s' in this network namespace", ap->ifname);
		free(ap);
		return -ENODEV;
	}
	ap->blocks = (uint32_t)blocks;
	ap->block_size = (uint32_t)bsz;
	ap->nq = (uint16_t)nq;
	if (nq > 1)
		fanout = (int)(((uint32_t)getpid() + atomic_fetch_add(&fanout_seq, 1)) & 0xffff) |
			 (PACKET_FANOUT_HASH << 16);
	for (uint16_t i = 0; i < ap->nq; i++) {
		rc = afp_queue_open(ap, &ap->q[i], fanout, promisc, err, err_sz);
		if (rc) {
			afp_free(ap);
			return rc;
		}
	}
	uxdp_port__set_rxq_cnt(port, ap->nq);
	uxdp_port__set_priv(port, ap);
	{
		char mode[128];

		snprintf(mode, sizeof(mode), "copy: TPACKET_V3 RX ring, sendmmsg TX, %u queue%s%s",
			 ap->nq, ap->nq > 1 ? "s (fanout hash)" : "", promisc ? ", promiscuous" : "");
		uxdp_port__set_mode(port, mode);
	}
	return 0;
}

static void afp_close(struct uxdp_port *port)
{
	afp_free(uxdp_port__priv(port));
}

/* Fold the socket's ring-full drops (reset by each read) into rx_kernel_drops. */
static void afp_fold_drops(struct uxdp_port *port, uint16_t qid, struct afp_queue *q)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	q->retired = 0;
	q->empty_polls = 0;
	if (getsockopt(q->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0 && st.tp_drops)
		uxdp_port__count_rx_kernel_drops(port, qid, st.tp_drops);
}

static inline void afp_release_block(struct afp_port *ap, struct afp_queue *q,
				     struct tpacket_block_desc *bd)
{
	atomic_store_explicit((_Atomic uint32_t *)&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
			      memory_order_release);
	q->pkt_left = 0;
	q->blk = (q->blk + 1) % ap->blocks;
	q->retired++;
}

static uint16_t afp_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
		       uint16_t n)
{
	struct afp_port *ap = uxdp_port__priv(port);
	struct afp_queue *q = &ap->q[qid];
	struct uxdp_page_pool *pool = uxdp_port__rx_pool(port, qid);
	uint64_t errors = 0;
	uint16_t got = 0;

	while (got < n) {
		struct tpacket_block_desc *bd =
			(void *)(q->ring + (size_t)q->blk * ap->block_size);
		struct tpacket3_hdr *h;
		struct uxdp_frame *f;
		uint32_t len, vlan;
		uint8_t *src;

		if (!q->pkt_left) {
			uint32_t st = atomic_load_explicit(
				(_Atomic uint32_t *)&bd->hdr.bh1.block_status,
				memory_order_acquire);

			if (!(st & TP_STATUS_USER))
				break;
			q->pkt_left = bd->hdr.bh1.num_pkts;
			q->pkt = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
			if (!q->pkt_left) {
				afp_release_block(ap, q, bd);
				continue;
			}
		}
		h = (struct tpacket3_hdr *)q->pkt;
		src = q->pkt + h->tp_mac;
		len = h->tp_snaplen;
		vlan = (h->tp_status & TP_STATUS_VLAN_VALID) && len >= 2 * ETH_ALEN ? 4 : 0;
		f = NULL;
		if (h->tp_snaplen < h->tp_len) {
			errors++; /* cut by the ring: never hand out a truncated frame */
		} else {
			f = uxdp_page_pool__alloc(pool);
			if (!f)
				break; /* pool exhausted: the packet waits in the ring */
			if (len + vlan > uxdp_frame__room(f)) {
				uxdp_page_pool__put(pool, f, true);
				f = NULL;
				errors++;
			}
		}
		if (f) {
			uint8_t *dst = uxdp_frame__data(f);

			if (vlan) {
				/* The kernel took the tag out: put it back where it was. */
				uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
							h->hv1.tp_vlan_tpid : ETH_P_8021Q;
				uint16_t tci = (uint16_t)h->hv1.tp_vlan_tci;

				memcpy(dst, src, 2 * ETH_ALEN);
				tpid = htons(tpid);
				tci = htons(tci);
				memcpy(dst + 12, &tpid, 2);
				memcpy(dst + 14, &tci, 2);
				memcpy(dst + 16, src + 12, len - 12);
			} else {
				memcpy(dst, src, len);
			}
			f->len = len + vlan;
			f->rss_hash = h->hv1.tp_rxhash;
			frames[got++] = f;
		}
		if (--q->pkt_left)
			q->pkt += h->tp_next_offset;
		else
			afp_release_block(ap, q, bd);
	}
	if (errors)
		uxdp_port__count_rx_error(port, qid, errors);
	/* Drops happen while the ring is full, so blocks retire fast then; a quiet
	 * queue still reads the counter soon after the last one. */
	if (q->retired >= AFP_STATS_BLOCKS || (!got && ++q->empty_polls >= AFP_STATS_EMPTY))
		afp_fold_drops(port, qid, q);
	return got;
}

static uint16_t afp_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
		       uint16_t n)
{
	struct afp_port *ap = uxdp_port__priv(port);
	int fd = ap->q[qid % ap->nq].fd;
	struct mmsghdr msg[AFP_BURST];
	struct iovec iov[AFP_BURST];
	uint16_t done = 0;

	while (done < n) {
		uint16_t k = n - done < AFP_BURST ? n - done : AFP_BURST;
		int sent;

		for (uint16_t i = 0; i < k; i++) {
			iov[i].iov_base = uxdp_frame__data(frames[done + i]);
			iov[i].iov_len = frames[done + i]->len;
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		sent = sendmmsg(fd, msg, k, MSG_DONTWAIT);
		if (sent <= 0)
			break; /* full (EAGAIN, ENOBUFS), down or too long: the caller keeps them */
		uxdp_frame__free_bulk(frames + done, (uint32_t)sent,
				      uxdp_port__txq_worker(port, qid));
		done += (uint16_t)sent;
		if (sent < k)
			break;
	}
	return done;
}

const struct uxdp_port_ops uxdp_port_afpacket_ops = {
	.prefix = "afpacket",
	.open = afp_open,
	.close = afp_close,
	.rx_burst = afp_rx,
	.tx_burst = afp_tx,
};
