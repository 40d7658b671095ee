// SPDX-License-Identifier: BSD-2-Clause
/*
 * The daemon side of the control socket: a unix SOCK_SEQPACKET listener and a
 * poll loop over it and its connections, one thread (the daemon's control
 * thread). A request is read whole (MSG_TRUNC tells an oversized one apart),
 * validated by uxdp_ctl_parse(), handed to the daemon's handler, and answered
 * in chunks of at most UXDP_CTL_MAX_MSG bytes. A malformed request is answered
 * with the reason and counted; the connection stays usable. Every send is
 * non-blocking: what the client's socket does not take stays on that
 * connection's output queue (whole replies, sent as whole datagrams) and goes
 * out when poll() says POLLOUT. Requests that arrive meanwhile are read and
 * handled at once, their replies queued behind, so answers keep their order;
 * a connection whose queue would pass UXDP_CTL_MAX_QUEUED is dropped (counted,
 * logged; a session is released as on EOF). No client can stall the thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_proto.h"
#include "uxdp/common.h"

void uxdp_pr(enum uxdp_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* fds a message may carry (XSK_BIND: 3); one more fits the buffer to see excess. */
#define MAX_FDS 3

/* A reply not (wholly) sent yet: text[off..len) still to go, in chunks. */
struct outq {
	struct outq *next;
	uint32_t seq;
	int32_t status;
	size_t len, off;
	bool started; /* a chunk went out (an empty text is one empty chunk) */
	char text[];
};

struct conn {
	int fd;
	void *session;		     /* non-NULL: the connection is an application socket */
	struct outq *out, *out_tail; /* replies waiting for POLLOUT, oldest first */
	size_t out_bytes;	     /* text bytes still queued */
	uint64_t last_active;	     /* srv->tick at accept or at its last request */
};

struct uxdp_ctl_server {
	int fd;
	char *path;
	uxdp_ctl_handler_fn fn;
	uxdp_ctl_session_fn on_kick, on_close;
	void *cookie;
	struct conn *conns; /* cap_conns slots, n_conns used */
	uint32_t n_conns, cap_conns, n_sessions;
	uint64_t requests, refused, kicks, dropped, evicted;
	uint64_t tick; /* orders connections by their last activity */
	uint8_t *buf;  /* one message, +1 byte to see an oversized one */
	uint8_t *obuf; /* one reply chunk being built */
};

static int make_dirs(const char *path)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	p = strrchr(tmp, '/');
	if (!p || p == tmp)
		return 0;
	*p = '\0';
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

struct uxdp_ctl_server *uxdp_ctl_server_new(const char *path, uxdp_ctl_handler_fn fn, void *cookie,
					    char *err, size_t err_sz)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct uxdp_ctl_server *srv;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_sz, "control socket path '%s' is longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	rc = make_dirs(path);
	if (rc) {
		snprintf(err, err_sz, "cannot make the directory of %s: %s", path, strerror(-rc));
		errno = -rc;
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err_sys;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int probe;

		if (errno != EADDRINUSE)
			goto err_close;
		/* A live daemon answers a connect; a stale socket file does not. */
		probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
			close(probe);
			close(fd);
			snprintf(err, err_sz, "another daemon is listening on %s", path);
			errno = EADDRINUSE;
			return NULL;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			goto err_close;
	}
	if (chmod(path, 0660) || listen(fd, 16))
		goto err_unlink;
	srv = calloc(1, sizeof(*srv));
	if (!srv || !(srv->buf = malloc(UXDP_CTL_MAX_MSG + 1)) ||
	    !(srv->obuf = malloc(UXDP_CTL_MAX_MSG)) || !(srv->path = strdup(path))) {
		if (srv) {
			free(srv->buf);
			free(srv->obuf);
		}
		free(srv);
		errno = ENOMEM;
		goto err_unlink;
	}
	srv->fd = fd;
	srv->fn = fn;
	srv->cookie = cookie;
	return srv;

err_unlink:
	rc = errno;
	unlink(path);
	errno = rc;
