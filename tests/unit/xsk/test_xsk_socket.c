// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdp_xsk_socket__create() and friends against a fake uxdpd: a thread
 * serving a temporary SEQPACKET socket ($UXDP_SOCKET) checks each XSK_BIND
 * (fields, 2 or 3 sealed memfds of the right sizes) and answers as the test
 * asks (success JSON, or an error); it answers XSK_STATS and XSK_MAP_KEY and
 * sends zero-length wake-ups the way uxdpd does (bump signals, then send).
 * Also: no daemon at all, and the rx ring's wake-up drain.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_proto.h"
#include "test.h"
#include "xsk/xsk_client.h"

#define MAX_CONNS 8
#define MAX_BINDS 8

struct bind_seen {
	struct uxdp_ctl_xsk_bind msg;
	ssize_t len;
	int nfds;
	bool sealed[3];
	uint64_t fd_size[3];
	void *rt_mem; /* the rx/tx memfd, mapped by the fake daemon */
	uint64_t rt_len;
};

struct fake {
	char dir[64], path[128];
	int lfd, stop[2];
	pthread_t thr;
	/* what to answer */
	int bind_status;
	const char *bind_text;
	int wakeups_before_stats; /* zero-length messages sent before a stats reply */
	int wakeups_after_stats;  /* ... and after it */
	int bumps_unsent;	  /* after a stats reply: signals bumped, no message (yet) */
	int sends_unbumped;	  /* after a stats reply: the messages of those bumps */
	int stats_done;		  /* stats requests fully served (the three above reset) */
	/* what was seen (written before the reply that the test waits for) */
	struct bind_seen binds[MAX_BINDS];
	int nbinds;
	char map[UXDP_CTL_NAME_MAX];
	uint32_t key;
	int conns_closed;
	int kicks; /* zero-length messages from clients */
	int conn_bind[MAX_CONNS]; /* index in binds, per connection */
};

static void reply(int fd, uint32_t seq, int status, const char *text)
{
	size_t tl = strlen(text), n = sizeof(struct uxdp_ctl_reply) + tl;
	struct uxdp_ctl_reply *r = calloc(1, n);

	r->hdr.magic = UXDP_CTL_MAGIC;
	r->hdr.version = UXDP_CTL_VERSION;
	r->hdr.type = UXDP_CTL_REPLY;
	r->hdr.len = (uint32_t)n;
	r->hdr.seq = seq;
	r->status = status;
	r->text_len = (uint32_t)tl;
	memcpy(r->text, text, tl);
	send(fd, r, n, MSG_NOSIGNAL);
	free(r);
}

/* uxdpd's wake-up: bump signals (release), then send the zero-length message. */
static void wakeup(struct bind_seen *b, int fd)
{
	uint32_t *signals = (uint32_t *)((char *)b->rt_mem + b->msg.ring[UXDP_CTL_XSK_RX].off +
					 UXDP_XSK_RING_OFF_SIGNALS);

	__atomic_fetch_add(signals, 1, __ATOMIC_RELEASE);
	send(fd, NULL, 0, MSG_NOSIGNAL);
}

