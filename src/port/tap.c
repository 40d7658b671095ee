// SPDX-License-Identifier: BSD-2-Clause
/*
 * tap: a TAP device as a port. What the kernel's network stack sends out of
 * the device is received here; what is transmitted here enters the kernel's
 * stack as if it had arrived on that device. That makes a TAP port the host
 * stage of XDP_PASS (uxdpd's `host PORT TAPPORT`): passed frames are
 * transmitted on the TAP and reach local sockets. write() copies the bytes
 * into a new skb, so every frame goes back to its pool when the call returns
 * (the copy-break of seed 000, for all sizes: nothing stays lent to the
 * kernel, which may hold a socket buffer for an unbounded time).
 *
 * The device is made (or an existing persistent one attached) at open and
 * brought up; a device we made disappears when the port closes. queues=N > 1
 * opens a multi-queue TAP, one file descriptor per queue. A packet longer
 * than the buffer room is counted in rx_errors and dropped, never truncated.
 *
 * Spec: tap:NAME[,queues=N][,up=0|1]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "port/port_internal.h"

struct tap_port {
	char ifname[IF_NAMESIZE];
	uint16_t nq;
	int fd[UXDP_PORT_MAX_QUEUES];
};

/* Bytes past the buffer room land here: a read that fills it was too long. */
static __thread uint8_t tap_spill[1 << 16];

static void tap_free(struct tap_port *tp)
{
	for (int i = 0; i < UXDP_PORT_MAX_QUEUES; i++)
		if (tp->fd[i] >= 0)
			close(tp->fd[i]);
	free(tp);
}

static int tap_set_up(const char *ifname, char *err, size_t err_sz)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0) {
		snprintf(err, err_sz, "%s: socket: %s", ifname, strerror(errno));
		return -errno;
	}
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			rc = -errno;
	} else {
		rc = -errno;
	}
	if (rc)
		snprintf(err, err_sz, "%s: cannot bring the link up: %s", ifname, strerror(-rc));
	close(s);
	return rc;
}

static int tap_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	const char *comma = strchr(args, ','), *key, *val;
	size_t nlen = comma ? (size_t)(comma - args) : strlen(args);
	uint64_t nq = 1, up = 1;
	struct tap_port *tp;
	char buf[128], name[IF_NAMESIZE];
	int rc;

	if (!nlen || nlen >= IF_NAMESIZE) {
		snprintf(err, err_sz, "want tap:NAME[,queues=N][,up=0|1] (NAME 1..%d characters), "
			 "got '%.*s'", IF_NAMESIZE - 1, (int)nlen, args);
		return -EINVAL;
	}
	memcpy(name, args, nlen);
	name[nlen] = 0;
	args += nlen;
	while ((rc = uxdp_port__next_arg(&args, buf, sizeof(buf), &key, &val, err, err_sz)) > 0) {
		if (!strcmp(key, "queues"))
			rc = uxdp_port_parse_u64(key, val, 1, UXDP_PORT_MAX_QUEUES, &nq, err, err_sz);
		else if (!strcmp(key, "up"))
			rc = uxdp_port_parse_u64(key, val, 0, 1, &up, err, err_sz);
		else {
			snprintf(err, err_sz, "unknown parameter '%s' (tap takes queues=, up=)", key);
			rc = -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	for (int i = 0; i < UXDP_PORT_MAX_QUEUES; i++)
		tp->fd[i] = -1;
	memcpy(tp->ifname, name, nlen + 1);
	tp->nq = (uint16_t)nq;
	for (uint16_t i = 0; i < tp->nq; i++) {
		struct ifreq ifr = { 0 };

		tp->fd[i] = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (tp->fd[i] < 0) {
			rc = -errno;
			snprintf(err, err_sz, "/dev/net/tun: %s", strerror(errno));
			goto err;
		}
		memcpy(ifr.ifr_name, tp->ifname, nlen);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (tp->nq > 1 ? IFF_MULTI_QUEUE : 0);
		if (ioctl(tp->fd[i], TUNSETIFF, &ifr)) {
			rc = -errno;
			snprintf(err, err_sz, "%s: TUNSETIFF (queue %u): %s", tp->ifname, i,
				 strerror(errno));
			goto err;
		}
	}
	if (up) {
		rc = tap_set_up(tp->ifname, err, err_sz);
		if (rc)
			goto err;
	}
	uxdp_port__set_rxq_cnt(port, tp->nq);
	uxdp_port__set_priv(port, tp);
	snprintf(buf, sizeof(buf), "copy: read/write on /dev/net/tun, %u queue%s", tp->nq,
		 tp->nq > 1 ? "s" : "");
	uxdp_port__set_mode(port, buf);
	return 0;
err:
	tap_free(tp);
	return rc;
}

static void tap_close(struct uxdp_port *port)
{
	tap_free(uxdp_port__priv(port));
}

static uint16_t tap_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
		       uint16_t n)
{
	struct tap_port *tp = uxdp_port__priv(port);
	struct uxdp_page_pool *pool = uxdp_port__rx_pool(port, qid);
	uint64_t errors = 0;
	uint16_t got = 0;

	while (got < n) {
		struct uxdp_frame *f = uxdp_page_pool__alloc(pool);
		struct iovec iov[2];
		ssize_t r;

		if (!f)
			break;
		iov[0].iov_base = uxdp_frame__data(f);
		iov[0].iov_len = uxdp_frame__room(f);
		iov[1].iov_base = tap_spill;
		iov[1].iov_len = sizeof(tap_spill);
		r = readv(tp->fd[qid], iov, 2);
		if (r <= 0 || (size_t)r > iov[0].iov_len) {
			uxdp_page_pool__put(pool, f, true);
			if (r <= 0)
				break; /* EAGAIN: nothing more; EIO etc.: the device went away */
			errors++;
			continue;
		}
		f->len = (uint32_t)r;
		f->rss_hash = 0;
		frames[got++] = f;
	}
	if (errors)
		uxdp_port__count_rx_error(port, qid, errors);
	return got;
}

static uint16_t tap_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
		       uint16_t n)
{
	struct tap_port *tp = uxdp_port__priv(port);
	int fd = tp->fd[qid % tp->nq];
	uint16_t done = 0;

	while (done < n) {
		struct uxdp_frame *f = frames[done];

		if (write(fd, uxdp_frame__data(f), f->len) != (ssize_t)f->len)
			break; /* full or down: the caller keeps the rest */
		done++;
	}
	/* The kernel copied every frame it took: they all recycle now. */
	uxdp_frame__free_bulk(frames, done, uxdp_port__txq_worker(port, qid));
	return done;
}

const struct uxdp_port_ops uxdp_port_tap_ops = {
	.prefix = "tap",
	.open = tap_open,
	.close = tap_close,
	.rx_burst = tap_rx,
	.tx_burst = tap_tx,
};