err_close:
	rc = errno;
	close(fd);
	errno = rc;
err_sys:
	snprintf(err, err_sz, "control socket %s: %s", path, strerror(errno));
	return NULL;
}

/*
 * Send text[*off..len) in chunks, never blocking: 0 once the last chunk went
 * out, -EAGAIN when the socket is full (*off and *started say where to go on),
 * another -errno when the client is gone. A chunk is one datagram, sent whole
 * or not at all (SOCK_SEQPACKET).
 */
static int send_chunks(struct uxdp_ctl_server *srv, int fd, uint32_t seq, int32_t status,
		       const char *text, size_t len, size_t *off, bool *started)
{
	const size_t room = UXDP_CTL_MAX_MSG - sizeof(struct uxdp_ctl_reply);
	struct uxdp_ctl_reply *r = (void *)srv->obuf;

	while (!*started || *off < len) {
		size_t n = len - *off < room ? len - *off : room;
		ssize_t sent;

		memset(r, 0, sizeof(*r));
		r->hdr.magic = UXDP_CTL_MAGIC;
		r->hdr.version = UXDP_CTL_VERSION;
		r->hdr.type = UXDP_CTL_REPLY;
		r->hdr.len = (uint32_t)(sizeof(*r) + n);
		r->hdr.flags = *off + n < len ? UXDP_CTL_F_MORE : 0;
		r->hdr.seq = seq;
		r->status = status;
		r->text_len = (uint32_t)n;
		if (n)
			memcpy(r->text, text + *off, n);
		sent = send(fd, r, r->hdr.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (sent != (ssize_t)r->hdr.len)
			return -EIO; /* cannot happen on SOCK_SEQPACKET */
		*off += n;
		*started = true;
	}
	return 0;
}

/* Note a connection dropped for not reading its replies. */
static void dropped_slow(struct uxdp_ctl_server *srv, const struct conn *c, size_t more)
{
	struct ucred cred = {.pid = 0};
	socklen_t cl = sizeof(cred);

	srv->dropped++;
	getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl);
	uxdp_pr(UXDP_WARN,
		"ctl: dropping %s of pid %d: it does not read its replies (%zu bytes queued, "
		"%zu more, limit %u)\n",
		c->session ? "the socket connection" : "the connection", (int)cred.pid,
		c->out_bytes, more, UXDP_CTL_MAX_QUEUED);
}

/*
 * Answer on connection c: sent at once if nothing is queued and the socket
 * takes it, else (the rest) queued for POLLOUT. False when the connection is
 * to be dropped: the client is gone, or the queue would pass the bound (a
 * reply of any size is taken when nothing else is queued).
 */
static bool send_reply(struct uxdp_ctl_server *srv, struct conn *c, uint32_t seq, int status,
		       const char *text, size_t len)
{
	size_t off = 0;
	bool started = false;
	struct outq *q;

	if (!c->out) {
		int rc = send_chunks(srv, c->fd, seq, status, text, len, &off, &started);

		if (rc != -EAGAIN)
			return rc == 0;
	} else if (c->out_bytes + len > UXDP_CTL_MAX_QUEUED) {
		dropped_slow(srv, c, len);
		return false;
	}
	q = malloc(sizeof(*q) + (len - off));
	if (!q)
		return false;
	*q = (struct outq){.seq = seq, .status = status, .len = len - off, .started = started};
	memcpy(q->text, text + off, len - off);
	if (c->out_tail)
		c->out_tail->next = q;
	else
		c->out = q;
	c->out_tail = q;
	c->out_bytes += q->len;
	return true;
}

/* POLLOUT: send what is queued; false when the client is gone. */
static bool flush_out(struct uxdp_ctl_server *srv, struct conn *c)
{
	while (c->out) {
		struct outq *q = c->out;
		size_t off = q->off;
		int rc = send_chunks(srv, c->fd, q->seq, q->status, q->text, q->len, &q->off,
				     &q->started);

		c->out_bytes -= q->off - off;
		if (rc == -EAGAIN)
			return true;
		if (rc)
			return false;
		c->out = q->next;
		if (!c->out)
			c->out_tail = NULL;
		free(q);
	}
	return true;
}