static void serve_msg(struct fake *f, int slot, int fd)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	static char msg[UXDP_CTL_MAX_MSG];
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf.buf,
			    .msg_controllen = sizeof(cbuf.buf)};
	struct uxdp_ctl_hdr *h = (void *)msg;
	int fds[8], nfds = 0;
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0) {
		if (n == 0) {
			struct pollfd p = {.fd = fd, .events = POLLRDHUP};

			if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP))) {
				close(fd);
				__atomic_fetch_add(&f->conns_closed, 1, __ATOMIC_RELEASE);
				f->conn_bind[slot] = -2;
			} else {
				__atomic_fetch_add(&f->kicks, 1, __ATOMIC_RELEASE);
			}
		}
		return;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
		}
	if (h->type == UXDP_CTL_XSK_BIND && f->nbinds < MAX_BINDS) {
		struct bind_seen *b = &f->binds[f->nbinds];
		char json[128];

		memcpy(&b->msg, msg, sizeof(b->msg));
		b->len = n;
		b->nfds = nfds;
		for (int i = 0; i < nfds && i < 3; i++) {
			struct stat st;

			b->sealed[i] = fcntl(fds[i], F_GET_SEALS) ==
				       (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
			b->fd_size[i] = fstat(fds[i], &st) ? 0 : (uint64_t)st.st_size;
		}
		if (nfds >= 2) {
			b->rt_len = b->fd_size[1];
			b->rt_mem = mmap(NULL, b->rt_len, PROT_READ | PROT_WRITE, MAP_SHARED,
					 fds[1], 0);
			if (b->rt_mem == MAP_FAILED)
				b->rt_mem = NULL;
		}
		f->conn_bind[slot] = f->nbinds++;
		snprintf(json, sizeof(json), "{\"id\":%d,\"zero_copy\":%s,\"mode\":\"%s\"}",
			 40 + f->nbinds, f->nbinds == 1 ? "true" : "false",
			 f->nbinds == 1 ? "zero-copy" : "copy");
		reply(fd, h->seq, f->bind_status, f->bind_status ? f->bind_text : json);
	} else if (h->type == UXDP_CTL_XSK_STATS && f->conn_bind[slot] >= 0) {
		struct bind_seen *b = &f->binds[f->conn_bind[slot]];

		for (int i = 0; i < f->wakeups_before_stats; i++)
			wakeup(b, fd);
		reply(fd, h->seq, 0,
		      "{\"rx_dropped\":1,\"rx_invalid_descs\":2,\"tx_invalid_descs\":3,"
		      "\"rx_ring_full\":4,\"rx_fill_ring_empty_descs\":5,"
		      "\"tx_ring_empty_descs\":6,\"rx_packets\":7,\"rx_bytes\":8,"
		      "\"tx_packets\":9,\"tx_bytes\":10,\"wakeups\":11,\"kicks\":12,"
		      "\"zero_copy\":true,\"something_new\":\"ignored\"}");
		for (int i = 0; i < f->wakeups_after_stats; i++)
			wakeup(b, fd);
		for (int i = 0; i < f->bumps_unsent; i++)
			__atomic_fetch_add(
				(uint32_t *)((char *)b->rt_mem + UXDP_XSK_RING_OFF_SIGNALS), 1,
				__ATOMIC_RELEASE);
		for (int i = 0; i < f->sends_unbumped; i++)
			send(fd, NULL, 0, MSG_NOSIGNAL);
		f->wakeups_after_stats = f->bumps_unsent = f->sends_unbumped = 0;
		__atomic_fetch_add(&f->stats_done, 1, __ATOMIC_RELEASE);
	} else if (h->type == UXDP_CTL_XSK_MAP_KEY) {
		struct uxdp_ctl_xsk_map_key *k = (void *)msg;

		memcpy(f->map, k->map, sizeof(f->map));
		f->key = k->key;
		reply(fd, h->seq, strcmp(k->map, "nope") ? 0 : -ENOENT,
		      strcmp(k->map, "nope") ? "" : "no xskmap named nope");
	} else {
		reply(fd, h->seq, -EINVAL, "unexpected");
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int conn[MAX_CONNS];

	for (int i = 0; i < MAX_CONNS; i++) {
		conn[i] = -1;
		f->conn_bind[i] = -1;
	}
	for (;;) {
		struct pollfd p[MAX_CONNS + 2];
		int slot_of[MAX_CONNS + 2], np = 0;

		p[np++] = (struct pollfd){.fd = f->stop[0], .events = POLLIN};
		p[np++] = (struct pollfd){.fd = f->lfd, .events = POLLIN};
		for (int i = 0; i < MAX_CONNS; i++)
			if (conn[i] >= 0 && f->conn_bind[i] != -2) {
				slot_of[np] = i;
				p[np++] = (struct pollfd){.fd = conn[i], .events = POLLIN};
			}
		if (poll(p, np, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) {
			int c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);

			for (int i = 0; i < MAX_CONNS && c >= 0; i++)
				if (conn[i] < 0) {
					conn[i] = c;
					c = -1;
				}
			if (c >= 0)
				close(c);
		}
		for (int j = 2; j < np; j++)
			if (p[j].revents) {
				serve_msg(f, slot_of[j], conn[slot_of[j]]);
				if (f->conn_bind[slot_of[j]] == -2)
					conn[slot_of[j]] = -1, f->conn_bind[slot_of[j]] = -1;
			}
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (conn[i] >= 0)
			close(conn[i]);
	return NULL;
}

static int fake_start(struct fake *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/uxdp-xsk-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -errno;
	snprintf(f->path, sizeof(f->path), "%s/uxdpd.sock", f->dir);
	strcpy(sa.sun_path, f->path);
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(f->lfd, 8) ||
	    pipe2(f->stop, O_CLOEXEC))
		return -errno;
	setenv("UXDP_SOCKET", f->path, 1);
	return -pthread_create(&f->thr, NULL, fake_main, f);
}

static void fake_stop(struct fake *f)
{
	if (write(f->stop[1], "x", 1) != 1)
		abort();
	pthread_join(f->thr, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->lfd);
	for (int i = 0; i < f->nbinds; i++)
		if (f->binds[i].rt_mem)
			munmap(f->binds[i].rt_mem, f->binds[i].rt_len);
	unlink(f->path);
	rmdir(f->dir);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* Wait (up to a second) until the fake daemon has seen n connections close. */
static void wait_closed(struct fake *f, int n)
{
	for (int i = 0; i < 500 && __atomic_load_n(&f->conns_closed, __ATOMIC_ACQUIRE) < n; i++)
		usleep(2000);
}

/* Stats with things the fake daemon does after its reply; returns once it did them. */
static int stats_then(struct fake *f, struct uxdp_xsk_socket *s, int wakeups, int bumps, int sends)
{
	int done = __atomic_load_n(&f->stats_done, __ATOMIC_ACQUIRE);
	struct uxdp_xsk_stats st;
	int err;

	f->wakeups_after_stats = wakeups;
	f->bumps_unsent = bumps;
	f->sends_unbumped = sends;
	err = uxdp_xsk_socket__get_stats(s, &st);
	for (int i = 0; i < 500 && __atomic_load_n(&f->stats_done, __ATOMIC_ACQUIRE) == done; i++)
		usleep(2000);
	return err;
}

struct app {
	char *area;
	size_t len;
	struct uxdp_xsk_umem *umem;
	struct uxdp_xsk_ring_prod fill, tx;
	struct uxdp_xsk_ring_cons comp, rx;
};

static int app_umem(struct app *a)
{
	a->len = 256 * 4096;
	a->area = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->area == MAP_FAILED)
		return -errno;
	return uxdp_xsk_umem__create(&a->umem, a->area, a->len, &a->fill, &a->comp, NULL);
}

static void app_free(struct app *a)
{
	uxdp_xsk_umem__delete(a->umem);
	munmap(a->area, a->len);
}

UXDP_TEST(socket_bind_messages, fast)
{
	const struct uxdp_xsk_socket_config cfg = {.rx_size = 1024,
						   .tx_size = 256,
						   .libxdp_flags =
							   UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
						   .bind_flags = XDP_USE_NEED_WAKEUP | XDP_COPY};
	struct uxdp_xsk_ring_prod fill2;
	struct uxdp_xsk_ring_cons comp2, rx2, rx3;
	struct uxdp_xsk_socket *s1 = NULL, *s2 = NULL, *s3 = NULL;
	struct bind_seen *b;
	struct fake f;
	struct app a;
	int fds0;

	ASSERT_OK(fake_start(&f));
	ASSERT_OK(app_umem(&a));
	fds0 = count_fds();
	ASSERT_OK(uxdp_xsk_socket__create(&s1, "veth0", 3, a.umem, &a.rx, &a.tx, &cfg));
	ASSERT_NOT_NULL(s1);
	ASSERT_EQ(count_fds(), fds0 + 2); /* the connection's two ends, nothing else */
	ASSERT_EQ(f.nbinds, 1);
	b = &f.binds[0];
	ASSERT_EQ(b->len, sizeof(struct uxdp_ctl_xsk_bind));
	ASSERT_EQ(b->msg.hdr.magic, UXDP_CTL_MAGIC);
	ASSERT_EQ(b->msg.hdr.version, UXDP_CTL_VERSION);
	ASSERT_EQ(b->msg.hdr.type, UXDP_CTL_XSK_BIND);
	ASSERT_EQ(b->msg.hdr.len, sizeof(struct uxdp_ctl_xsk_bind));
	ASSERT_EQ(b->msg.hdr.flags, 0);
	ASSERT_EQ(b->msg.abi, UXDP_XSK_ABI_VERSION);
	ASSERT_EQ(b->msg.queue, 3);
	ASSERT_TRUE(!strcmp(b->msg.port, "veth0"));
	ASSERT_EQ(b->msg.bind_flags, XDP_USE_NEED_WAKEUP | XDP_COPY);
	ASSERT_EQ(b->msg.libxdp_flags, UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD);
	ASSERT_EQ(b->msg.umem_size, a.len);
	ASSERT_EQ(b->msg.chunk_size, 4096);
	ASSERT_EQ(b->msg.headroom, 0);
	ASSERT_EQ(b->msg.umem_flags, 0);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_FILL].entries, 2048);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_FILL].off, 0);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_COMP].entries, 2048);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_COMP].off, 20480); /* 256 + 2048 * 8, in pages */
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_RX].entries, 1024);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_RX].off, 0);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_TX].entries, 256);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_TX].off, 20480); /* 256 + 1024 * 16, in pages */
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(b->msg.ring[i].reserved, 0);
	ASSERT_EQ(b->nfds, 3);
	ASSERT_TRUE(b->sealed[0] && b->sealed[1] && b->sealed[2]);
	ASSERT_EQ(b->fd_size[0], a.len);
	ASSERT_EQ(b->fd_size[1], 20480 + 8192);	 /* tx: 256 + 256 * 16 */
	ASSERT_EQ(b->fd_size[2], 20480 + 20480); /* comp like fill */

	/* the socket: its fd, uxdpd's answer, the app's ring views */
	ASSERT_TRUE(uxdp_xsk_socket__fd(s1) >= 0);
	ASSERT_EQ(uxdp_xsk_umem__fd(a.umem), uxdp_xsk_socket__fd(s1));
	ASSERT_TRUE(uxdp_xsk_socket__zero_copy(s1));
	ASSERT_EQ(a.rx.r.size, 1024);
	ASSERT_EQ(a.rx.r.cached_prod, 0);
	ASSERT_NOT_NULL(a.rx.r.signals);
	ASSERT_EQ((char *)a.rx.r.signals - (char *)a.rx.r.producer, UXDP_XSK_RING_OFF_SIGNALS);
	ASSERT_EQ((char *)a.rx.r.drained - (char *)a.rx.r.producer, UXDP_XSK_RING_OFF_DRAINED);
	ASSERT_TRUE(a.rx.r.xsk == s1);
	ASSERT_EQ(a.tx.r.size, 256);
	ASSERT_EQ(uxdp_xsk_prod_nb_free(&a.tx, 1), 256);
	ASSERT_NULL(a.tx.r.signals);
	/* the fake daemon's mapping is the app's ring */
	*(uint32_t *)((char *)b->rt_mem + 20480) = 77;
	ASSERT_EQ(*a.tx.r.producer, 77);
	*(uint32_t *)((char *)b->rt_mem + 20480) = 0;
	ASSERT_EQ(uxdp_xsk_umem__delete(a.umem), -EBUSY);

	/* a second socket with plain create shares the UMEM's fill/comp rings */
	ASSERT_OK(uxdp_xsk_socket__create(&s2, "veth0", 3, a.umem, &rx2, NULL, NULL));
	b = &f.binds[1];
	ASSERT_EQ(b->nfds, 2);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_FILL].entries, 0);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_COMP].entries, 0);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_RX].entries, 2048); /* the default */
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_TX].entries, 0);
	ASSERT_EQ(b->msg.bind_flags, XDP_SHARED_UMEM);
	ASSERT_EQ(b->fd_size[1], 4096 + 2048 * 16);
	ASSERT_FALSE(uxdp_xsk_socket__zero_copy(s2));

	/* a third, on another queue with its own fill/comp rings */
	memset(&fill2, 0xff, sizeof(fill2));
	ASSERT_OK(uxdp_xsk_socket__create_shared(&s3, "veth0", 4, a.umem, &rx3, NULL, &fill2,
						 &comp2, NULL));
	b = &f.binds[2];
	ASSERT_EQ(b->nfds, 3);
	ASSERT_TRUE(b->sealed[2]);
	ASSERT_EQ(b->msg.queue, 4);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_FILL].entries, 2048);
	ASSERT_EQ(b->msg.ring[UXDP_CTL_XSK_COMP].entries, 2048);
	ASSERT_EQ(b->msg.bind_flags, XDP_SHARED_UMEM);
	ASSERT_EQ(fill2.r.size, 2048);
	ASSERT_EQ(uxdp_xsk_prod_nb_free(&fill2, 1), 2048);
	ASSERT_TRUE(fill2.r.producer != a.fill.r.producer);
	ASSERT_EQ(comp2.r.size, 2048);
	ASSERT_EQ(count_fds(), fds0 + 6);

	uxdp_xsk_socket__delete(s1);
	ASSERT_EQ(uxdp_xsk_umem__fd(a.umem), -1);
	ASSERT_EQ(uxdp_xsk_umem__delete(a.umem), -EBUSY);
	uxdp_xsk_socket__delete(s2);
	uxdp_xsk_socket__delete(s3);
	/* the daemon saw every connection close (the socket's release) */
	wait_closed(&f, 3);
	ASSERT_EQ(f.conns_closed, 3);
	ASSERT_EQ(count_fds(), fds0);
	fake_stop(&f);
	app_free(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(socket_bad_args, fast)
{
	struct uxdp_xsk_socket_config cfg = {.rx_size = 2048, .tx_size = 2048};
	struct uxdp_xsk_socket *s = NULL;
	struct fake f;
	struct app a;
	char longname[80];

	ASSERT_OK(fake_start(&f));
	ASSERT_OK(app_umem(&a));
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "p", 0, a.umem, NULL, NULL, &cfg), -EFAULT);
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "p", 0, NULL, &a.rx, NULL, &cfg), -EFAULT);
	ASSERT_EQ(uxdp_xsk_socket__create(&s, NULL, 0, a.umem, &a.rx, NULL, &cfg), -EFAULT);
	ASSERT_EQ(uxdp_xsk_socket__create_shared(&s, "p", 0, a.umem, &a.rx, NULL, NULL, &a.comp,
						 &cfg),
		  -EFAULT);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ASSERT_EQ(uxdp_xsk_socket__create(&s, longname, 0, a.umem, &a.rx, NULL, &cfg), -EINVAL);
	cfg.rx_size = 1000;
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "p", 0, a.umem, &a.rx, NULL, &cfg), -EINVAL);
	cfg.rx_size = 0;
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "p", 0, a.umem, &a.rx, NULL, &cfg), -EINVAL);
	cfg.rx_size = 2048;
	cfg.bind_flags = XDP_COPY | XDP_ZEROCOPY;
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "p", 0, a.umem, &a.rx, NULL, &cfg), -EINVAL);
	cfg.bind_flags = 1u << 9;
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "p", 0, a.umem, &a.rx, NULL, &cfg), -EINVAL);
	cfg.bind_flags = 0;
	cfg.libxdp_flags = 2;
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "p", 0, a.umem, &a.rx, NULL, &cfg), -EINVAL);
	ASSERT_NULL(s);
	ASSERT_EQ(f.nbinds, 0); /* all refused before talking to the daemon */
	fake_stop(&f);
	app_free(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(socket_daemon_refuses, fast)
{
	struct uxdp_xsk_socket *s = NULL;
	struct fake f;
	struct app a;
	int fds0;

	ASSERT_OK(fake_start(&f));
	f.bind_status = -EACCES;
	f.bind_text = "xsk policy: uid 1000 may not bind veth0 queue 0";
	ASSERT_OK(app_umem(&a));
	fds0 = count_fds();
	uxdp_set_print(NULL);
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, &a.tx, NULL), -EACCES);
	ASSERT_NULL(s);
	wait_closed(&f, 1);
	ASSERT_EQ(f.conns_closed, 1);
	ASSERT_EQ(count_fds(), fds0);
	ASSERT_EQ(f.nbinds, 1);
	ASSERT_EQ(f.binds[0].nfds, 3);
	/* the UMEM was not taken: it can be deleted, or bound again with its rings */
	f.bind_status = -EOPNOTSUPP;
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, &a.tx, NULL), -EOPNOTSUPP);
	ASSERT_EQ(f.binds[1].nfds, 3);
	f.bind_status = 0;
	ASSERT_OK(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, &a.tx, NULL));
	ASSERT_EQ(f.binds[2].nfds, 3);
	uxdp_xsk_socket__delete(s);
	ASSERT_OK(uxdp_xsk_umem__delete(a.umem));
	a.umem = NULL;
	wait_closed(&f, 3);
	ASSERT_EQ(count_fds(), fds0 - 2); /* the UMEM's two memfds are gone too */
	fake_stop(&f);
	munmap(a.area, a.len);
	return UXDP_TEST_PASS;
}

UXDP_TEST(socket_no_daemon, fast)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/uxdp-xsk-test-XXXXXX";
	struct uxdp_xsk_socket *s = NULL;
	struct app a;
	int fds0, fd;

	ASSERT_NOT_NULL(mkdtemp(dir));
	ASSERT_OK(app_umem(&a));
	fds0 = count_fds();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/none.sock", dir);
	setenv("UXDP_SOCKET", sa.sun_path, 1);
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, NULL, NULL), -ENOENT);
	/* a socket file nobody listens on (a dead daemon's) */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ASSERT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	ASSERT_EQ(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, NULL, NULL),
		  -ECONNREFUSED);
	ASSERT_NULL(s);
	ASSERT_EQ(count_fds(), fds0);
	unlink(sa.sun_path);
	rmdir(dir);
	app_free(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(socket_stats_and_map_key, fast)
{
	struct uxdp_xsk_socket *s = NULL;
	struct uxdp_xsk_stats st;
	struct fake f;
	struct app a;

	ASSERT_OK(fake_start(&f));
	ASSERT_OK(app_umem(&a));
	ASSERT_OK(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, &a.tx, NULL));
	/* a wake-up that arrives while waiting for the reply is skipped and counted */
	f.wakeups_before_stats = 2;
	memset(&st, 0xff, sizeof(st));
	ASSERT_OK(uxdp_xsk_socket__get_stats(s, &st));
	ASSERT_EQ(st.rx_dropped, 1);
	ASSERT_EQ(st.rx_invalid_descs, 2);
	ASSERT_EQ(st.tx_invalid_descs, 3);
	ASSERT_EQ(st.rx_ring_full, 4);
	ASSERT_EQ(st.rx_fill_ring_empty_descs, 5);
	ASSERT_EQ(st.tx_ring_empty_descs, 6);
	ASSERT_EQ(st.rx_packets, 7);
	ASSERT_EQ(st.rx_bytes, 8);
	ASSERT_EQ(st.tx_packets, 9);
	ASSERT_EQ(st.tx_bytes, 10);
	ASSERT_EQ(st.wakeups, 11);
	ASSERT_EQ(st.kicks, 12);
	ASSERT_TRUE(st.zero_copy);
	ASSERT_EQ(*a.rx.r.signals, 2);
	ASSERT_EQ(*a.rx.r.drained, 2);
	f.wakeups_before_stats = 0;
	ASSERT_OK(uxdp_xsk_socket__get_stats(s, &st));
	ASSERT_EQ(*a.rx.r.drained, 2);

	ASSERT_OK(uxdp_xsk_socket__update_xskmap_key(s, "xsks_map", 7));
	ASSERT_TRUE(!strcmp(f.map, "xsks_map"));
	ASSERT_EQ(f.key, 7);
	ASSERT_OK(uxdp_xsk_socket__update_xskmap_key(s, NULL, 9));
	ASSERT_TRUE(!strcmp(f.map, ""));
	ASSERT_EQ(f.key, 9);
	uxdp_set_print(NULL);
	ASSERT_EQ(uxdp_xsk_socket__update_xskmap_key(s, "nope", 1), -ENOENT);
	uxdp_xsk_socket__delete(s);
	fake_stop(&f);
	app_free(&a);
	return UXDP_TEST_PASS;
}