static void free_out(struct conn *c)
{
	while (c->out) {
		struct outq *q = c->out;

		c->out = q->next;
		free(q);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
}

static void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* A refused message: counted, answered with the reason; false if the reply failed. */
static bool refuse(struct uxdp_ctl_server *srv, struct conn *c, uint32_t seq, int status,
		   const char *err)
{
	srv->refused++;
	return send_reply(srv, c, seq, status, err, strlen(err));
}

/*
 * A zero-length read is either a zero-length datagram (a kick: the
 * application's sendto(fd, NULL, 0)) or the end of the connection; the
 * socket's hang-up state tells them apart (the peer's close sets it before
 * any read can return 0 for EOF). A kick racing with the peer's close is
 * lost, which does not matter: the socket is going away.
 */
static bool peer_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	return poll(&p, 1, 0) != 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

/*
 * Read one message with its fds (SCM_RIGHTS, close-on-exec). Returns the size
 * (> UXDP_CTL_MAX_MSG: oversized), 0 for a zero-length message, -1 for the end
 * of the connection, -2 for nothing to read. *nfds is -1 when the fds did not
 * all fit (MSG_CTRUNC: the kernel dropped the rest); what came is in fds[].
 */
static ssize_t recv_msg(struct uxdp_ctl_server *srv, int fd, int *fds, int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (MAX_FDS + 1))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = srv->buf, .iov_len = UXDP_CTL_MAX_MSG + 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c;
	ssize_t n;

	*nfds = 0;
	n = recvmsg(fd, &mh, MSG_TRUNC | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -2 : -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nfds < MAX_FDS + 1)
				fds[(*nfds)++] = f;
			else
				close(f); /* cannot happen with this buffer; never leak one */
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		close_fds(fds, *nfds);
		*nfds = -1;
	}
	if (n == 0 && *nfds == 0 && peer_gone(fd))
		return -1;
	return n;
}