/*
 * getsockopt(SOL_XDP) on a uxdp socket fd answers as the kernel does on its
 * AF_XDP sockets (the fake daemon's counters are 1..6): the full struct
 * xdp_statistics, the three-field version with rx_ring_full folded into
 * rx_dropped, EINVAL below that, XDP_OPTIONS, and errors for the rest; other
 * levels and other fds pass through to getsockopt().
 */
UXDP_TEST(socket_getsockopt_sol_xdp, fast)
{
	struct uxdp_xsk_socket *s = NULL;
	struct xdp_statistics st;
	struct xdp_options o;
	socklen_t len;
	int type, sv[2];
	struct fake f;
	struct app a;

	ASSERT_OK(fake_start(&f));
	ASSERT_OK(app_umem(&a));
	ASSERT_OK(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, &a.tx, NULL));
	int fd = uxdp_xsk_socket__fd(s);

	memset(&st, 0xff, sizeof(st));
	len = sizeof(st);
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len), 0);
	ASSERT_EQ(len, sizeof(st));
	ASSERT_EQ(st.rx_dropped, 1);
	ASSERT_EQ(st.rx_invalid_descs, 2);
	ASSERT_EQ(st.tx_invalid_descs, 3);
	ASSERT_EQ(st.rx_ring_full, 4);
	ASSERT_EQ(st.rx_fill_ring_empty_descs, 5);
	ASSERT_EQ(st.tx_ring_empty_descs, 6);
	/* an older caller's three fields: rx_ring_full counted as dropped */
	memset(&st, 0xff, sizeof(st));
	len = 3 * sizeof(__u64) + 4;
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len), 0);
	ASSERT_EQ(len, 3 * sizeof(__u64));
	ASSERT_EQ(st.rx_dropped, 1 + 4);
	ASSERT_EQ(st.rx_invalid_descs, 2);
	ASSERT_EQ(st.tx_invalid_descs, 3);
	ASSERT_EQ(st.rx_ring_full, UINT64_MAX); /* not written */
	len = 3 * sizeof(__u64) - 1;
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len), -1);
	ASSERT_EQ(errno, EINVAL);

	len = sizeof(o);
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_OPTIONS, &o, &len), 0);
	ASSERT_EQ(o.flags, XDP_OPTIONS_ZEROCOPY); /* the fake daemon bound it zero-copy */
	len = 2;
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_OPTIONS, &o, &len), -1);
	ASSERT_EQ(errno, EINVAL);
	len = sizeof(o);
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &o, &len), -1);
	ASSERT_EQ(errno, EOPNOTSUPP);
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, 99, &o, &len), -1);
	ASSERT_EQ(errno, ENOPROTOOPT);
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_OPTIONS, NULL, &len), -1);
	ASSERT_EQ(errno, EFAULT);

	/* other levels of the same fd, and other fds: getsockopt() itself */
	len = sizeof(type);
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
	ASSERT_EQ(type, SOCK_SEQPACKET);
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	len = sizeof(st);
	ASSERT_EQ(getsockopt(sv[0], SOL_XDP, XDP_STATISTICS, &st, &len), -1);
	type = errno; /* what the kernel says for a socket that is not AF_XDP */
	len = sizeof(st);
	ASSERT_EQ(uxdp_xsk_getsockopt(sv[0], SOL_XDP, XDP_STATISTICS, &st, &len), -1);
	ASSERT_EQ(errno, type);
	close(sv[0]);
	close(sv[1]);

	/* a deleted socket's fd number is not ours any more */
	uxdp_xsk_socket__delete(s);
	len = sizeof(o);
	ASSERT_EQ(uxdp_xsk_getsockopt(fd, SOL_XDP, XDP_OPTIONS, &o, &len), -1);
	ASSERT_TRUE(errno == EBADF || errno == ENOTSOCK || errno == ENOPROTOOPT);
	fake_stop(&f);
	app_free(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(socket_drain_wakeups, fast)
{
	struct uxdp_xsk_socket *s = NULL;
	struct bind_seen *b;
	struct pollfd p;
	struct fake f;
	struct app a;
	uint32_t idx;
	int fd;

	ASSERT_OK(fake_start(&f));
	ASSERT_OK(app_umem(&a));
	ASSERT_OK(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, NULL, NULL));
	fd = uxdp_xsk_socket__fd(s);
	b = &f.binds[0];
	/* an empty peek with nothing announced makes no system call and changes nothing */
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&a.rx, 16, &idx), 0);
	ASSERT_EQ(*a.rx.r.drained, 0);

	/* two wake-ups after the stats reply: queued on the connection */
	ASSERT_OK(stats_then(&f, s, 2, 0, 0));
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(*a.rx.r.signals, 2);

	/* the ring holds an entry: peek takes it and drains nothing */
	{
		struct xdp_desc *d =
			(struct xdp_desc *)((char *)b->rt_mem + UXDP_XSK_RING_OFF_ENTRIES);
		uint32_t *prod = (uint32_t *)((char *)b->rt_mem + UXDP_XSK_RING_OFF_PRODUCER);

		*d = (struct xdp_desc){.addr = 4096, .len = 60};
		__atomic_store_n(prod, 1, __ATOMIC_RELEASE);
	}
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&a.rx, 16, &idx), 1);
	ASSERT_EQ(uxdp_xsk_ring_cons__rx_desc(&a.rx, idx)->len, 60);
	uxdp_xsk_ring_cons__release(&a.rx, 1);
	ASSERT_EQ(*a.rx.r.drained, 0);
	ASSERT_EQ(poll(&p, 1, 0), 1);

	/* empty now: the peek reads both wake-ups and publishes them */
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&a.rx, 16, &idx), 0);
	ASSERT_EQ(*a.rx.r.drained, 2);
	ASSERT_EQ(poll(&p, 1, 0), 0);
	{
		char c;

		ASSERT_EQ(recv(fd, &c, 1, MSG_DONTWAIT), -1);
		ASSERT_EQ(errno, EAGAIN);
	}

	/* announced but not sent yet: the drain does not wait, and catches up later */
	ASSERT_OK(stats_then(&f, s, 0, 1, 0));
	ASSERT_EQ(*a.rx.r.signals, 3);
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&a.rx, 16, &idx), 0);
	ASSERT_EQ(*a.rx.r.drained, 2);
	ASSERT_OK(stats_then(&f, s, 0, 0, 1));
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&a.rx, 16, &idx), 0);
	ASSERT_EQ(*a.rx.r.drained, 3);
	ASSERT_EQ(poll(&p, 1, 0), 0);
	/* a kick (the TX sendto) goes to the daemon and changes nothing here */
	ASSERT_EQ(send(fd, NULL, 0, MSG_DONTWAIT | MSG_NOSIGNAL), 0);
	uxdp_xsk_socket__delete(s);
	fake_stop(&f);
	app_free(&a);
	return UXDP_TEST_PASS;
}

/* Kicks seen by the fake daemon once it has answered a request sent after them
 * (one connection: messages are served in order). */
static int kicks_after_barrier(struct fake *f, struct uxdp_xsk_socket *s)
{
	if (stats_then(f, s, 0, 0, 0))
		return -1;
	return __atomic_load_n(&f->kicks, __ATOMIC_ACQUIRE);
}

/*
 * sendto()/recvfrom()/poll() on a socket fd, as on a kernel AF_XDP socket:
 * sendto kicks always, recvfrom and poll only when a ring asks
 * (XDP_RING_NEED_WAKEUP, as uxdpd's sleeping worker sets it); both need
 * MSG_DONTWAIT; recvfrom reads nothing (uxdpd's poll() wake-ups stay queued
 * for the drain); other fds get the calls themselves.
 */
UXDP_TEST(socket_kicks, fast)
{
	struct uxdp_xsk_socket *s = NULL;
	struct pollfd p;
	struct fake f;
	struct app a;
	uint32_t idx;
	int fd, sp[2];
	char c = 0;

	ASSERT_OK(fake_start(&f));
	ASSERT_OK(app_umem(&a));
	ASSERT_OK(uxdp_xsk_socket__create(&s, "veth0", 0, a.umem, &a.rx, &a.tx, NULL));
	fd = uxdp_xsk_socket__fd(s);

	ASSERT_EQ(uxdp_xsk_sendto(fd, NULL, 0, 0, NULL, 0), -1);
	ASSERT_EQ(errno, EOPNOTSUPP);
	ASSERT_EQ(uxdp_xsk_recvfrom(fd, NULL, 0, 0, NULL, NULL), -1);
	ASSERT_EQ(errno, EOPNOTSUPP);
	ASSERT_EQ(kicks_after_barrier(&f, s), 0);

	/* the TX kick: always; buf and len are not sent */
	ASSERT_EQ(uxdp_xsk_sendto(fd, "xyz", 3, MSG_DONTWAIT, NULL, 0), 0);
	ASSERT_EQ(kicks_after_barrier(&f, s), 1);

	/* no ring asks: recvfrom and poll do not kick */
	ASSERT_EQ(uxdp_xsk_recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL), 0);
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	ASSERT_EQ(uxdp_xsk_poll(&p, 1, 0), 0);
	ASSERT_EQ(kicks_after_barrier(&f, s), 1);

	/* the fill ring asks: recvfrom kicks and reads nothing, so a queued wake-up
	 * is still there for poll() and the drain */
	ASSERT_OK(stats_then(&f, s, 1, 0, 0));
	__atomic_store_n(a.fill.r.flags, XDP_RING_NEED_WAKEUP, __ATOMIC_RELEASE);
	ASSERT_TRUE(uxdp_xsk_ring_prod__needs_wakeup(&a.fill));
	ASSERT_EQ(uxdp_xsk_recvfrom(fd, &c, 1, MSG_DONTWAIT, NULL, NULL), 0);
	ASSERT_EQ(poll(&p, 1, 0), 1);
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&a.rx, 16, &idx), 0);
	ASSERT_EQ(*a.rx.r.drained, *a.rx.r.signals);
	ASSERT_EQ(poll(&p, 1, 0), 0);
	ASSERT_EQ(kicks_after_barrier(&f, s), 2);

	/* poll kicks for the fill ring, then for the tx ring alone */
	ASSERT_EQ(uxdp_xsk_poll(&p, 1, 0), 0);
	ASSERT_EQ(kicks_after_barrier(&f, s), 3);
	__atomic_store_n(a.fill.r.flags, 0, __ATOMIC_RELEASE);
	__atomic_store_n(a.tx.r.flags, XDP_RING_NEED_WAKEUP, __ATOMIC_RELEASE);
	ASSERT_EQ(uxdp_xsk_poll(&p, 1, 0), 0);
	ASSERT_EQ(uxdp_xsk_recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL), 0); /* fill: no */
	ASSERT_EQ(kicks_after_barrier(&f, s), 4);

	/* any other fd: the calls themselves */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp));
	ASSERT_EQ(uxdp_xsk_sendto(sp[0], "q", 1, MSG_DONTWAIT, NULL, 0), 1);
	p = (struct pollfd){.fd = sp[1], .events = POLLIN};
	ASSERT_EQ(uxdp_xsk_poll(&p, 1, 1000), 1);
	ASSERT_EQ(uxdp_xsk_recvfrom(sp[1], &c, 1, 0, NULL, NULL), 1);
	ASSERT_EQ(c, 'q');
	close(sp[0]);
	close(sp[1]);

	uxdp_xsk_socket__delete(s);
	fake_stop(&f);
	app_free(&a);
	return UXDP_TEST_PASS;
}