/* Serve one message of connection c; false when the connection is to be closed. */
static bool serve(struct uxdp_ctl_server *srv, struct conn *c)
{
	struct uxdp_ctl_req req;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fds[MAX_FDS + 1], nfds;
	void *new_session = NULL;
	char err[512];
	char *text = NULL;
	ssize_t n;
	int status;
	bool ok;

	c->last_active = ++srv->tick; /* the order idle connections are closed in */
	n = recv_msg(srv, c->fd, fds, &nfds);
	if (n == -2)
		return true;
	if (n == -1)
		return false;
	if (n == 0) {
		/* A kick. On a connection that is no socket (yet) there is nothing to
		 * kick and no request to answer: ignored. With fds it is no kick. */
		if (nfds) {
			close_fds(fds, nfds);
			srv->refused++;
			return true;
		}
		if (c->session) {
			srv->kicks++;
			srv->on_kick(srv->cookie, c->session);
		}
		return true;
	}
	srv->requests++;
	if (c->out_bytes >= UXDP_CTL_MAX_QUEUED) {
		/* Still not reading: drop it before acting on one more request. */
		close_fds(fds, nfds);
		dropped_slow(srv, c, 0);
		return false;
	}
	if (n > UXDP_CTL_MAX_MSG) {
		const struct uxdp_ctl_hdr *h = (const void *)srv->buf;

		close_fds(fds, nfds);
		snprintf(err, sizeof(err), "message of %zd bytes is over the %d-byte limit", n,
			 UXDP_CTL_MAX_MSG);
		return refuse(srv, c, h->seq, -EMSGSIZE, err);
	}
	status = uxdp_ctl_parse(srv->buf, (size_t)n, &req, err, sizeof(err));
	if (!status && nfds < 0) {
		snprintf(err, sizeof(err),
			 "fds: more file descriptors than a message takes (at most %d), or the "
			 "daemon could not receive them all",
			 MAX_FDS);
		status = -EINVAL;
	}
	status = status ?: uxdp_ctl_check_fds(&req, nfds, err, sizeof(err));
	if (status) {
		close_fds(fds, nfds);
		return refuse(srv, c, req.seq, status, err);
	}
	/* What a connection may ask depends on whether it is a socket. */
	if (c->session && req.type != UXDP_CTL_XSK_STATS && req.type != UXDP_CTL_XSK_MAP_KEY) {
		close_fds(fds, nfds);
		snprintf(err, sizeof(err),
			 "this connection is a bound socket: it takes XSK_STATS, XSK_MAP_KEY and "
			 "zero-length kicks only");
		return refuse(srv, c, req.seq, req.type == UXDP_CTL_XSK_BIND ? -EISCONN : -EINVAL,
			      err);
	}
	if (!c->session && (req.type == UXDP_CTL_XSK_STATS || req.type == UXDP_CTL_XSK_MAP_KEY)) {
		snprintf(err, sizeof(err),
			 "this connection is not a bound socket (XSK_BIND first)");
		return refuse(srv, c, req.seq, -ENOTCONN, err);
	}
	if (req.type == UXDP_CTL_XSK_BIND &&
	    (!srv->on_close || srv->n_sessions >= UXDP_CTL_MAX_SESSIONS)) {
		close_fds(fds, nfds);
		snprintf(err, sizeof(err),
			 srv->on_close ? "too many bound sockets (%d)"
				       : "this daemon does not serve sockets",
			 UXDP_CTL_MAX_SESSIONS);
		return refuse(srv, c, req.seq, srv->on_close ? -EMFILE : -EOPNOTSUPP, err);
	}
	for (int i = 0; i < MAX_FDS; i++)
		req.fds[i] = i < nfds ? fds[i] : -1;
	req.nfds = nfds;
	if (!getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl)) {
		req.uid = cred.uid;
		req.gid = cred.gid;
		req.pid = cred.pid;
	} else {
		req.uid = (uid_t)-1; /* unknown: treated as nobody */
		req.gid = (gid_t)-1;
	}
	req.conn_fd = c->fd;
	req.session = c->session;
	req.set_session = req.type == UXDP_CTL_XSK_BIND ? &new_session : NULL;
	status = srv->fn(srv->cookie, &req, &text);
	close_fds(fds, nfds); /* the handler dup()ed what it keeps */
	if (new_session && status) {
		/* A failed bind keeps nothing. */
		srv->on_close(srv->cookie, new_session);
		new_session = NULL;
	}
	if (new_session) {
		c->session = new_session;
		srv->n_sessions++;
	}
	ok = send_reply(srv, c, req.seq, status, text ? text : "", text ? strlen(text) : 0);
	free(text);
	return ok;
}

static void drop_conn(struct uxdp_ctl_server *srv, uint32_t i)
{
	struct conn *c = &srv->conns[i];

	if (c->session) {
		/* The fd stays open until on_close returns: workers may still send
		 * wake-ups on it until the socket is released. */
		srv->on_close(srv->cookie, c->session);
		srv->n_sessions--;
	}
	close(c->fd);
	free_out(c);
	*c = srv->conns[--srv->n_conns];
}

/*
 * The plain connection (not a socket session) that has been idle longest and
 * has no reply waiting to go out, or -1. Requests are answered as they come,
 * so such a connection is between requests: closing it loses nothing.
 */
static int idlest_plain_conn(const struct uxdp_ctl_server *srv)
{
	int best = -1;

	for (uint32_t i = 0; i < srv->n_conns; i++) {
		const struct conn *c = &srv->conns[i];

		if (c->session || c->out)
			continue;
		if (best < 0 || c->last_active < srv->conns[best].last_active)
			best = (int)i;
	}
	return best;
}

static void accept_conn(struct uxdp_ctl_server *srv)
{
	int c = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		return;
	if (srv->n_conns - srv->n_sessions >= UXDP_CTL_MAX_CONNS) {
		/* Full of connections that do not ask anything: make room by closing
		 * the longest idle one, so that idle clients cannot lock everybody
		 * else out; if every one has replies in flight, refuse this one. */
		int victim = idlest_plain_conn(srv);

		if (victim < 0) {
			close(c); /* the client sees the connection end */
			return;
		}
		drop_conn(srv, (uint32_t)victim);
		srv->evicted++;
	}
	if (srv->n_conns == srv->cap_conns) {
		uint32_t cap = srv->cap_conns ? srv->cap_conns * 2 : 16;
		struct conn *nc = realloc(srv->conns, cap * sizeof(*nc));

		if (!nc) {
			close(c);
			return;
		}
		srv->conns = nc;
		srv->cap_conns = cap;
	}
	srv->conns[srv->n_conns++] = (struct conn){.fd = c, .last_active = ++srv->tick};
}

void uxdp_ctl_server_set_session_ops(struct uxdp_ctl_server *srv, uxdp_ctl_session_fn on_kick,
				     uxdp_ctl_session_fn on_close)
{
	srv->on_kick = on_kick;
	srv->on_close = on_close;
}

int uxdp_ctl_server_run(struct uxdp_ctl_server *srv, int stop_fd)
{
	struct pollfd *pfd = NULL;
	uint32_t cap = 0;
	int rc = 0;

	for (;;) {
		uint32_t n = srv->n_conns;

		if (n + 2 > cap) {
			struct pollfd *np = realloc(pfd, (n + 2) * 2 * sizeof(*np));

			if (!np) {
				rc = -ENOMEM;
				break;
			}
			pfd = np;
			cap = (n + 2) * 2;
		}
		pfd[0] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = srv->fd, .events = POLLIN};
		for (uint32_t i = 0; i < n; i++)
			pfd[2 + i] = (struct pollfd){
				.fd = srv->conns[i].fd,
				.events = (short)(POLLIN | (srv->conns[i].out ? POLLOUT : 0))};
		if (poll(pfd, n + 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (pfd[0].revents)
			break;
		/* Walk backwards: dropping connection i moves the last one into its slot. */
		for (uint32_t i = n; i-- > 0;) {
			short ev = pfd[2 + i].revents;
			bool keep;

			if (!ev)
				continue;
			keep = !(ev & POLLOUT) || flush_out(srv, &srv->conns[i]);
			/* POLLIN comes with POLLHUP while messages are queued: read them first. */
			if (keep && (ev & POLLIN))
				keep = serve(srv, &srv->conns[i]);
			else if (ev & (POLLHUP | POLLERR | POLLNVAL))
				keep = false; /* hang-up or error, nothing left to read */
			if (!keep)
				drop_conn(srv, i);
		}
		if (pfd[1].revents & POLLIN)
			accept_conn(srv);
	}
	free(pfd);
	return rc;
}

void uxdp_ctl_server_counts(const struct uxdp_ctl_server *srv, uint64_t *requests,
			    uint64_t *refused)
{
	*requests = srv->requests;
	*refused = srv->refused;
}

void uxdp_ctl_server_conns(const struct uxdp_ctl_server *srv, uint32_t *conns, uint32_t *sessions,
			   uint64_t *kicks)
{
	*conns = srv->n_conns;
	*sessions = srv->n_sessions;
	*kicks = srv->kicks;
}

uint64_t uxdp_ctl_server_dropped(const struct uxdp_ctl_server *srv)
{
	return srv->dropped;
}

uint64_t uxdp_ctl_server_evicted(const struct uxdp_ctl_server *srv)
{
	return srv->evicted;
}

void uxdp_ctl_server_free(struct uxdp_ctl_server *srv)
{
	if (!srv)
		return;
	while (srv->n_conns)
		drop_conn(srv, srv->n_conns - 1);
	free(srv->conns);
	close(srv->fd);
	unlink(srv->path);
	free(srv->path);
	free(srv->buf);
	free(srv->obuf);
	free(srv);
}
